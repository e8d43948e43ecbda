"""Workers and brokers go away mid-meeting and nothing is lost: SIGTERM closes sockets with
1001 and their screens resume on another worker; a Redis restart leaves each worker serving its
own screens, and every screen converges on the record once Redis is back."""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from tests.conftest import REDIS_URL, PostgresSchema
from tests.factories import Person, move
from tests.realtime.conftest import need_redis
from tests.realtime.harness import (
    RedisProcess,
    Screen,
    close_all,
    fresh_state,
    http_client,
    people,
    post,
    start_servers,
)
from tests.statefold import comparable

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
GOING_AWAY = 1001


async def cards(
    http: httpx.AsyncClient, workshop_id: str, who: Person, count: int, pause: float = 0.0
) -> None:
    for i in range(count):
        response = await post(
            http, f"/workshops/{workshop_id}/cards", who, {"kind": "context", "text": f"card {i}"}
        )
        assert response.status_code == 201, response.text
        await asyncio.sleep(pause)


async def converged(http: httpx.AsyncClient, screens: list[Screen], timeout: float = 20.0) -> int:
    head = (await fresh_state(http, screens[0].workshop_id, screens[0].person))["seq"]
    for screen in screens:
        await screen.wait_for_seq(head, timeout=timeout)
    for screen in screens:
        assert screen.problems == [], screen.person.name
        assert screen.seqs == list(range(screen.snapshots[0] + 1, head + 1)), screen.person.name
        fresh = await fresh_state(http, screen.workshop_id, screen.person)
        assert comparable(screen.state) == comparable(fresh), screen.person.name  # type: ignore[arg-type]
    return head


async def test_sigterm_says_going_away_and_screens_resume_elsewhere(
    server_factory, pg: PostgresSchema
) -> None:  # type: ignore[no-untyped-def]
    need_redis()
    a, b = await start_servers(server_factory, 2, pg.url, redis_url=REDIS_URL)
    async with http_client(b.base_url, 30) as http:
        room, (fac, host, visitor) = await people(http, host=1, visitor=1)
        await move(http, room, "context")
        on_a = [Screen(room.id, p) for p in (fac, host, visitor)]
        for screen in on_a:
            await screen.connect(a.ws_url)
        writer = asyncio.ensure_future(cards(http, room.id, fac, 30, pause=0.05))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(a.stop, signal.SIGTERM)
        for screen in on_a:
            await screen.wait_until(lambda s: not s.connected)
        codes = [screen.close_codes[-1] for screen in on_a]
        for screen in on_a:
            await screen.resume(b.ws_url)
        await writer
        await converged(http, on_a)
    assert codes == [GOING_AWAY] * len(on_a), "closed with 'going away' before uvicorn's 1012"
    await close_all(on_a)


async def test_a_redis_restart_loses_nothing(
    server_factory, pg: PostgresSchema, own_redis: RedisProcess
) -> None:  # type: ignore[no-untyped-def]
    a, b = await start_servers(
        server_factory, 2, pg.url, redis_url=own_redis.url, extra_env={"PRESENCE_TTL_S": "3"}
    )
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, host, v1, v2) = await people(via_a, host=1, visitor=2)
        screens = {
            "a": [Screen(room.id, fac), Screen(room.id, v1)],
            "b": [Screen(room.id, host), Screen(room.id, v2)],
        }
        for name, worker in (("a", a), ("b", b)):
            for screen in screens[name]:
                await screen.connect(worker.ws_url)
        everyone = screens["a"] + screens["b"]
        await cards(via_a, room.id, fac, 3)
        await converged(via_a, everyone)

        own_redis.stop()
        # Each worker keeps serving its own screens: a write there reaches them at once.
        for name, via in (("a", via_a), ("b", via_b), ("a", via_a)):
            await cards(via, room.id, fac, 4)
            head = (await fresh_state(via, room.id, fac))["seq"]
            for screen in screens[name]:
                await screen.wait_for_seq(head)

        own_redis.start()
        back = time.monotonic()
        head = await converged(via_b, everyone, timeout=10)
        caught_up = time.monotonic() - back
        # And live fan-out between workers works again.
        await cards(via_b, room.id, fac, 2)
        assert await converged(via_a, everyone) == head + 2
    print(f"\nafter Redis came back every screen converged in {caught_up:.2f} s")
    await close_all(everyone)
