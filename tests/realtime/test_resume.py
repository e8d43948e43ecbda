"""Resume is proven, not hoped for: Centrifugo's recovery cases one by one, then Zulip's
verify_action over hundreds of seeded schedules of writes, drops and reconnects."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect

from app.web.live import parse_since
from tests.conftest import PostgresSchema
from tests.factories import API, Person, move
from tests.realtime.conftest import Cluster
from tests.realtime.harness import Screen, close_all, fresh_state, http_client, people, post
from tests.statefold import comparable

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


async def add_cards(http: httpx.AsyncClient, workshop_id: str, who: Person, count: int) -> None:
    for start in range(0, count, 20):
        responses = await asyncio.gather(
            *(
                post(
                    http,
                    f"/workshops/{workshop_id}/cards",
                    who,
                    {"kind": "context", "text": f"c{i}"},
                )
                for i in range(start, min(count, start + 20))
            )
        )
        assert {r.status_code for r in responses} == {201}


async def settle(http: httpx.AsyncClient, screen: Screen) -> int:
    head = (await fresh_state(http, screen.workshop_id, screen.person))["seq"]
    await screen.wait_for_seq(head)
    assert screen.problems == []
    fresh = await fresh_state(http, screen.workshop_id, screen.person)
    assert comparable(screen.state) == comparable(fresh)  # type: ignore[arg-type]
    return head


async def test_since_equal_to_head_sends_nothing_then_follows(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as http:
        room, (fac,) = await people(http)
        await add_cards(http, room.id, fac, 3)
        screen = Screen(room.id, fac)
        await screen.connect(a.ws_url)
        head = await settle(http, screen)
        await screen.drop()
        await screen.connect(b.ws_url, since=head)
        await screen.wait_until(lambda s: len(s.presence) > 0)  # the resumed stream is live
        assert screen.snapshots == [head] and screen.seqs == []
        await add_cards(http, room.id, fac, 1)
        assert await settle(http, screen) == head + 1
        assert screen.seqs == [head + 1]
        await screen.drop()


async def test_a_resumed_stream_starts_with_the_replay(cluster: Cluster) -> None:
    """API.md: with `since=N`, every event after N follows; who is online comes after it."""
    a, _ = cluster.workers
    async with http_client(a.base_url, 30) as http:
        room, (fac,) = await people(http)
        since = (await fresh_state(http, room.id, fac))["seq"]
        await add_cards(http, room.id, fac, 3)
        head = (await fresh_state(http, room.id, fac))["seq"]
        url = f"{a.ws_url}{API}/workshops/{room.id}/events?since={since}"
        async with connect(url, additional_headers=fac.headers) as ws:
            frames = [json.loads(await ws.recv()) for _ in range(head - since + 1)]
    assert [(f["type"], f["seq"]) for f in frames] == [
        *(("card.added", seq) for seq in range(since + 1, head + 1)),
        ("presence.changed", None),
    ]


async def test_since_in_the_future_gets_a_snapshot_first(cluster: Cluster) -> None:
    a, _ = cluster.workers
    async with http_client(a.base_url, 30) as http:
        room, (fac, visitor) = await people(http, visitor=1)
        await add_cards(http, room.id, fac, 2)
        head = (await fresh_state(http, room.id, fac))["seq"]
        screen = Screen(room.id, visitor)
        await screen.connect(a.ws_url, since=head + 50)
        await screen.wait_until(lambda s: bool(s.snapshots))
        assert screen.snapshots == [head] and screen.seqs == []
        await add_cards(http, room.id, fac, 1)
        await settle(http, screen)
        assert screen.seqs == [head + 1]
        await screen.drop()


async def test_reconnecting_twice_in_a_row_loses_and_repeats_nothing(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(b.base_url, 30) as http:
        room, (fac, host) = await people(http, host=1)
        screen = Screen(room.id, host)
        await screen.connect(a.ws_url)
        await settle(http, screen)
        writer = asyncio.ensure_future(add_cards(http, room.id, fac, 40))
        for worker, abrupt in ((b, True), (a, False), (b, True), (b, False)):
            await screen.drop(abrupt=abrupt)
            await screen.resume(worker.ws_url)
            await screen.drop(abrupt=not abrupt)  # and again, before it even caught up
            await screen.resume(worker.ws_url)
        await writer
        head = await settle(http, screen)
        assert screen.seqs == list(range(screen.snapshots[0] + 1, head + 1))
        assert len(screen.snapshots) == 1
        await screen.drop()


async def test_since_older_than_the_kept_history_gets_a_snapshot_never_a_partial_replay(
    server_factory, pg: PostgresSchema
) -> None:  # type: ignore[no-untyped-def]
    # Keep only 100 events (the least allowed) so that history is pruned at seq 256.
    server = server_factory(pg.url, extra_env={"EVENT_HISTORY": "100"})
    async with http_client(server.base_url, 60) as http:
        room, (fac,) = await people(http)
        await add_cards(http, room.id, fac, 270)
        head = (await fresh_state(http, room.id, fac))["seq"]
        assert 256 < head < 512
        kept_from = 256 - 100 + 1  # pruned at seq 256: everything up to 156 is gone
        for since, replays in ((5, False), (kept_from - 2, False), (kept_from - 1, True)):
            screen = Screen(room.id, fac, fold=not replays)
            await screen.connect(server.ws_url, since=since)
            await screen.wait_for_seq(head)
            assert screen.problems == []
            if replays:
                assert screen.snapshots == []
                assert screen.seqs == list(range(since + 1, head + 1))
            else:
                assert screen.snapshots == [head], since
                assert screen.seqs == [], "never a partial replay"
            await screen.drop()
        # A raw look at the first frame: the snapshot comes before anything else.
        url = f"{server.ws_url}{API}/workshops/{room.id}/events?since=1"
        async with connect(url, additional_headers=fac.headers) as ws:
            assert '"type":"snapshot"' in str(await ws.recv())


async def test_everyone_resumes_after_moving_phases(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as http:
        room, (fac, host, visitor) = await people(http, host=1, visitor=1)
        screens = [Screen(room.id, p) for p in (fac, host, visitor)]
        for screen in screens:
            await screen.connect(b.ws_url)
        for screen in screens:
            await screen.drop(abrupt=True)
        for phase in ("context", "questions", "analysis"):
            await move(http, room, phase)
        for screen in screens:
            await screen.resume(a.ws_url)
        for screen in screens:
            await settle(http, screen)
        await close_all(screens)


def test_since_is_a_seq_written_in_ascii_digits() -> None:
    """Python's int() took "+5", "5 " and other scripts' digits ("٣" was replayed from 3);
    a seq past the head, however long, still asks for a snapshot (API.md)."""
    assert parse_since("42") == 42 and parse_since("0") == 0 and parse_since(None) is None
    assert parse_since("-1") == -1
    # Past any head, however long: a snapshot follows, never a refusal.
    assert parse_since("9" * 30) >= 10**18 and parse_since("9" * 5000) >= 10**18
    assert parse_since("-" + "9" * 30) < 0
    for bad in ("\u0663", "+5", "5 ", " 5", "1e3", "4.0", "0x10", "1_000"):
        with pytest.raises(ValueError, match="whole number"):
            parse_since(bad)
