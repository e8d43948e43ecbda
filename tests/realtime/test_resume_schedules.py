"""Zulip's verify_action for resume, over many seeded random schedules.

Each schedule is a meeting on a timeline of 30 logical seconds: writes arrive about every 3 s, and
each screen drops out now and then for a duration drawn log-uniformly from 0.1 to 30 s, cleanly
or by cutting its TCP connection, and comes back with `since`, on the same worker or the other
one, sometimes twice in a row. Logical time runs 200 times faster than the wall clock, so the
order of writes, drops and reconnects is exactly the schedule's while the whole run stays short.
At the end every screen must hold each event after its snapshot once, in order, up to the head,
and its folded state must equal a fresh GET.

Reproduce one schedule with RESUME_SEEDS=<seed> (or a range, RESUME_SEEDS=0-99).
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import time
from dataclasses import dataclass, field

import httpx
import psutil
import pytest
import sqlalchemy as sa

from tests.factories import Person, Room, move
from tests.realtime.conftest import Cluster
from tests.realtime.harness import Screen, fresh_state, http_client, people, post
from tests.statefold import comparable

pytestmark = [pytest.mark.slow, pytest.mark.scale, pytest.mark.postgres, pytest.mark.redis]

LOGICAL_S = 30.0
WRITE_EVERY_S = 3.0
SPEEDUP = 200.0
DROP_MIN_S, DROP_MAX_S = 0.1, 30.0
AT_ONCE = 12
# Each costs about 0.4 CPU seconds across the test and both workers (printed at the end).
SCHEDULES = 1000
PHASES = ["welcome", "context", "questions", "analysis", "feedback", "commitment", "reflection"]
VISITOR_KINDS = {
    "context": ["question"],
    "questions": ["surprise", "gap", "need", "question"],
    "analysis": ["insight", "option", "need"],
    "feedback": ["strength", "insight", "option", "worked_elsewhere"],
    "reflection": ["takeaway"],
}


def seeds() -> list[int]:
    spec = os.environ.get("RESUME_SEEDS", f"0-{SCHEDULES - 1}")
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


@dataclass(order=True)
class Step:
    at: float
    kind: str = field(compare=False)  # "write", "drop" or "back"
    screen: int = field(default=-1, compare=False)
    abrupt: bool = field(default=False, compare=False)
    switch: bool = field(default=False, compare=False)
    twice: bool = field(default=False, compare=False)
    away: float = field(default=0.0, compare=False)


def plan(rng: random.Random, screens: int) -> list[Step]:
    steps = []
    t = rng.expovariate(1 / WRITE_EVERY_S)
    while t < LOGICAL_S:
        steps.append(Step(t, "write"))
        t += rng.expovariate(1 / WRITE_EVERY_S)
    for i in range(screens):
        t = rng.uniform(0, LOGICAL_S / 2)
        while t < LOGICAL_S:
            away = math.exp(rng.uniform(math.log(DROP_MIN_S), math.log(DROP_MAX_S)))
            steps.append(Step(t, "drop", i, abrupt=rng.random() < 0.5))
            steps.append(
                Step(
                    t + away,
                    "back",
                    i,
                    switch=rng.random() < 0.5,
                    twice=rng.random() < 0.2,
                    away=away,
                )
            )
            t += away + rng.uniform(1, LOGICAL_S / 2)
    return sorted(steps)


@dataclass
class Meeting:
    """The schedule's own picture of the meeting, enough to choose writes that mostly succeed."""

    room: Room
    fac: Person
    host: Person
    visitors: list[Person]
    phase: int = 1
    cards: list[int] = field(default_factory=list)

    def write(self, rng: random.Random) -> tuple[str, str, Person, dict | None]:
        """(method, path, who, body) for a random write."""
        w = f"/workshops/{self.room.id}"
        phase = PHASES[self.phase]
        roll = rng.random()
        if roll < 0.10 and self.phase < len(PHASES) - 1:
            return "POST", f"{w}/phase", self.fac, {"to": "next"}
        if roll < 0.25:
            action = rng.choice(["start", "pause", "resume", "extend"])
            return "POST", f"{w}/timer", self.fac, {"action": action, "seconds": 60}
        if roll < 0.30:
            speakers = [self.host.id] if rng.random() < 0.5 else []
            return (
                "PUT",
                f"{w}/mute",
                self.fac,
                {"host_team_muted": rng.random() < 0.5, "speakers": speakers},
            )
        if roll < 0.40 and self.cards:
            body = (
                {"hidden": rng.random() < 0.5}
                if rng.random() < 0.5
                else {"theme": rng.choice(["Timing", "Staff", None])}
            )
            return "PATCH", f"{w}/cards/{rng.choice(self.cards)}", self.fac, body
        if roll < 0.55 and self.cards and phase in ("analysis", "feedback"):
            voter = rng.choice(self.visitors)
            method = "POST" if rng.random() < 0.7 else "DELETE"
            return method, f"{w}/cards/{rng.choice(self.cards)}/vote", voter, None
        if roll < 0.80 and phase in VISITOR_KINDS:
            kind = rng.choice(VISITOR_KINDS[phase])
            body = {
                "kind": kind,
                "text": f"{kind} {rng.random():.6f}",
                "anonymous": rng.random() < 0.3,
            }
            return "POST", f"{w}/cards", rng.choice(self.visitors), body
        if roll < 0.88:
            return "POST", f"{w}/cards", self.host, {"kind": "context", "text": "from the host"}
        return (
            "POST",
            f"{w}/cards",
            self.fac,
            {"kind": rng.choice(["context", "insight"]), "text": f"facilitator {rng.random():.6f}"},
        )

    def saw(self, path: str, response: httpx.Response) -> None:
        if response.status_code == 201 and path.endswith("/cards"):
            self.cards.append(response.json()["id"])
        elif response.status_code == 200 and path.endswith("/phase"):
            self.phase = PHASES.index(response.json()["phase"])


