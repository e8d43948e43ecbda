"""Rate limits in one worker: wrong room codes per address, writes per participant."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.web.ratelimit import RULES, SWEEP_EVERY_S, Limiter, QuietMemoryStorage
from tests.conftest import REDIS_URL, make_settings, need_service
from tests.factories import API, create_room, join, move


@pytest.fixture
async def limited(tmp_path: Path, sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small limits, so that tests reach them quickly."""
    from app.main import create_app

    settings = make_settings(
        tmp_path, sqlite_url, room_code_rate_limit="10/10minutes", write_rate_limit="5/minute"
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_200_simultaneous_wrong_codes_get_at_most_10_answers(
    limited: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(*(limited.get(f"/r/ZZZ{i:03d}") for i in range(200)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(404) == 10
    assert statuses.count(429) == 190
    refused = next(r for r in responses if r.status_code == 429)
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "Too many wrong codes" in refused.text


async def test_over_the_limit_a_right_code_is_refused_too(limited: httpx.AsyncClient) -> None:
    room = await create_room(limited)
    code = room.created["workshop"]["room_code"]
    assert (await limited.get(f"/r/{code}")).status_code == 200
    for i in range(10):
        assert (await limited.get(f"/r/WRONG{i}")).status_code == 404
    # Otherwise a guesser could go on and tell a right code from a wrong one.
    assert (await limited.get(f"/r/{code}")).status_code == 429
    assert (await limited.post(f"/r/{code}", data={"name": "Eve"})).status_code == 429


async def test_writes_past_the_limit_answer_429_and_change_nothing(
    limited: httpx.AsyncClient,
) -> None:
    room = await create_room(limited)
    visitor = await join(limited, room, "visitor", "Vera")
    await move(limited, room, "context")  # the facilitator's own budget, not Vera's
    url = f"{API}/workshops/{room.id}/cards"
    body = {"kind": "question", "text": "How many wait?"}
    answers = await asyncio.gather(
        *(limited.post(url, json=body, headers=visitor.headers) for _ in range(12))
    )
    assert sorted(r.status_code for r in answers) == [201] * 5 + [429] * 7
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    state = (await limited.get(f"{API}/workshops/{room.id}", headers=visitor.headers)).json()
    assert len([c for c in state["cards"] if c["text"] == "How many wait?"]) == 5
    # Each participant has a budget of their own.
    other = await join(limited, room, "visitor", "Walt")
    response = await limited.post(url, json=body, headers=other.headers)
    assert response.status_code == 201


async def test_reads_are_not_counted(limited: httpx.AsyncClient) -> None:
    room = await create_room(limited)
    for _ in range(20):
        response = await limited.get(f"{API}/workshops/{room.id}", headers=room.facilitator.headers)
        assert response.status_code == 200


def test_every_rule_has_a_setting() -> None:
    from app.settings import Settings

    for name, rule in RULES.items():
        assert rule.setting in Settings.model_fields, name


async def test_an_empty_setting_turns_a_rule_off() -> None:
    limiter = Limiter("memory://", {"room_code_guess": ""})
    assert [await limiter.hit("room_code_guess", "a") for _ in range(100)] == [None] * 100


async def test_counting_here_starts_no_thread(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """limits' own memory storage started a thread on every hit that came more than 10 ms
    after the last (every room at its usual pace), and the event loop waited for it."""
    limiter = Limiter("memory://", {"participant_write": "100/minute"})
    started: list[threading.Thread] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    for n in range(10):
        assert await limiter.hit("participant_write", str(n % 3)) is None
        await asyncio.sleep(0.02)
    assert started == []
    # Still a limit.
    limiter = Limiter("memory://", {"participant_write": "2/minute"})
    assert [await limiter.hit("participant_write", "p") for _ in range(3)][:2] == [None, None]
    assert await limiter.blocked("participant_write", "p") is not None


async def test_expired_counts_are_dropped_once_a_minute() -> None:
    limiter = Limiter("memory://", {"participant_write": "5/second"})
    storage = limiter.local.storage
    assert isinstance(storage, QuietMemoryStorage)
    await limiter.hit("participant_write", "gone")
    await asyncio.sleep(1.1)  # its one count has expired, and is still kept
    await limiter.hit("participant_write", "here")
    assert any("gone" in key for key in storage.events)
    storage._swept -= SWEEP_EVERY_S  # a minute on
    await limiter.hit("participant_write", "here")
    assert not any("gone" in key for key in storage.events)
    assert any("here" in key for key in storage.events)


async def test_shared_counts_are_kept_without_a_thread(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """With REDIS_URL set every participant write asks the limiter: it must wait for Redis on
    the event loop, not hand each write to a thread (bench/README.md)."""
    need_service("Redis", "127.0.0.1", 6379)
    import anyio.to_thread

    async def no_thread(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("went to a thread")

    monkeypatch.setattr(anyio.to_thread, "run_sync", no_thread)
    rates = {"participant_write": "2/minute", "room_code_guess": ""}
    limiter, other = Limiter(REDIS_URL, rates), Limiter(REDIS_URL, rates)
    key = uuid.uuid4().hex
    try:
        assert [await limiter.hit("participant_write", key) for _ in range(3)][:2] == [None, None]
        assert await limiter.blocked("participant_write", key) is not None
        assert await limiter.hit("room_code_guess", key) is None  # a rule that is off
        # Counted in Redis, not in this worker's memory after a failure.
        assert await other.blocked("participant_write", key) is not None
        assert "counted per worker" not in caplog.text
    finally:
        await limiter.close()
        await other.close()


async def test_a_redis_that_stops_answering_holds_up_only_the_first_turns(
    monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    """A Redis that takes connections and never answers: the counts waiting behind the first
    ones to time out learn it when their turn comes, and count here instead of each waiting
    for a timeout of its own (so only the first turns reach Redis at all)."""
    import app.web.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "REDIS_TIMEOUT_S", 0.2)
    connections: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = Limiter(f"redis://127.0.0.1:{port}/0", {"participant_write": "10/minute"})
    try:
        answers = await asyncio.gather(
            *(limiter.hit("participant_write", "7") for _ in range(5 * ratelimit.REDIS_CONNECTIONS))
        )
    finally:
        await limiter.close()
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()
    assert answers.count(None) == 10  # still a limit, counted in this worker
    assert 0 < len(connections) <= ratelimit.REDIS_CONNECTIONS
    assert "counted per worker" in caplog.text


async def test_an_unknown_rule_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        await Limiter("memory://", {}).hit("no_such_rule", "a")


@pytest.mark.parametrize("storage", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_simultaneous_hits_are_counted_once_each(storage: str) -> None:
    """The atomic hit: 200 at once, and exactly the limit gets through (in Redis, 200 requests
    in flight on the pool's connections at the same moment)."""
    if storage == "redis":
        need_service("Redis", "127.0.0.1", 6379)
    limiter = Limiter(
        REDIS_URL if storage == "redis" else "memory://", {"room_code_guess": "10/10minutes"}
    )
    key = uuid.uuid4().hex  # the shared Redis outlives the test
    try:
        results = await asyncio.gather(*(limiter.hit("room_code_guess", key) for _ in range(200)))
        assert results.count(None) == 10
        assert all(r is not None and 0 < r <= 600 for r in results if r is not None)
        assert await limiter.blocked("room_code_guess", key) is not None
        if storage == "redis":
            # Counted in Redis, so another worker refuses the same key too.
            other = Limiter(REDIS_URL, {"room_code_guess": "10/10minutes"})
            try:
                assert await other.blocked("room_code_guess", key) is not None
            finally:
                await other.close()
    finally:
        await limiter.close()


async def test_a_redis_that_is_down_still_limits_in_this_worker(caplog) -> None:  # type: ignore[no-untyped-def]
    limiter = Limiter("redis://127.0.0.1:1/0", {"room_code_guess": "3/minute"})
    outcomes = [await limiter.hit("room_code_guess", "a") for _ in range(5)]
    await limiter.close()
    assert outcomes[:3] == [None, None, None]
    assert outcomes[3] is not None and outcomes[4] is not None
    assert "counted per worker" in caplog.text
