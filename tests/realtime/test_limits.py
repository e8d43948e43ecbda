"""Rate limits counted across two real uvicorn workers through a Redis of the test's own, and
X-Forwarded-For believed only from the proxies in FORWARDED_ALLOW_IPS."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.conftest import PostgresSchema
from tests.factories import move
from tests.realtime.harness import RedisProcess, http_client, people, post, start_servers

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

LIMITS = {"ROOM_CODE_RATE_LIMIT": "10/10minutes", "WRITE_RATE_LIMIT": "8/minute"}


def an_address() -> str:
    """A client address of its own for each test, as a trusted proxy would report it."""
    raw = uuid.uuid4().bytes
    return f"10.{raw[0]}.{raw[1]}.{raw[2]}"


async def test_wrong_codes_and_writes_are_counted_across_two_workers(
    server_factory, pg: PostgresSchema, own_redis: RedisProcess
) -> None:  # type: ignore[no-untyped-def]
    a, b = await start_servers(server_factory, 2, pg.url, redis_url=own_redis.url, extra_env=LIMITS)
    async with http_client(a.base_url) as via_a, http_client(b.base_url) as via_b:
        # 200 wrong guesses at once from one address, spread over both workers.
        guesses = await asyncio.gather(
            *((via_a, via_b)[i % 2].get(f"/r/QQQ{i:03d}") for i in range(200))
        )
        statuses = [r.status_code for r in guesses]
        assert statuses.count(404) == 10, statuses
        assert statuses.count(429) == 190
        assert all(int(r.headers["Retry-After"]) > 0 for r in guesses if r.status_code == 429)

        room, (_fac, visitor) = await people(via_a, visitor=1)
        await move(via_a, room, "context")
        answers = await asyncio.gather(
            *(
                post(
                    (via_a, via_b)[i % 2],
                    f"/workshops/{room.id}/cards",
                    visitor,
                    {"kind": "question", "text": f"question {i}"},
                )
                for i in range(20)
            )
        )
        assert sorted(r.status_code for r in answers) == [201] * 8 + [429] * 12
        for refused in (r for r in answers if r.status_code == 429):
            assert refused.json()["code"] == "rate_limited"
            assert 0 < int(refused.headers["Retry-After"]) <= 60
        state = await via_b.get(f"/api/v1/workshops/{room.id}", headers=visitor.headers)
        assert len([c for c in state.json()["cards"] if c["kind"] == "question"]) == 8


async def guesses_answered(http: httpx.AsyncClient, addresses: list[str]) -> list[int]:
    return [
        (await http.get(f"/r/WRONG{i}", headers={"X-Forwarded-For": address})).status_code
        for i, address in enumerate(addresses)
    ]


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    server_factory, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    trusting, wary = await start_servers(
        server_factory, 1, sqlite_url, extra_env=LIMITS
    ) + await start_servers(
        server_factory, 1, sqlite_url, extra_env={**LIMITS, "FORWARDED_ALLOW_IPS": "10.0.0.1"}
    )
    rotating = [an_address() for _ in range(30)]
    # Our loopback address is the proxy the first server trusts: 30 addresses, 30 answers.
    async with http_client(trusting.base_url) as http:
        assert await guesses_answered(http, rotating) == [404] * 30
        one = an_address()
        assert await guesses_answered(http, [one] * 12) == [404] * 10 + [429] * 2
    # The second trusts only 10.0.0.1: the header is anyone's to write, so it is ignored and
    # every guess counts against the real address.
    async with http_client(wary.base_url) as http:
        assert await guesses_answered(http, rotating[:12]) == [404] * 10 + [429] * 2
