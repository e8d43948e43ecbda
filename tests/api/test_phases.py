"""Moving through the phases: who may, where to, and what entering a phase does."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta

import httpx

from tests.api.helpers import assert_error, event_types, mute_of, seq_of, set_mute, timer, url
from tests.conftest import Clock
from tests.factories import API, create_room, join, move, state

PHASES = [
    "welcome",
    "context",
    "questions",
    "analysis",
    "feedback",
    "commitment",
    "reflection",
    "closed",
]
MUTED = {"questions", "analysis"}


def planned(board: dict, phase: str) -> int:
    return next(item["planned_s"] for item in board["agenda"] if item["phase"] == phase)


def check_entered(board: dict, phase: str, now: datetime) -> None:
    """The state right after entering `phase` at `now`."""
    assert board["phase"] == phase
    assert mute_of(board["mute"]) == {"host_team_muted": phase in MUTED, "speakers": []}
    clock = board["timer"]
    assert clock.get("phase", phase) == phase
    length = planned(board, phase)
    if phase == "closed" or length == 0:
        assert clock["status"] != "running"
        return
    assert clock["status"] == "running"
    assert clock["duration_s"] == length
    assert datetime.fromisoformat(clock["ends_at"]) == now + timedelta(seconds=length)


async def test_only_the_facilitator_moves_the_phase(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    visitor = await join(client, room, "visitor", "Vic")
    seq = await seq_of(client, room)
    for who in (host, visitor):
        for to in ("next", "analysis"):
            response = await client.post(url(room, "/phase"), json={"to": to}, headers=who.headers)
            assert_error(response, 403)
    assert await seq_of(client, room) == seq
    assert (await state(client, room, host))["phase"] == "welcome"


async def test_next_walks_every_phase_in_order(client: httpx.AsyncClient, clock: Clock) -> None:
    room = await create_room(client)
    board = await state(client, room, room.facilitator)
    assert board["phase"] == "welcome"
    for phase in PHASES[1:]:
        clock.advance(90)
        before = await seq_of(client, room)
        moved = await move(client, room, "next")
        check_entered(moved, phase, clock())
        read = await state(client, room, room.facilitator)
        check_entered(read, phase, clock())
        assert moved["seq"] == read["seq"] > before
        # The time spent in the phase just left is booked.
        booked = {item["phase"]: item for item in moved["agenda"]}
        left = PHASES[PHASES.index(phase) - 1]
        if left != "welcome":  # the opening phase is not entered by a move
            assert (booked[left]["actual_s"], booked[left]["entered_at"]) == (90, None)
        if phase != "closed":
            assert datetime.fromisoformat(booked[phase]["entered_at"]) == clock()
    at_end = await client.post(
        url(room, "/phase"), json={"to": "next"}, headers=room.facilitator.headers
    )
    assert_error(at_end, 409, "invalid_phase_move")
    assert (await state(client, room, room.facilitator))["phase"] == "closed"


async def test_previous_steps_back_and_jumps_go_anywhere(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(client)
    at_start = await client.post(
        url(room, "/phase"), json={"to": "previous"}, headers=room.facilitator.headers
    )
    assert_error(at_start, 409, "invalid_phase_move")
    await move(client, room, "feedback")
    clock.advance(30)
    check_entered(await move(client, room, "previous"), "analysis", clock())
    check_entered(await move(client, room, "previous"), "questions", clock())
    check_entered(await move(client, room, "previous"), "context", clock())
    # Or jump to any phase, forwards or back.
    for phase in ("analysis", "welcome", "closed", "questions", "reflection"):
        clock.advance(10)
        check_entered(await move(client, room, phase), phase, clock())


INVALID_MOVES = [
    ("welcome", 409, "invalid_phase_move"),  # already there
    ("lunch", 422, None),
    ("NEXT", 422, None),
    ("", 422, None),
    (3, 422, None),
    (None, 422, None),
]


async def test_invalid_moves_are_refused_and_change_nothing(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    before = await state(client, room, room.facilitator)
    for to, status, code in INVALID_MOVES:
        response = await client.post(
            url(room, "/phase"), json={"to": to}, headers=room.facilitator.headers
        )
        assert_error(response, status, code)
    after = await state(client, room, room.facilitator)
    assert (after["phase"], after["seq"], after["timer"]) == (
        before["phase"],
        before["seq"],
        before["timer"],
    )
    assert_error(
        await client.post(url(room, "/phase"), json={}, headers=room.facilitator.headers), 422
    )


async def test_entering_questions_adds_phase_changed_then_mute_changed_and_leaving_lifts_it(
    client: httpx.AsyncClient, app: object
) -> None:
    room = await create_room(client)
    await move(client, room, "context")
    before = await seq_of(client, room)
    moved = await move(client, room, "questions")
    events = [(seq, kind) for seq, kind in event_types(app, room.id) if seq > before]
    kinds = [kind for _, kind in events]
    assert kinds[:2] == ["phase.changed", "mute.changed"], kinds
    # Numbered one by one from the head, and the reply's seq is the new head.
    assert [seq for seq, _ in events] == list(range(before + 1, before + 1 + len(events)))
    assert moved["seq"] == before + len(events) == await seq_of(client, room)
    assert moved["mute"]["host_team_muted"] is True
    # Leaving the muted phases lifts the mute, with an event too.
    await move(client, room, "analysis")
    before = await seq_of(client, room)
    moved = await move(client, room, "feedback")
    kinds = [kind for seq, kind in event_types(app, room.id) if seq > before]
    assert kinds[0] == "phase.changed" and "mute.changed" in kinds, kinds
    assert mute_of(moved["mute"]) == {"host_team_muted": False, "speakers": []}
    # The facilitator can override the phase's mute, until the next phase sets its own.
    assert (await set_mute(client, room, room.facilitator, True)).status_code == 200
    assert (await state(client, room, room.facilitator))["mute"]["host_team_muted"] is True
    assert (await move(client, room, "commitment"))["mute"]["host_team_muted"] is False
    await move(client, room, "questions")
    assert (await set_mute(client, room, room.facilitator, False)).status_code == 200
    assert (await state(client, room, room.facilitator))["mute"]["host_team_muted"] is False


async def test_a_phase_change_never_leaves_the_old_timer_running(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(client)
    await move(client, room, "context")
    assert (await timer(client, room, room.facilitator, "pause")).status_code == 200
    clock.advance(200)
    moved = await move(client, room, "feedback")
    check_entered(moved, "feedback", clock())
    assert (await timer(client, room, room.facilitator, "start", 42)).status_code == 200
    clock.advance(5)
    moved = await move(client, room, "commitment")
    check_entered(moved, "commitment", clock())
    assert moved["timer"]["duration_s"] != 42
    clock.advance(5)
    closed = await move(client, room, "closed")
    assert closed["timer"]["status"] != "running"
    assert closed["timer"]["ends_at"] is None


async def test_the_core_phases_share_the_planned_time_equally(client: httpx.AsyncClient) -> None:
    for minutes in (30, 120, 241):
        room = await create_room(client, duration_minutes=minutes)
        board = await state(client, room, room.facilitator)
        assert [item["phase"] for item in board["agenda"]] == PHASES
        core = [planned(board, p) for p in ("context", "questions", "analysis", "feedback")]
        assert max(core) - min(core) <= 60, core
        assert sum(item["planned_s"] for item in board["agenda"]) == minutes * 60
        for short in ("welcome", "commitment", "reflection"):
            assert 0 < planned(board, short) < sum(core)
        assert board["timer"]["status"] == "stopped"


async def test_a_replanned_phase_starts_at_its_new_length(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(client)
    response = await client.put(
        url(room, "/agenda"), json={"planned_s": {"context": 777}}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text
    moved = await move(client, room, "context")
    assert planned(moved, "context") == 777
    check_entered(moved, "context", clock())


async def test_replanning_the_welcome_before_it_starts_resets_its_timer(
    client: httpx.AsyncClient,
) -> None:
    # Every screen counts down the stopped timer: it must show the slot just planned.
    room = await create_room(client)
    response = await client.put(
        url(room, "/agenda"), json={"planned_s": {"welcome": 420}}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text
    board = await state(client, room, room.facilitator)
    assert planned(board, "welcome") == 420
    assert board["timer"]["status"] == "stopped"
    assert (board["timer"]["duration_s"], board["timer"]["remaining_s"]) == (420, 420)


CONTRACT_TYPES = {
    "phase.changed",
    "timer.changed",
    "mute.changed",
    "card.added",
    "card.updated",
    "vote.changed",
    "action.added",
    "action.updated",
    "commitment.set",
    "participant.joined",
}


async def test_each_write_adds_its_events_and_seq_has_no_gaps(
    client: httpx.AsyncClient, app: object
) -> None:
    room = await create_room(client)
    fac = room.facilitator

    async def write(expect: str | None, request: Awaitable[httpx.Response]) -> None:
        before = head[0]
        response = await request
        after = head[0] = await seq_of(client, room)
        new = [kind for seq, kind in event_types(app, room.id) if seq > before]
        if expect is None:
            assert response.status_code >= 400 and new == [] and after == before
        else:
            assert response.status_code < 300, response.text
            assert expect in new and after == before + len(new), (expect, new)

    host = await join(client, room, "host", "Hana")
    visitor = await join(client, room, "visitor", "Vic")
    head = [await seq_of(client, room)]
    await write(
        "phase.changed",
        client.post(url(room, "/phase"), json={"to": "analysis"}, headers=fac.headers),
    )
    await write("timer.changed", timer(client, room, fac, "pause"))
    await write(None, timer(client, room, fac, "pause"))
    await write("mute.changed", set_mute(client, room, fac, False))
    await write(
        "card.added",
        client.post(
            url(room, "/cards"), json={"kind": "insight", "text": "Beds"}, headers=visitor.headers
        ),
    )
    cid = (await state(client, room, fac))["cards"][0]["id"]
    await write(
        None,
        client.post(
            url(room, "/cards"), json={"kind": "strength", "text": "x"}, headers=visitor.headers
        ),
    )
    await write(
        "card.updated",
        client.patch(url(room, f"/cards/{cid}"), json={"theme": "T"}, headers=fac.headers),
    )
    await write(
        "vote.changed", client.post(url(room, f"/cards/{cid}/vote"), headers=visitor.headers)
    )
    await write(None, client.post(url(room, f"/cards/{cid}/vote"), headers=visitor.headers))
    await write(
        "phase.changed",
        client.post(url(room, "/phase"), json={"to": "commitment"}, headers=fac.headers),
    )
    await write(
        "action.added",
        client.post(url(room, "/actions"), json={"title": "Act"}, headers=host.headers),
    )
    aid = (await state(client, room, fac))["actions"][0]["id"]
    await write(
        "action.updated",
        client.patch(url(room, f"/actions/{aid}"), json={"status": "done"}, headers=host.headers),
    )
    await write(
        "commitment.set",
        client.put(
            url(room, "/commitment"), json={"report_back_by": "2027-03-01"}, headers=host.headers
        ),
    )
    await write(
        None,
        client.put(
            url(room, "/commitment"), json={"report_back_by": "2027-03-01"}, headers=visitor.headers
        ),
    )
    events = event_types(app, room.id)
    assert [seq for seq, _ in events] == list(range(1, len(events) + 1))
    assert [kind for _, kind in events][:2] == ["participant.joined", "participant.joined"]
    assert {kind for _, kind in events} >= CONTRACT_TYPES
    assert (await state(client, room, fac))["seq"] == len(events)


async def test_hands_and_done_are_lowered_when_the_phase_changes(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    walt = await join(client, room, "visitor", "Walt")
    await move(client, room, "context")
    for who, signal in ((vera, "hand"), (walt, "done")):
        answer = await client.put(
            f"{API}/workshops/{room.id}/signal", json={"signal": signal}, headers=who.headers
        )
        assert answer.status_code == 200, answer.text
    state = await move(client, room, "questions")
    signals = {p["name"]: p["signal"] for p in state["participants"]}
    assert signals["Vera"] == "none" and signals["Walt"] == "none"


async def test_done_writing_is_refused_where_there_is_nothing_to_write(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    hana = await join(client, room, "host", "Hana")
    done = {"signal": "done"}
    answer = await client.put(f"{API}/workshops/{room.id}/signal", json=done, headers=vera.headers)
    assert_error(answer, 409, "not_allowed_in_phase")
    await move(client, room, "questions")
    answer = await client.put(f"{API}/workshops/{room.id}/signal", json=done, headers=hana.headers)
    assert_error(answer, 409, "not_allowed_in_phase")
    hand = {"signal": "hand"}
    answer = await client.put(f"{API}/workshops/{room.id}/signal", json=hand, headers=hana.headers)
    assert answer.status_code == 200, answer.text
    answer = await client.put(f"{API}/workshops/{room.id}/signal", json=done, headers=vera.headers)
    assert answer.status_code == 200, answer.text
    signals = {p["name"]: p["signal"] for p in (await state(client, room, vera))["participants"]}
    assert (signals["Vera"], signals["Hana"]) == ("done", "hand")
