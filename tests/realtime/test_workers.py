"""Two real worker processes sharing PostgreSQL and Redis: every screen on either worker sees
every event once and in order, seq stays gap-free under concurrent writers, repeated POSTs
create one thing, and timers are one deadline everywhere."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime

import httpx
import pytest
import sqlalchemy as sa

from tests.factories import move
from tests.realtime.conftest import Cluster
from tests.realtime.harness import Screen, close_all, fresh_state, http_client, people, post
from tests.statefold import comparable

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def stored_seqs(cluster: Cluster, workshop_id: str) -> list[int]:
    engine = cluster.engine()
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT seq FROM event WHERE workshop_id = :w ORDER BY seq"),
                {"w": workshop_id},
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


async def check_screens(http: httpx.AsyncClient, screens: list[Screen]) -> int:
    """Every screen reached the head with each event once, in order, and folds to a fresh GET."""
    head = (await fresh_state(http, screens[0].workshop_id, screens[0].person))["seq"]
    for screen in screens:
        await screen.wait_for_seq(head)
        assert screen.problems == []
        assert screen.seqs == list(range(screen.snapshots[0] + 1, head + 1))
        fresh = await fresh_state(http, screen.workshop_id, screen.person)
        assert comparable(screen.state) == comparable(fresh), screen.person.name  # type: ignore[arg-type]
    return head


async def test_a_card_posted_on_one_worker_reaches_the_other_in_order(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, host, v1, v2) = await people(via_a, host=1, visitor=2)
        await move(via_a, room, "context")
        screens = [Screen(room.id, p) for p in (fac, host, v1, v2)]
        for screen, worker in zip(screens, (a, b, a, b), strict=True):
            await screen.connect(worker.ws_url)
        for i in range(12):
            via, who = ((via_a, v1), (via_b, v2), (via_b, fac))[i % 3]
            kind = "question" if who is not fac else "context"
            response = await post(
                via, f"/workshops/{room.id}/cards", who, {"kind": kind, "text": f"card {i}"}
            )
            assert response.status_code == 201, response.text
        head = await check_screens(via_b, screens)
        assert stored_seqs(cluster, room.id) == list(range(1, head + 1))
        await close_all(screens)


async def test_concurrent_writers_on_two_workers_keep_seq_gap_free(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 60) as via_a, http_client(b.base_url, 60) as via_b:
        room, (fac, *visitors) = await people(via_a, visitor=4)
        await move(via_a, room, "context")
        screens = [Screen(room.id, fac), Screen(room.id, visitors[0])]
        await screens[0].connect(a.ws_url)
        await screens[1].connect(b.ws_url)
        writers = [fac, *visitors]

        async def write(i: int) -> httpx.Response:
            who = writers[i % len(writers)]
            via = (via_a, via_b)[i % 2]
            kind = "context" if who is fac else "question"
            return await post(
                via,
                f"/workshops/{room.id}/cards",
                who,
                {"kind": kind, "text": f"at the same moment {i}"},
            )

        responses = await asyncio.gather(*(write(i) for i in range(60)))
        assert [r.status_code for r in responses] == [201] * 60
        head = await check_screens(via_a, screens)
        seqs = stored_seqs(cluster, room.id)
        assert seqs == list(range(1, head + 1)), "seq must be unique and without gaps"
        card_ids = {r.json()["id"] for r in responses}
        assert len(card_ids) == 60
        assert len(set(screens[1].seqs)) == len(screens[1].seqs)
        await close_all(screens)


async def test_the_same_post_repeated_creates_one_card(cluster: Cluster) -> None:
    rng = random.Random(4)
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a:
        room, (fac, visitor) = await people(via_a, visitor=1)
        await move(via_a, room, "context")
    screen = Screen(room.id, fac)
    await screen.connect(b.ws_url)
    keys = [f"retry-{i}" for i in range(6)]
    answers: dict[str, list[tuple[int, int]]] = {key: [] for key in keys}

    async def send(key: str, worker_url: str) -> None:
        # A fresh client each time: the retry after a dropped connection, maybe elsewhere.
        async with http_client(worker_url, 30) as http:
            response = await post(
                http,
                f"/workshops/{room.id}/cards",
                visitor,
                {"kind": "question", "text": f"asked once: {key}"},
                **{"Idempotency-Key": key},
            )
            answers[key].append((response.status_code, response.json()["id"]))

    for key in keys:
        times = rng.randint(2, 10)
        urls = [rng.choice((a.base_url, b.base_url)) for _ in range(times)]
        together = rng.random() < 0.5  # all at once, or one after another
        if together:
            await asyncio.gather(*(send(key, url) for url in urls))
        else:
            for url in urls:
                await send(key, url)
                if rng.random() < 0.5:  # the client's own connection drops and comes back
                    await screen.drop(abrupt=True)
                    await screen.resume(rng.choice((a.ws_url, b.ws_url)))
    async with http_client(b.base_url, 30) as via_b:
        await check_screens(via_b, [screen])
        cards = (await fresh_state(via_b, room.id, fac))["cards"]
    for key, got in answers.items():
        assert len({card_id for _, card_id in got}) == 1, (key, got)
        assert {status for status, _ in got} == {201}, (key, got)
    assert len(cards) == len(keys)
    assert screen.kinds.count("card.added") == len(keys)
    await screen.drop()


async def test_a_timer_is_one_deadline_on_every_worker(cluster: Cluster) -> None:
    a, b = cluster.workers
    async with http_client(a.base_url, 30) as via_a, http_client(b.base_url, 30) as via_b:
        room, (fac, visitor, projector) = await people(via_a, visitor=1, projector=1)
        screens = [Screen(room.id, p) for p in (fac, visitor, projector)]
        for screen, worker in zip(screens, (a, b, b), strict=True):
            await screen.connect(worker.ws_url)
        response = await post(
            via_a, f"/workshops/{room.id}/timer", fac, {"action": "start", "seconds": 1}
        )
        assert response.status_code == 200, response.text
        head = await check_screens(via_b, screens)
        ends_at = {s.state["timer"]["ends_at"] for s in screens}  # type: ignore[index]
        assert len(ends_at) == 1 and None not in ends_at
        await asyncio.sleep(2.0)  # past the deadline: time's up on every screen at once
        for via in (via_a, via_b):
            timer = (await fresh_state(via, room.id, visitor))["timer"]
            assert timer["ends_at"] in ends_at
            assert datetime.fromisoformat(timer["server_now"]) > datetime.fromisoformat(
                timer["ends_at"]
            )
        # No worker ticks: nothing was sent while the time ran out.
        assert all(s.head == head for s in screens)
        late = Screen(room.id, projector)
        await late.connect(a.ws_url)
        await late.wait_for_seq(head)
        assert late.state["timer"]["ends_at"] in ends_at  # type: ignore[index]
        await close_all([*screens, late])
