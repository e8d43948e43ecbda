"""Withdrawn access on two real workers (PostgreSQL, Redis): a removed participant's token
stops on both and their sockets close within 5 s (API.md); so do a deactivated account's
facilitator seats; a deleted workshop's sockets close everywhere; and a worker that could not
hear the broker trusts no remembered token."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.conftest import ADMIN_TOKEN, PostgresSchema
from tests.factories import (
    API,
    add_card,
    admin,
    bearer,
    create_room,
    delete_workshop_as_owner,
    make_account,
    move,
)
from tests.realtime.conftest import Cluster
from tests.realtime.harness import (
    RedisProcess,
    Screen,
    close_all,
    http_client,
    people,
    refused_upgrade,
    start_servers,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
WITHDRAWN = 1008
CONTRACT_S = 5.0  # API.md: "its open sockets close within 5 s"


async def closed_within(screen: Screen, seconds: float, since: float | None = None) -> float:
    """Wait for the server to close the screen's socket; how long since `since` it took."""
    started = time.monotonic() if since is None else since
    await screen.wait_until(lambda s: not s.connected, timeout=seconds)
    return time.monotonic() - started


async def refused(ws_url: str, workshop_id: str, token: str) -> int:
    url = f"{ws_url}{API}/workshops/{workshop_id}/events"
    return (await refused_upgrade(url, additional_headers=bearer(token))).status_code


async def test_a_removed_participant_is_cut_off_on_every_worker(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, vera) = await people(via_a, visitor=1)
        await move(via_a, room, "context")
        assert (await add_card(via_a, room, vera, "question", "Who books transport?")).is_success
        vera_on = {"a": Screen(room.id, vera), "b": Screen(room.id, vera)}
        watching_b = Screen(room.id, fac)
        await vera_on["a"].connect(a.ws_url)
        await vera_on["b"].connect(b.ws_url)
        await watching_b.connect(b.ws_url)
        for via in (via_a, via_b):  # each worker has proven, and remembers, Vera's token
            assert (await via.get(f"{API}/workshops/{room.id}", headers=vera.headers)).is_success

        started = time.monotonic()
        removed = await via_a.delete(
            f"{API}/workshops/{room.id}/participants/{vera.id}", headers=fac.headers
        )
        assert removed.status_code == 204
        # On the worker that removed her, at once: before the answer came back.
        assert (
            await via_a.get(f"{API}/workshops/{room.id}", headers=vera.headers)
        ).status_code == (401)
        closing = [closed_within(s, CONTRACT_S, started) for s in vera_on.values()]
        took = dict(zip(vera_on, await asyncio.gather(*closing), strict=True))
        for name, screen in vera_on.items():
            assert screen.close_codes[-1] == WITHDRAWN, name
        # Worker B applies a withdrawal before the events that follow it: once its screen has
        # shown the removal, her remembered token is already refused there.
        await watching_b.wait_until(lambda s: "participant.removed" in s.kinds)
        assert (
            await via_b.get(f"{API}/workshops/{room.id}", headers=vera.headers)
        ).status_code == (401)
        assert await refused(b.ws_url, room.id, vera.token) == 401
        state = watching_b.state
        assert state is not None and vera.id not in [p["id"] for p in state["participants"]]
        assert state["cards"][0]["author"]["name"] == "a former participant"
    print(
        "\nremoved participant's sockets closed, counted from sending the DELETE, after "
        + ", ".join(f"{took[n] * 1000:.0f} ms on worker {n}" for n in sorted(took))
    )
    await close_all([watching_b])


async def test_a_deactivated_accounts_seat_is_cut_off_on_every_worker(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        fay = await make_account(via_a, "Fay")
        room = await create_room(via_a, owner=fay)
        seat = room.facilitator
        on = {"a": Screen(room.id, seat), "b": Screen(room.id, seat)}
        await on["a"].connect(a.ws_url)
        await on["b"].connect(b.ws_url)
        for via in (via_a, via_b):  # each worker remembers the seat's token
            assert (await via.get(f"{API}/workshops/{room.id}", headers=seat.headers)).is_success

        account = f"{API}/accounts/{fay.id}"
        off = await via_a.patch(account, json={"active": False}, headers=admin())
        assert off.status_code == 200, off.text
        for screen in on.values():
            await closed_within(screen, CONTRACT_S)
            assert screen.close_codes[-1] == WITHDRAWN
        for via in (via_a, via_b):
            got = await via.get(f"{API}/workshops/{room.id}", headers=seat.headers)
            assert got.status_code == 403 and got.json()["code"] == "account_inactive", got.text
        assert await refused(b.ws_url, room.id, seat.token) == 403

        assert (await via_b.patch(account, json={"active": True}, headers=admin())).is_success
        again = Screen(room.id, seat)
        await again.connect(a.ws_url)  # admitted from the database: the account is back
        assert again.connected
        await close_all([again])


async def test_a_deleted_workshop_closes_its_sockets_on_every_worker(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, host, vera) = await people(via_a, host=1, visitor=1)
        screens = [Screen(room.id, p) for p in (fac, host, vera)]
        for screen, worker in zip(screens, (a, b, b), strict=True):
            await screen.connect(worker.ws_url)
        assert (await via_b.get(f"{API}/workshops/{room.id}", headers=host.headers)).is_success
        assert (await delete_workshop_as_owner(via_b, room)).status_code == 204
        for screen in screens:
            await closed_within(screen, CONTRACT_S)
            assert screen.close_codes[-1] == WITHDRAWN, screen.person.name
        for via in (via_a, via_b):
            for who in (fac, host, vera):
                got = await via.get(f"{API}/workshops/{room.id}", headers=who.headers)
                assert got.status_code == 404, (who.name, got.text)
            # Its live address too, as every route of a deleted workshop (API.md).
            described = await via.get(f"{API}/workshops/{room.id}/events", headers=fac.headers)
            assert described.status_code == 404, described.text
        assert await refused(a.ws_url, room.id, fac.token) == 404
        assert await refused(b.ws_url, room.id, "no-such-token") == 404
        assert await refused(b.ws_url, room.id, ADMIN_TOKEN) == 404  # an account's, too


async def test_a_worker_that_cannot_hear_the_broker_trusts_no_remembered_token(
    server_factory, pg: PostgresSchema, own_redis: RedisProcess
) -> None:  # type: ignore[no-untyped-def]
    a, b = await start_servers(server_factory, 2, pg.url, redis_url=own_redis.url)
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, vera) = await people(via_a, visitor=1)
        on_b = Screen(room.id, vera)
        await on_b.connect(b.ws_url)
        assert (await via_b.get(f"{API}/workshops/{room.id}", headers=vera.headers)).is_success

        own_redis.stop()  # no withdrawal can travel now
        await asyncio.sleep(1.0)  # both workers notice that the broker has gone
        removed = await via_a.delete(
            f"{API}/workshops/{room.id}/participants/{vera.id}", headers=fac.headers
        )
        assert removed.status_code == 204
        # B never heard of it, but a deaf worker asks the database.
        got = await via_b.get(f"{API}/workshops/{room.id}", headers=vera.headers)
        assert got.status_code == 401, got.text
        assert on_b.connected  # nothing could tell B's socket yet

        own_redis.start()
        # Back on the broker, B rechecks who may stay connected (or hears A's retried notice).
        await on_b.wait_until(lambda s: not s.connected, timeout=20)
        assert on_b.close_codes[-1] == WITHDRAWN