@dataclass
class Tally:
    schedules: int = 0
    writes: int = 0
    reconnects: int = 0
    switched: int = 0
    drops: list[float] = field(default_factory=list)
    catch_up_s: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def run_schedule(
    seed: int, cluster: Cluster, clients: list[httpx.AsyncClient], head_of: sa.Engine, tally: Tally
) -> None:
    rng = random.Random(seed)
    room, (fac, host, v1, v2) = await people(clients[0], host=1, visitor=2)
    meeting = Meeting(room, fac, host, [v1, v2])
    await move(clients[1], room, "context")
    screens = [Screen(room.id, p) for p in (fac, host, v1)]
    where = [rng.randrange(2) for _ in screens]
    for screen, w in zip(screens, where, strict=True):
        await screen.connect(cluster.workers[w].ws_url)
    waits: list[asyncio.Task] = []
    now = 0.0
    for step in plan(rng, len(screens)):
        await asyncio.sleep((step.at - now) / SPEEDUP)
        now = step.at
        if step.kind == "write":
            method, path, who, body = meeting.write(rng)
            response = await post(rng.choice(clients), path, who, body, method=method)
            assert response.status_code < 500, response.text
            meeting.saw(path, response)
            tally.writes += 1
            continue
        screen = screens[step.screen]
        if step.kind == "drop":
            await screen.drop(abrupt=step.abrupt)
            continue
        tally.drops.append(step.away)
        where[step.screen] ^= int(step.switch)
        tally.switched += int(step.switch)
        for _ in range(2 if step.twice else 1):
            if screen.connected:
                await screen.drop(abrupt=rng.random() < 0.5)
            started = time.monotonic()
            head = await asyncio.to_thread(current_head, head_of, room.id)
            await screen.resume(cluster.workers[where[step.screen]].ws_url)
            tally.reconnects += 1
            waits.append(asyncio.ensure_future(time_to(screen, head, started, tally)))
    for screen, w in zip(screens, where, strict=True):
        if not screen.connected:
            await screen.resume(cluster.workers[w].ws_url)
    await asyncio.gather(*waits)
    try:
        await verify(seed, clients[0], screens)
    finally:
        for screen in screens:
            await screen.drop()
    tally.schedules += 1


def current_head(engine: sa.Engine, workshop_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT last_seq FROM workshop WHERE id = :w"), {"w": workshop_id}
        ).scalar_one()


async def time_to(screen: Screen, head: int, started: float, tally: Tally) -> None:
    await screen.wait_for_seq(head, timeout=60)
    tally.catch_up_s.append(time.monotonic() - started)


async def verify(seed: int, http: httpx.AsyncClient, screens: list[Screen]) -> None:
    head = (await fresh_state(http, screens[0].workshop_id, screens[0].person))["seq"]
    for screen in screens:
        who = f"seed {seed}, {screen.person.name}"
        await screen.wait_for_seq(head, timeout=60)
        assert screen.problems == [], who
        assert len(screen.snapshots) == 1, f"{who}: a resume fell back to a snapshot"
        assert screen.seqs == list(range(screen.snapshots[0] + 1, head + 1)), who
        fresh = comparable(await fresh_state(http, screen.workshop_id, screen.person))
        folded = comparable(screen.state)  # type: ignore[arg-type]
        differ = {
            k: (folded.get(k), fresh.get(k))
            for k in folded.keys() | fresh.keys()
            if folded.get(k) != fresh.get(k)
        }
        assert not differ, f"{who}: folded vs fresh differ in {differ}"


async def test_resume_over_random_schedules(cluster: Cluster) -> None:
    tally = Tally()
    gate = asyncio.Semaphore(AT_ONCE)
    engine = cluster.engine()
    clients = [http_client(w.base_url, 60) for w in cluster.workers]

    async def one(seed: int) -> None:
        async with gate:
            try:
                await run_schedule(seed, cluster, clients, engine, tally)
            except Exception as exc:  # keep going: report every failing seed at once
                tally.failures.append(f"seed {seed}: {type(exc).__name__}: {exc}")

    # CPU seconds say what the schedules cost whatever else the machine is doing.
    processes = [psutil.Process()] + [psutil.Process(w.process.pid) for w in cluster.workers]
    cpu_before = [sum(p.cpu_times()[:2]) for p in processes]
    started = time.monotonic()
    try:
        await asyncio.gather(*(one(seed) for seed in seeds()))
    finally:
        for client in clients:
            await client.aclose()
        engine.dispose()
    cpu = [sum(p.cpu_times()[:2]) - b for p, b in zip(processes, cpu_before, strict=True)]
    worst = max(tally.catch_up_s, default=0.0)
    print(
        f"\nresume: {tally.schedules} schedules, {tally.writes} writes, "
        f"{tally.reconnects} reconnects ({tally.switched} to the other worker) after "
        f"{len(tally.drops)} drops of {min(tally.drops, default=0):.2f} to "
        f"{max(tally.drops, default=0):.2f} logical s, "
        f"worst reconnect-to-caught-up {worst:.3f} s, "
        f"median {sorted(tally.catch_up_s)[len(tally.catch_up_s) // 2]:.3f} s, "
        f"in {time.monotonic() - started:.1f} s; CPU: tests {cpu[0]:.1f} s, "
        f"workers {' + '.join(f'{c:.1f}' for c in cpu[1:])} s"
    )
    assert tally.failures == []
    assert tally.schedules == len(seeds())
