"""The meeting's commands: phase changes, the timer, mute and the agenda, with their events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import meeting as m
from app.domain.errors import Invalid, InvalidMove, RuleError, TimerConflict
from app.domain.events import AgendaChanged, Event, TimerChanged
from app.domain.phases import MUTED_PHASES, ORDER, Phase, default_agenda, planned_s
from app.domain.rules import Mute
from app.domain.timer import MAX_TIMER_S, TimerStatus
from tests.conftest import Clock

HOSTS = {2, 3}


def meeting_in(phase: Phase, clock: Clock, *, mute: Mute | None = None) -> m.Meeting:
    meeting = m.opening(default_agenda(120))
    if phase is not Phase.welcome:
        meeting, _ = m.change_phase(meeting, phase.value, clock())
    if mute is not None:
        meeting, _ = m.set_mute(meeting, mute.host_team_muted, list(mute.speakers), HOSTS)
    return meeting


def types(events: list[Event]) -> list[str]:
    return [event.type for event in events]


def mute_of(event: Event) -> tuple[bool, list[int]]:
    return event.data()["host_team_muted"], event.data()["speakers"]


def test_opening_waits_in_welcome_with_a_stopped_timer() -> None:
    meeting = m.opening(default_agenda(120))
    assert meeting.phase is Phase.welcome
    assert meeting.mute == Mute(False, ())
    assert meeting.timer.status is TimerStatus.stopped
    assert meeting.timer.remaining_s == planned_s(meeting.agenda, Phase.welcome) == 600


@pytest.mark.parametrize("target", sorted(MUTED_PHASES))
def test_entering_a_muted_phase_mutes_then_times(clock: Clock, target: Phase) -> None:
    before = meeting_in(Phase.context, clock)
    after, events = m.change_phase(before, target.value, clock())
    assert types(events) == ["phase.changed", "mute.changed", "timer.changed"]
    assert after.mute == Mute(True, ())
    assert events[0].data()["phase"] == target.value and events[0].data()["previous"] == "context"
    assert events[0].data()["agenda"] == after.agenda_dicts()
    assert mute_of(events[1]) == (True, [])
    assert events[2].data()["phase"] == target.value
    assert events[2].data()["status"] == "running"


@pytest.mark.parametrize(("start", "to"), [(Phase.questions, "next"), (Phase.analysis, "previous")])
def test_entering_a_muted_phase_from_the_other_still_says_the_mute(
    clock: Clock, start: Phase, to: str
) -> None:
    """API.md: entering questions (or analysis) adds phase.changed and then mute.changed,
    whichever phase it came from."""
    before = meeting_in(start, clock)
    after, events = m.change_phase(before, to, clock())
    assert after.phase is not start and after.mute == Mute(True, ())
    assert types(events) == ["phase.changed", "mute.changed", "timer.changed"]
    assert mute_of(events[1]) == (True, [])


@pytest.mark.parametrize("target", [p for p in ORDER if p not in MUTED_PHASES])
def test_entering_any_other_phase_lifts_the_mute(clock: Clock, target: Phase) -> None:
    start = Phase.questions
    before = meeting_in(start, clock)
    assert before.mute.host_team_muted
    after, events = m.change_phase(before, target.value, clock())
    assert after.mute == Mute(False, ())
    assert types(events) == ["phase.changed", "mute.changed", "timer.changed"]
    assert mute_of(events[1]) == (False, [])


@pytest.mark.parametrize("target", ORDER[1:])
def test_speakers_are_cleared_on_every_phase_change(clock: Clock, target: Phase) -> None:
    before = meeting_in(Phase.welcome, clock, mute=Mute(target in MUTED_PHASES, (2,)))
    after, events = m.change_phase(before, target.value, clock())
    assert after.mute.speakers == ()
    assert types(events)[1] == "mute.changed"


@pytest.mark.parametrize("target", [p for p in ORDER if p is not Phase.closed])
def test_entering_a_phase_starts_its_timer_at_the_planned_length(
    clock: Clock, target: Phase
) -> None:
    before = meeting_in(Phase.closed if target is Phase.welcome else Phase.welcome, clock)
    clock.advance(42)
    after, events = m.change_phase(before, target.value, clock())
    length = planned_s(after.agenda, target)
    assert after.timer.status is TimerStatus.running
    assert after.timer.duration_s == length
    assert after.timer.ends_at == clock() + timedelta(seconds=length)
    assert events[-1] == TimerChanged({**after.timer.as_dict(clock()), "phase": target.value})


@pytest.mark.parametrize("timer_state", ["running", "paused", "extended", "stopped"])
def test_closing_stops_the_timer(clock: Clock, timer_state: str) -> None:
    meeting = meeting_in(Phase.reflection, clock)
    if timer_state == "paused":
        meeting, _ = m.command_timer(meeting, "pause", None, clock())
    elif timer_state == "extended":
        meeting, _ = m.command_timer(meeting, "extend", 600, clock())
    elif timer_state == "stopped":
        meeting, _ = m.command_timer(meeting, "reset", None, clock())
    after, events = m.change_phase(meeting, "closed", clock())
    assert after.timer.status is TimerStatus.stopped and after.timer.ends_at is None
    assert after.timer.remaining(clock() + timedelta(hours=1)) == after.timer.remaining(clock())
    assert events[-1].data()["status"] == "stopped"


@pytest.mark.parametrize("to", ["next", "previous", "feedback", "welcome", "closed"])
def test_a_phase_change_never_leaves_the_old_timer_running(clock: Clock, to: str) -> None:
    meeting = meeting_in(Phase.analysis, clock)
    meeting, _ = m.command_timer(meeting, "start", 7777, clock())
    clock.advance(5)
    after, _ = m.change_phase(meeting, to, clock())
    assert after.timer.duration_s == planned_s(after.agenda, after.phase)
    assert after.timer.ends_at != meeting.timer.ends_at
    if after.timer.status is TimerStatus.running:
        assert after.timer.ends_at == clock() + timedelta(seconds=after.timer.duration_s)


def test_change_phase_books_the_time_and_refuses_bad_moves(clock: Clock) -> None:
    meeting = meeting_in(Phase.context, clock)
    clock.advance(300)
    after, _ = m.change_phase(meeting, "next", clock())
    assert after.agenda[ORDER.index(Phase.context)].actual_s == 300
    with pytest.raises(InvalidMove) as caught:
        m.change_phase(after, "questions", clock())
    assert caught.value.code == "invalid_phase_move"
    with pytest.raises(InvalidMove) as caught:
        m.change_phase(after, "lunch", clock())
    assert (caught.value.status, caught.value.code) == (422, "unknown_phase")


@pytest.mark.parametrize("phase", [p for p in ORDER if p is not Phase.closed])
def test_start_without_seconds_uses_the_planned_length(clock: Clock, phase: Phase) -> None:
    meeting = meeting_in(phase, clock)
    clock.advance(30)
    after, events = m.command_timer(meeting, "start", None, clock())
    length = planned_s(meeting.agenda, phase)
    assert after.timer.duration_s == length
    assert after.timer.ends_at == clock() + timedelta(seconds=length)
    timer_event = TimerChanged({**after.timer.as_dict(clock()), "phase": phase.value})
    if phase is Phase.welcome:
        # Welcome has no entry moment, so its first start opens its books.
        assert events == [
            AgendaChanged(after.agenda_dicts(), "welcome"),
            timer_event,
        ]
        assert after.agenda[0].entered_at == clock()
    else:
        assert events == [timer_event]


def test_timer_commands_go_through_the_timer(clock: Clock) -> None:
    meeting = meeting_in(Phase.context, clock)
    meeting, _ = m.command_timer(meeting, "start", 120, clock())
    assert meeting.timer.remaining(clock()) == 120
    clock.advance(20)
    meeting, _ = m.command_timer(meeting, "pause", None, clock())
    assert (meeting.timer.status, meeting.timer.remaining_s) == (TimerStatus.paused, 100)
    meeting, _ = m.command_timer(meeting, "extend", None, clock())
    assert meeting.timer.remaining_s == 160
    meeting, _ = m.command_timer(meeting, "resume", None, clock())
    assert meeting.timer.remaining(clock()) == 160
    meeting, _ = m.command_timer(meeting, "reset", 45, clock())
    assert (meeting.timer.status, meeting.timer.remaining_s) == (TimerStatus.stopped, 45)
    meeting, _ = m.command_timer(meeting, "reset", None, clock())
    assert meeting.timer.remaining_s == planned_s(meeting.agenda, Phase.context)
    assert meeting.phase is Phase.context and meeting.mute == Mute(False, ())


@pytest.mark.parametrize(
    ("action", "seconds", "status", "code"),
    [
        ("stop", None, 422, "unknown_timer_action"),
        ("resume", None, 409, "timer_conflict"),
        ("reset", 0, 422, "invalid_seconds"),
        ("start", MAX_TIMER_S + 1, 422, "invalid_seconds"),
        ("extend", -5, 422, "invalid_seconds"),
    ],
)
def test_bad_timer_commands_are_refused(
    clock: Clock, action: str, seconds: int | None, status: int, code: str
) -> None:
    with pytest.raises(TimerConflict) as caught:
        m.command_timer(meeting_in(Phase.context, clock), action, seconds, clock())
    assert (caught.value.status, caught.value.code) == (status, code)


def test_set_mute_names_speakers_from_the_host_team(clock: Clock) -> None:
    meeting = meeting_in(Phase.context, clock)
    after, events = m.set_mute(meeting, True, [3, 2, 3], HOSTS)
    assert after.mute == Mute(True, (3, 2))
    assert types(events) == ["mute.changed"] and mute_of(events[0]) == (True, [3, 2])
    assert (after.phase, after.timer) == (meeting.phase, meeting.timer)


@pytest.mark.parametrize("speakers", [[4], [2, 99], [1]])
def test_speakers_must_be_hosts(clock: Clock, speakers: list[int]) -> None:
    with pytest.raises(RuleError) as caught:
        m.set_mute(meeting_in(Phase.questions, clock), True, speakers, HOSTS)
    assert (caught.value.status, caught.value.code) == (409, "speaker_not_host")


@pytest.mark.parametrize("phase", [Phase.context, Phase.questions])
def test_set_mute_says_the_mute_even_when_unchanged(clock: Clock, phase: Phase) -> None:
    """API.md: each committed write adds one or more events."""
    meeting = meeting_in(phase, clock)
    after, events = m.set_mute(
        meeting, meeting.mute.host_team_muted, list(meeting.mute.speakers), HOSTS
    )
    assert after == meeting
    assert types(events) == ["mute.changed"]
    assert mute_of(events[0]) == (meeting.mute.host_team_muted, list(meeting.mute.speakers))
    _, events = m.set_mute(meeting, not meeting.mute.host_team_muted, [], HOSTS)
    assert types(events) == ["mute.changed"]


def test_edit_agenda_replans_without_touching_the_timer(clock: Clock) -> None:
    meeting = meeting_in(Phase.context, clock)
    after, events = m.edit_agenda(meeting, {"questions": 900, "feedback": 0}, clock())
    assert planned_s(after.agenda, Phase.questions) == 900
    assert planned_s(after.agenda, Phase.feedback) == 0
    assert after.timer == meeting.timer
    assert types(events) == ["agenda.changed"]
    assert events[0].data()["agenda"] == after.agenda_dicts()


def test_a_timer_not_started_follows_its_phase_new_plan(clock: Clock) -> None:
    meeting = meeting_in(Phase.welcome, clock)
    after, events = m.edit_agenda(meeting, {"welcome": 900}, clock())
    assert after.timer.status is TimerStatus.stopped
    assert (after.timer.duration_s, after.timer.remaining_s) == (900, 900)
    assert types(events) == ["agenda.changed", "timer.changed"]
    assert events[1].data()["remaining_s"] == 900 and events[1].data()["phase"] == "welcome"
    # Another phase's plan leaves this phase's timer alone.
    _, events = m.edit_agenda(after, {"context": 1200}, clock())
    assert types(events) == ["agenda.changed"]


def test_a_timer_set_by_hand_or_paused_keeps_its_length(clock: Clock) -> None:
    meeting = meeting_in(Phase.welcome, clock)
    reset, _ = m.command_timer(meeting, "reset", 300, clock())
    after, events = m.edit_agenda(reset, {"welcome": 900}, clock())
    assert after.timer == reset.timer and types(events) == ["agenda.changed"]
    started, _ = m.command_timer(meeting, "start", None, clock())
    paused, _ = m.command_timer(started, "pause", None, clock())
    after, events = m.edit_agenda(paused, {"welcome": 900}, clock())
    assert after.timer == paused.timer and types(events) == ["agenda.changed"]


@pytest.mark.parametrize("planned", [{"lunch": 60}, {"context": -1}, {"context": 259201}])
def test_edit_agenda_refuses_bad_plans(clock: Clock, planned: dict[str, int]) -> None:
    with pytest.raises(Invalid) as caught:
        m.edit_agenda(meeting_in(Phase.context, clock), planned, clock())
    assert (caught.value.status, caught.value.code) == (422, "invalid_agenda")


def test_an_unknown_phase_is_named_with_the_phases_there_are(clock: Clock) -> None:
    """It said "'lunch' is not a valid Phase", the name of a class in the code."""
    with pytest.raises(Invalid) as caught:
        m.edit_agenda(meeting_in(Phase.context, clock), {"lunch": 60, "context": 60}, clock())
    detail = caught.value.detail
    assert detail.startswith('The agenda could not be changed: "lunch" is not a phase.')
    assert "Phase" not in detail and "welcome, context, questions, analysis, feedback" in detail
    many = {f"extra-{i}": 60 for i in range(7)} | {"x" * 100: 60}
    with pytest.raises(Invalid) as caught:
        m.edit_agenda(meeting_in(Phase.context, clock), many, clock())
    # Named as a sentence names them: a few, how many more, a long one cut short.
    assert '"extra-0", "extra-1", "extra-2", "extra-3", "extra-4" (and 3 more) are not phases' in (
        caught.value.detail
    )
    with pytest.raises(Invalid) as caught:
        m.edit_agenda(meeting_in(Phase.context, clock), {"context": -1}, clock())
    assert caught.value.detail == (
        "The agenda could not be changed: give each phase from 0 to 259200 seconds."
    )


def test_a_phase_planned_at_zero_opens_with_a_stopped_timer(clock: Clock) -> None:
    meeting, _ = m.edit_agenda(meeting_in(Phase.context, clock), {"questions": 0}, clock())
    after, _ = m.change_phase(meeting, "questions", clock())
    assert after.timer.status is TimerStatus.stopped and after.timer.remaining_s == 0


def test_a_phase_planned_over_a_day_can_still_be_entered(clock: Clock) -> None:
    meeting, _ = m.edit_agenda(meeting_in(Phase.welcome, clock), {"context": 100_000}, clock())
    after, _ = m.change_phase(meeting, "context", clock())
    assert after.phase is Phase.context
    assert after.timer.status is TimerStatus.running


def test_starting_a_phase_planned_at_zero_is_a_conflict(clock: Clock) -> None:
    meeting, _ = m.edit_agenda(meeting_in(Phase.context, clock), {"context": 0}, clock())
    with pytest.raises(TimerConflict) as caught:
        m.command_timer(meeting, "start", None, clock())
    assert (caught.value.status, caught.value.code) == (409, "no_planned_time")
    started, _ = m.command_timer(meeting, "start", 90, clock())
    assert started.timer.duration_s == 90
