"""Phases and the agenda: the default plan, moves between phases and the booking of time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import InvalidMove
from app.domain.phases import (
    CORE,
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    MUTED_PHASES,
    ORDER,
    AgendaItem,
    Phase,
    agenda_from_dicts,
    default_agenda,
    enter,
    met,
    planned_s,
    replan,
    resolve_move,
    short_slot_s,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SHORT = (Phase.welcome, Phase.commitment, Phase.reflection)
DURATIONS = [30, 31, 45, 59, 60, 61, 90, 119, 120, 121, 180, 361, 1440, 4319, 4320]


def test_phase_order_matches_the_contract() -> None:
    assert [p.value for p in ORDER] == [
        "welcome",
        "context",
        "questions",
        "analysis",
        "feedback",
        "commitment",
        "reflection",
        "closed",
    ]
    assert (Phase.context, Phase.questions, Phase.analysis, Phase.feedback) == CORE
    assert frozenset({Phase.questions, Phase.analysis}) == MUTED_PHASES


@pytest.mark.parametrize("minutes", DURATIONS)
def test_default_agenda_splits_the_core_in_four_equal_parts(minutes: int) -> None:
    agenda = default_agenda(minutes)
    assert [item.phase for item in agenda] == list(ORDER)
    short = short_slot_s(minutes)
    core_total = minutes * 60 - 3 * short
    quarter = core_total // 4
    assert [planned_s(agenda, p) for p in CORE[:3]] == [quarter] * 3
    assert planned_s(agenda, Phase.feedback) == quarter + core_total % 4
    assert 0 <= planned_s(agenda, Phase.feedback) - quarter < 4
    assert all(planned_s(agenda, p) == short for p in SHORT)
    assert planned_s(agenda, Phase.closed) == 0
    assert sum(item.planned_s for item in agenda) == minutes * 60
    assert all(item.actual_s == 0 and item.entered_at is None for item in agenda)


def test_remainder_goes_to_feedback(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whole-minute durations always leave a core divisible by 4 seconds, so force odd short
    # slots to reach the remainder: 3600 - 3 * 301 = 2697 = 4 * 674 + 1.
    monkeypatch.setattr("app.domain.phases.short_slot_s", lambda minutes: 301)
    agenda = default_agenda(60)
    assert [planned_s(agenda, p) for p in CORE] == [674, 674, 674, 675]
    assert sum(item.planned_s for item in agenda) == 3600


@pytest.mark.parametrize(
    ("minutes", "expected_s"),
    [
        (30, 300),
        (60, 300),
        (71, 300),
        (72, 360),
        (119, 540),
        (120, 600),
        (360, 1800),
        (361, 1800),
        (4320, 1800),
    ],
)
def test_short_slots_are_a_twelfth_between_5_and_30_minutes(minutes: int, expected_s: int) -> None:
    assert short_slot_s(minutes) == expected_s


@pytest.mark.parametrize("minutes", [MIN_DURATION_MINUTES - 1, 0, -60, MAX_DURATION_MINUTES + 1])
def test_duration_out_of_bounds_is_refused(minutes: int) -> None:
    with pytest.raises(ValueError, match="duration out of range"):
        default_agenda(minutes)


@pytest.mark.parametrize("minutes", [MIN_DURATION_MINUTES, MAX_DURATION_MINUTES])
def test_duration_bounds_are_inclusive(minutes: int) -> None:
    assert sum(item.planned_s for item in default_agenda(minutes)) == minutes * 60


@pytest.mark.parametrize(("current", "expected"), list(itertools.pairwise(ORDER)))
def test_next_moves_one_phase_on(current: Phase, expected: Phase) -> None:
    assert resolve_move(current, "next") is expected


@pytest.mark.parametrize(("expected", "current"), list(itertools.pairwise(ORDER)))
def test_previous_moves_one_phase_back(current: Phase, expected: Phase) -> None:
    assert resolve_move(current, "previous") is expected


@pytest.mark.parametrize("current", ORDER)
@pytest.mark.parametrize("target", ORDER)
def test_jump_to_any_other_phase_by_name(current: Phase, target: Phase) -> None:
    if current is target:
        with pytest.raises(InvalidMove) as caught:
            resolve_move(current, target.value)
        assert (caught.value.status, caught.value.code) == (409, "invalid_phase_move")
        assert current.value in caught.value.detail
    else:
        assert resolve_move(current, target.value) is target


@pytest.mark.parametrize(("current", "to"), [(Phase.closed, "next"), (Phase.welcome, "previous")])
def test_no_move_past_closed_or_before_welcome(current: Phase, to: str) -> None:
    with pytest.raises(InvalidMove) as caught:
        resolve_move(current, to)
    assert (caught.value.status, caught.value.code) == (409, "invalid_phase_move")


@pytest.mark.parametrize("to", ["", "Context", "nxt", "open", "NEXT", " questions", "42"])
def test_unknown_phase_name_is_422(to: str) -> None:
    with pytest.raises(InvalidMove) as caught:
        resolve_move(Phase.context, to)
    assert (caught.value.status, caught.value.code) == (422, "unknown_phase")
    assert "welcome" in caught.value.detail and "closed" in caught.value.detail


def test_enter_books_the_time_of_the_phase_left_and_opens_the_next() -> None:
    agenda = enter(default_agenda(60), Phase.welcome, Phase.context, T0)
    context = agenda[ORDER.index(Phase.context)]
    assert context.entered_at == T0 and context.actual_s == 0
    later = T0 + timedelta(seconds=125)
    agenda = enter(agenda, Phase.context, Phase.questions, later)
    context = agenda[ORDER.index(Phase.context)]
    questions = agenda[ORDER.index(Phase.questions)]
    assert (context.actual_s, context.entered_at) == (125, None)
    assert (questions.actual_s, questions.entered_at) == (0, later)
    # Other phases are untouched, planned lengths included.
    assert [i.planned_s for i in agenda] == [i.planned_s for i in default_agenda(60)]


def test_time_accumulates_when_a_phase_is_revisited() -> None:
    agenda = enter(default_agenda(60), Phase.welcome, Phase.context, T0)
    agenda = enter(agenda, Phase.context, Phase.questions, T0 + timedelta(seconds=10))
    agenda = enter(agenda, Phase.questions, Phase.context, T0 + timedelta(seconds=30))
    agenda = enter(agenda, Phase.context, Phase.analysis, T0 + timedelta(seconds=70))
    by_phase = {item.phase: item for item in agenda}
    assert by_phase[Phase.context].actual_s == 10 + 40
    assert by_phase[Phase.questions].actual_s == 20
    assert by_phase[Phase.analysis].entered_at == T0 + timedelta(seconds=70)


def test_entering_closed_books_time_but_opens_no_clock() -> None:
    agenda = enter(default_agenda(60), Phase.welcome, Phase.reflection, T0)
    agenda = enter(agenda, Phase.reflection, Phase.closed, T0 + timedelta(seconds=90))
    by_phase = {item.phase: item for item in agenda}
    assert by_phase[Phase.reflection].actual_s == 90
    assert by_phase[Phase.closed].entered_at is None
    assert all(item.entered_at is None for item in agenda)


def test_a_clock_that_goes_back_books_no_negative_time() -> None:
    agenda = enter(default_agenda(60), Phase.welcome, Phase.context, T0)
    agenda = enter(agenda, Phase.context, Phase.questions, T0 - timedelta(seconds=30))
    assert agenda[ORDER.index(Phase.context)].actual_s == 0


def test_replan_changes_only_named_phases_and_checks_bounds() -> None:
    agenda = default_agenda(60)
    changed = replan(agenda, {Phase.context: 0, Phase.closed: MAX_DURATION_MINUTES * 60})
    assert planned_s(changed, Phase.context) == 0
    assert planned_s(changed, Phase.closed) == MAX_DURATION_MINUTES * 60
    assert planned_s(changed, Phase.questions) == planned_s(agenda, Phase.questions)
    for bad in (-1, MAX_DURATION_MINUTES * 60 + 1):
        with pytest.raises(ValueError, match="out of range"):
            replan(agenda, {Phase.feedback: bad})


def test_agenda_round_trips_through_dicts() -> None:
    agenda = enter(default_agenda(90), Phase.welcome, Phase.context, T0)
    agenda = enter(agenda, Phase.context, Phase.questions, T0 + timedelta(seconds=61))
    assert agenda_from_dicts([item.as_dict() for item in agenda]) == agenda


def test_every_field_of_a_stored_agenda_counts() -> None:
    """Agendas are read once per distinct agenda (a cache): any field that differs gives
    items of its own, read again from the dicts."""
    start = default_agenda(90)
    dicts = [item.as_dict() for item in start]
    assert agenda_from_dicts(dicts) == start
    for field, value in (
        ("planned_s", 1234),
        ("actual_s", 61),
        ("entered_at", T0.isoformat()),
        ("phase", "closed"),
    ):
        changed = [dict(d) for d in dicts]
        changed[1][field] = value
        read = agenda_from_dicts(changed)
        assert read != start, field
        got = read[1].phase.value if field == "phase" else getattr(read[1], field)
        assert got == (T0 if field == "entered_at" else value), field
    # Stored without actual_s or entered_at, as the first agendas were.
    bare = [{"phase": d["phase"], "planned_s": d["planned_s"]} for d in dicts]
    assert agenda_from_dicts(bare) == start
    assert AgendaItem(Phase.closed, 0).as_dict() == {
        "phase": "closed",
        "planned_s": 0,
        "actual_s": 0,
        "entered_at": None,
    }


def test_the_room_met_once_it_entered_a_phase_past_the_welcome() -> None:
    assert not met([])  # still in its welcome
    assert not met(["closed"])  # called off from it
    # However briefly: a script moves through the phases in milliseconds.
    assert met(["commitment", "closed"]) and met(["context", "welcome", "closed"])
    # Its oldest events pruned: ten thousand events are a meeting.
    assert met(["closed"], history_cut=True)
