"""Presence: who is online per role, across workers, kept by heartbeats that expire. Short
settings stand in for production's (PRESENCE_TTL_S=30, WS_PING_INTERVAL_S=20): the mechanism
is the same, only the clock is faster."""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa

from tests.conftest import REDIS_URL, PostgresSchema
from tests.realtime.conftest import Cluster, need_redis
from tests.realtime.harness import (
    Screen,
    close_all,
    http_client,
    open_raw_socket,
    people,
    start_servers,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

FAST = {"PRESENCE_TTL_S": "3", "WS_PING_INTERVAL_S": "1"}


def online_roles(screen: Screen) -> dict:
    return screen.presence[-1]["by_role"] if screen.presence else {}


async def test_who_is_online_per_role_across_workers(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as http:
        room, everyone = await people(http, host=1, visitor=1, projector=1)
    screens = [Screen(room.id, p) for p in everyone]
    for screen, worker in zip(screens, (a, b, a, b), strict=True):
        await screen.connect(worker.ws_url)
    fac, host, visitor, projector = screens
    all_roles = {"facilitator": 1, "host": 1, "visitor": 1, "projector": 1}
    await fac.wait_until(lambda s: online_roles(s) == all_roles)
    await projector.wait_until(lambda s: online_roles(s) == all_roles)
    head = fac.head
    await visitor.drop()
    await host.drop(abrupt=True)
    gone = {"facilitator": 1, "projector": 1}
    await fac.wait_until(lambda s: online_roles(s) == gone)
    await projector.wait_until(lambda s: online_roles(s) == gone)
    assert fac.presence[-1]["online"] == sorted([fac.person.id, projector.person.id])
    # Presence is never an event: nothing was written, nothing was numbered.
    assert fac.head == head and projector.head == head
    engine = cluster.engine()
    with engine.connect() as conn:
        types = (
            conn.execute(
                sa.text("SELECT DISTINCT type FROM event WHERE workshop_id = :w"), {"w": room.id}
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert not [t for t in types if "presence" in t]
    await close_all([fac, projector])


async def test_vanished_laptops_and_dead_workers_drop_off(
    server_factory, pg: PostgresSchema
) -> None:  # type: ignore[no-untyped-def]
    need_redis()
    a, b = await start_servers(server_factory, 2, pg.url, redis_url=REDIS_URL, extra_env=FAST)
    async with http_client(a.base_url, 30) as http:
        room, (fac, host, visitor) = await people(http, host=1, visitor=1)
    observer = Screen(room.id, fac)
    await observer.connect(a.ws_url)

    # A laptop that vanishes: handshake done, then silence. It reads nothing, answers no ping.
    laptop = await asyncio.to_thread(open_raw_socket, a.port, room.id, visitor.token)
    try:
        await observer.wait_until(lambda s: online_roles(s).get("visitor") == 1)
        vanished = time.monotonic()
        await observer.wait_until(lambda s: "visitor" not in online_roles(s), timeout=30)
        laptop_s = time.monotonic() - vanished
    finally:
        laptop.close()

    # A worker that dies: its entries in Redis are no longer refreshed, and expire.
    on_b = Screen(room.id, host)
    await on_b.connect(b.ws_url)
    await observer.wait_until(lambda s: online_roles(s) == {"facilitator": 1, "host": 1})
    b.process.kill()  # SIGKILL: no goodbye
    died = time.monotonic()
    await observer.wait_until(lambda s: online_roles(s) == {"facilitator": 1}, timeout=30)
    worker_s = time.monotonic() - died
    print(
        f"\npresence: a vanished laptop dropped off after {laptop_s:.1f} s (ping every 1 s, "
        f"1 s to answer; production 20 s + 10 s), a dead worker's connections after "
        f"{worker_s:.1f} s (TTL 3 s, sweep every 1 s; production TTL 30 s)"
    )
    await observer.drop()
