"""The programme dashboard's figures on a small programme built by hand, every expectation
worked out on paper first (see the comments)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from app.domain import dashboard as d
from app.domain.dashboard import ActionRow, Filters, PeerAssist, Person

TODAY = date(2026, 12, 1)
PLANNED = {"welcome": 600, "context": 1200, "questions": 1200, "analysis": 1200}


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00").replace(tzinfo=UTC)


def changes(day: str, *steps: tuple[str, str]) -> list[tuple[datetime, str, str]]:
    """Phase changes from (time, phase entered) pairs, starting from welcome."""
    out, previous = [], "welcome"
    for clock, phase in steps:
        out.append((at(day, clock), previous, phase))
        previous = phase
    return out


# A: October, Cardiology. Welcome 5 min, context 25, questions 20, analysis 30. Reported on time.
A = PeerAssist(
    "A",
    date(2026, 10, 5),
    "Cardiology",
    PLANNED,
    changes(
        "2026-10-05",
        ("09:00", "context"),
        ("09:25", "questions"),
        ("09:45", "analysis"),
        ("10:15", "closed"),
    ),
    welcome_s=300,
    report_back_by=date(2026, 10, 20),
    reported_on=date(2026, 10, 19),
    title="Discharge before noon",
    reviewed=True,
)
# B: October, Surgery. Welcome 10, context 15, questions 30. Reported two days late.
B = PeerAssist(
    "B",
    date(2026, 10, 20),
    "Surgery",
    PLANNED,
    changes("2026-10-20", ("14:00", "context"), ("14:15", "questions"), ("14:45", "closed")),
    welcome_s=600,
    report_back_by=date(2026, 11, 3),
    reported_on=date(2026, 11, 5),
)
# C: November, "cardiology " (the same unit spelt another way). Context 40. Never reported.
C = PeerAssist(
    "C",
    date(2026, 11, 10),
    "cardiology ",
    {"welcome": 600, "context": 1800},
    changes("2026-11-10", ("10:00", "context"), ("10:40", "closed")),
    report_back_by=date(2026, 11, 24),
)
# D: November, no unit, welcome 1 minute and nothing recorded after; its date is still to come.
D = PeerAssist(
    "D", date(2026, 11, 28), None, {"context": 1200}, (), 60, report_back_by=date(2026, 12, 12)
)
# E: November, Surgery, no agenda and no report-back date.
E = PeerAssist("E", date(2026, 11, 29), "Surgery")
PROGRAMME = [A, B, C, D, E]

PEOPLE = [
    Person("A", "facilitator", "Ada"),
    Person("A", "host", "Hana Host"),
    Person("A", "host", "Hugo Host"),
    Person("A", "visitor", "Vera Visitor"),
    Person("A", "visitor", "Sam Stone"),
    Person("B", "host", "Bea Host"),
    Person("B", "visitor", "vera  VISITOR"),  # returning: Vera came to A
    Person("B", "visitor", "Tom Tay"),
    Person("C", "host", "Hana Host"),
    Person("C", "visitor", "Sam Stone"),  # returning
    Person("C", "visitor", "Uma Unger"),
    Person("C", "projector", "Screen"),
    Person("D", "visitor", "Tom Tay"),  # returning
    Person("D", "visitor", "Zed New"),
    Person("D", "visitor", "zed new"),  # the same person twice in one room counts once
]
# October: 5, 4, 3 → mean 4.0. November: 4, 4, 2 → 10/3 = 3.33. All six: 22/6 = 3.67.
SCORES = [("A", 5), ("A", 4), ("B", 3), ("C", 4), ("C", 4), ("C", 2)]
ACTIONS = [
    ActionRow("A", "done", date(2026, 10, 18)),  # by the date (20 Oct)
    ActionRow("A", "done", date(2026, 10, 25)),  # late
    ActionRow("A", "open"),  # overdue
    ActionRow("A", "dropped"),  # left out
    ActionRow("B", "done", date(2026, 11, 3)),  # on the day itself: by the date
    ActionRow("B", "in_progress"),  # overdue
    ActionRow("C", "open"),  # overdue
    ActionRow("C", "done", date(2026, 11, 20)),  # by the date (24 Nov)
    ActionRow("D", "open"),  # not yet due (12 Dec)
    ActionRow("D", "done", date(2026, 11, 30)),  # by the date
    ActionRow("E", "done", date(2026, 11, 30)),  # no date to judge it by: left out
]


def run(filters: Filters = Filters()) -> dict:
    return d.figures(PROGRAMME, PEOPLE, SCORES, ACTIONS, filters=filters, today=TODAY)


def test_every_figure_on_the_hand_made_programme() -> None:
    f = run()
    assert f["held"] == [{"month": "2026-10", "held": 2}, {"month": "2026-11", "held": 3}]
    assert f["attendance"] == [
        {"month": "2026-10", "hosts": 3, "new_visitors": 3, "returning_visitors": 1},
        {"month": "2026-11", "hosts": 1, "new_visitors": 2, "returning_visitors": 2},
    ]
    assert f["satisfaction"] == [
        {"month": "2026-10", "answers": 3, "mean": 4.0},
        {"month": "2026-11", "answers": 3, "mean": 3.33},
    ]
    assert f["actions"] == [
        {"month": "2026-10", "done_by_date": 2, "done_late": 1, "overdue": 2, "open": 0},
        {"month": "2026-11", "done_by_date": 2, "done_late": 0, "overdue": 1, "open": 1},
    ]
    assert f["report_backs"] == [
        {"month": "2026-10", "on_time": 1, "late": 1, "missing": 0, "not_yet_due": 0, "no_date": 0},
        {"month": "2026-11", "on_time": 0, "late": 0, "missing": 1, "not_yet_due": 1, "no_date": 1},
    ]
    # Means over the five; the welcome's over the three whose welcome was timed (two never ran
    # its timer: not timed, not 0), planned (10+10+0)/3 against (5+10+1)/3; context
    # (20+20+30+20+0)/5 against (25+15+40+0+0)/5; questions 40/5 against 50/5; analysis 40/5
    # against 30/5.
    assert [(r["phase"], r["planned_min"], r["actual_min"]) for r in f["phases"]] == [
        ("welcome", 6.7, 5.3),
        ("context", 18.0, 16.0),
        ("questions", 8.0, 10.0),
        ("analysis", 8.0, 6.0),
        ("feedback", 0.0, 0.0),
        ("commitment", 0.0, 0.0),
        ("reflection", 0.0, 0.0),
    ]
    assert [r["peer_assists"] for r in f["phases"]] == [3, 5, 5, 5, 5, 5, 5]
    assert f["totals"] == {
        "held": 5,
        "visitors": 8,
        "returning_visitors": 3,
        "answers": 6,
        "satisfaction": 3.67,
        "report_backs_due": 3,
        "report_backs_on_time": 1,
        "actions_judged": 8,
        "actions_done_by_date": 4,
    }
    # The list under the charts: newest first, with where each stands.
    assert [(p["id"], p["report_back"], p["reviewed"]) for p in f["peer_assists"]] == [
        ("E", "no_date", False),
        ("D", "not_yet_due", False),
        ("C", "missing", False),
        ("B", "late", False),
        ("A", "on_time", True),
    ]
    assert f["peer_assists"][-1]["title"] == "Discharge before noon"


def test_the_unit_filter_reads_spellings_as_one_unit() -> None:
    assert d.units(PROGRAMME) == ["Cardiology", "Surgery"]
    f = run(Filters(unit="  CARDIOLOGY"))
    assert f["held"] == [{"month": "2026-10", "held": 1}, {"month": "2026-11", "held": 1}]
    assert f["attendance"] == [
        {"month": "2026-10", "hosts": 2, "new_visitors": 2, "returning_visitors": 0},
        {"month": "2026-11", "hosts": 1, "new_visitors": 1, "returning_visitors": 1},
    ]
    assert f["satisfaction"][1] == {"month": "2026-11", "answers": 3, "mean": 3.33}
    assert f["totals"]["satisfaction"] == round(19 / 5, 2)


def test_a_narrower_date_range_keeps_who_came_back() -> None:
    f = run(Filters(start=date(2026, 11, 1), end=date(2026, 11, 30)))
    assert f["held"] == [{"month": "2026-11", "held": 3}]
    # Sam and Tom first came in October, outside the range: still returning.
    assert f["attendance"] == [
        {"month": "2026-11", "hosts": 1, "new_visitors": 2, "returning_visitors": 2}
    ]
    # A quiet month between two busy ones shows as a zero, not as a missing row.
    gap = d.figures([A, D], PEOPLE, [], [], filters=Filters(), today=TODAY)
    assert gap["held"] == [
        {"month": "2026-10", "held": 1},
        {"month": "2026-11", "held": 1},
    ]
    later = replace(D, held_on=date(2026, 12, 2))
    spread = d.figures([A, later], [], [], [], filters=Filters(), today=TODAY)
    assert spread["held"] == [
        {"month": "2026-10", "held": 1},
        {"month": "2026-11", "held": 0},
        {"month": "2026-12", "held": 1},
    ]


def test_nothing_matches() -> None:
    f = run(Filters(end=date(2026, 1, 1)))
    assert all(f[name] == [] for name in d.CHARTS if name != "phases")
    assert {r["peer_assists"] for r in f["phases"]} == {0}
    assert f["totals"]["held"] == 0 and f["totals"]["satisfaction"] is None


def test_an_action_is_done_from_the_last_time_it_was_marked_done() -> None:
    t = [at("2026-11-0" + str(i), "09:00") for i in range(1, 6)]
    fallback = at("2026-11-09", "09:00")
    again = [(t[0], "open"), (t[1], "done"), (t[2], "open"), (t[3], "done"), (t[4], "done")]
    assert d.done_on(again, fallback) == date(2026, 11, 4)
    # A note added after it was done does not move the day it was done.
    assert d.done_on([(t[0], "done"), (t[2], "done")], fallback) == date(2026, 11, 1)
    assert d.done_on([], fallback) == date(2026, 11, 9)
