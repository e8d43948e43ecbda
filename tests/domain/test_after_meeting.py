"""The rules after the meeting: feedback, report-back status, what the record holds."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.after_meeting import check_feedback, check_report_back, feedback_summary
from app.domain.errors import Forbidden, Invalid, NotAllowedInPhase
from app.domain.phases import Phase
from app.domain.record import by_theme, on_record, report_back_status
from app.domain.rules import Actor, Role

VISITOR = Actor(2, Role.visitor)


@pytest.mark.parametrize("phase", [p for p in Phase if p not in (Phase.reflection, Phase.closed)])
def test_feedback_waits_for_reflection(phase: Phase) -> None:
    with pytest.raises(NotAllowedInPhase):
        check_feedback(phase, VISITOR, 3)


@pytest.mark.parametrize("score", [1, 5])
def test_feedback_takes_scores_from_one_to_five(score: int) -> None:
    check_feedback(Phase.reflection, VISITOR, score)
    check_feedback(Phase.closed, Actor(1, Role.host), score)
    with pytest.raises(Invalid):
        check_feedback(Phase.closed, VISITOR, score + 5)
    with pytest.raises(Forbidden):
        check_feedback(Phase.closed, Actor(9, Role.projector), score)


def test_the_summary_hides_who_said_what_unless_asked() -> None:
    answers = [
        {
            "name": "B",
            "role": "visitor",
            "satisfaction": 5,
            "ideas": "zebra",
            "most_valuable": None,
        },
        {"name": "A", "role": "host", "satisfaction": 2, "ideas": "apple"},
    ]
    summary = feedback_summary(answers)
    assert summary["ideas"] == ["apple", "zebra"]  # sorted, not in the order they came
    assert summary["average"] == 3.5 and "answers" not in summary
    assert feedback_summary([])["average"] is None
    assert [a["name"] for a in feedback_summary(answers, names=True)["answers"]] == ["B", "A"]


def test_report_back_status() -> None:
    today = date(2026, 12, 1)
    assert report_back_status(None, today, reported=False) == "not_set"
    assert report_back_status(date(2026, 12, 30), today, reported=False) == "upcoming"
    assert report_back_status(date(2026, 12, 8), today, reported=False) == "due"
    assert report_back_status(date(2026, 12, 1), today, reported=False) == "due"
    assert report_back_status(date(2026, 11, 30), today, reported=False) == "overdue"
    assert report_back_status(date(2026, 11, 30), today, reported=True) == "reported"


def test_report_back_waits_for_the_meeting_to_close() -> None:
    host = Actor(1, Role.host)
    with pytest.raises(NotAllowedInPhase):
        check_report_back(Phase.reflection, host, "did it")
    with pytest.raises(Forbidden):
        check_report_back(Phase.closed, VISITOR, "did it")
    with pytest.raises(Invalid):
        check_report_back(Phase.closed, host, None)
    check_report_back(Phase.closed, host, "did it")


def card(card_id: int, votes: int, theme: str | None = None, **extra: object) -> dict:
    return {
        "id": card_id,
        "kind": "insight",
        "text": f"c{card_id}",
        "votes": votes,
        "theme": theme,
        "hidden": False,
        "private": False,
        **extra,
    }


def test_themes_most_voted_first_and_hidden_or_private_cards_stay_out() -> None:
    cards = [card(1, 1, "A"), card(2, 0), card(3, 2, "B"), card(4, 3, "A"), card(5, 4, " B ")]
    groups = by_theme(cards)
    assert [(name, [c["id"] for c in cs]) for name, cs in groups] == [
        ("B", [5, 3]),
        ("A", [4, 1]),
        (None, [2]),
    ]
    assert not on_record(card(6, 0, hidden=True))
    assert not on_record(card(7, 0, private=True))
    assert on_record(card(8, 0))
