"""The phase timer travels as a deadline: `ends_at` while running, `remaining_s` while paused."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.api.helpers import assert_error, seq_of, timer
from tests.conftest import Clock
from tests.factories import create_room, join, move, state


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"status", "ends_at", "remaining_s", "server_now"} <= set(body)
    return body


async def test_start_pause_resume_extend_reset(client: httpx.AsyncClient, clock: Clock) -> None:
    room = await create_room(client)
    fac = room.facilitator
    welcome = next(
        i["planned_s"]
        for i in (await state(client, room, fac))["agenda"]
        if i["phase"] == "welcome"
    )

    started = await ok(await timer(client, room, fac, "start"))
    assert started["status"] == "running" and started["remaining_s"] is None
    assert at(started["ends_at"]) == clock() + timedelta(seconds=welcome)
    assert at(started["server_now"]) == clock()

    started = await ok(await timer(client, room, fac, "start", 90))
    assert at(started["ends_at"]) == clock() + timedelta(seconds=90)
    assert (await state(client, room, fac))["timer"]["ends_at"] == started["ends_at"]

    clock.advance(30)
    paused = await ok(await timer(client, room, fac, "pause"))
    assert paused["status"] == "paused"
    assert paused["ends_at"] is None and paused["remaining_s"] == 60
    assert at(paused["server_now"]) == clock()

    clock.advance(1000)  # a paused timer does not run down
    read = (await state(client, room, fac))["timer"]
    assert (read["status"], read["remaining_s"], read["ends_at"]) == ("paused", 60, None)
    assert at(read["server_now"]) == clock()

    resumed = await ok(await timer(client, room, fac, "resume"))
    assert resumed["status"] == "running" and resumed["remaining_s"] is None
    assert at(resumed["ends_at"]) == clock() + timedelta(seconds=60)

    extended = await ok(await timer(client, room, fac, "extend", 30))
    assert at(extended["ends_at"]) == clock() + timedelta(seconds=90)
    extended = await ok(await timer(client, room, fac, "extend"))
    assert at(extended["ends_at"]) > clock() + timedelta(seconds=90)

    reset = await ok(await timer(client, room, fac, "reset"))
    assert reset["status"] != "running" and reset["ends_at"] is None
    assert reset["remaining_s"] == welcome
    reset = await ok(await timer(client, room, fac, "reset", 120))
    assert reset["remaining_s"] == 120 and reset["ends_at"] is None


async def test_extend_adds_to_what_is_left(client: httpx.AsyncClient, clock: Clock) -> None:
    room = await create_room(client)
    await ok(await timer(client, room, room.facilitator, "start", 100))
    clock.advance(40)
    await ok(await timer(client, room, room.facilitator, "pause"))
    extended = await ok(await timer(client, room, room.facilitator, "extend", 15))
    assert extended["status"] == "paused"
    assert extended["remaining_s"] == 75 and extended["ends_at"] is None
    # A timer that ran out is extended from now: "+1 min" means one more minute.
    await ok(await timer(client, room, room.facilitator, "start", 10))
    clock.advance(100)
    extended = await ok(await timer(client, room, room.facilitator, "extend", 60))
    assert at(extended["ends_at"]) == clock() + timedelta(seconds=60)


async def test_entering_a_phase_starts_its_timer(client: httpx.AsyncClient, clock: Clock) -> None:
    room = await create_room(client)
    moved = await move(client, room, "analysis")
    planned = next(i["planned_s"] for i in moved["agenda"] if i["phase"] == "analysis")
    assert moved["timer"]["status"] == "running"
    assert at(moved["timer"]["ends_at"]) == clock() + timedelta(seconds=planned)
    clock.advance(17)
    restarted = await ok(await timer(client, room, room.facilitator, "start"))
    assert at(restarted["ends_at"]) == clock() + timedelta(seconds=planned)


BAD_COMMANDS = [
    {"action": "stop"},
    {"action": "START"},
    {"action": ""},
    {},
    {"action": "start", "seconds": 0},
    {"action": "start", "seconds": -5},
    {"action": "extend", "seconds": "ten"},
    {"action": "extend", "seconds": 10**9},
    {"action": "start", "minutes": 3},
]

MISFITS = [
    ([], "pause"),  # a new workshop's timer is stopped
    ([], "resume"),
    (["start"], "resume"),
    (["start", "pause"], "pause"),
    (["start", "reset"], "pause"),
]


async def test_refused_timer_commands_change_nothing(client: httpx.AsyncClient) -> None:
    for setup, action in MISFITS:
        room = await create_room(client)
        for step in setup:
            await ok(await timer(client, room, room.facilitator, step))
        before = await state(client, room, room.facilitator)
        assert_error(await timer(client, room, room.facilitator, action), 409)
        after = await state(client, room, room.facilitator)
        assert after["timer"] == before["timer"] and after["seq"] == before["seq"]
    # Unknown actions and bad seconds are 422; only the facilitator runs the timer.
    seq = await seq_of(client, room)
    for body in BAD_COMMANDS:
        response = await client.post(
            f"/api/v1/workshops/{room.id}/timer", json=body, headers=room.facilitator.headers
        )
        assert_error(response, 422)
    for role in ("host", "visitor", "projector"):
        who = await join(client, room, role, role.title())
        seq += 1
        assert_error(await timer(client, room, who, "start"), 403)
    assert await seq_of(client, room) == seq
