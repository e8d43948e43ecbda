"""The programme dashboard's figures: what a run of peer assists adds up to.

The method measures a peer assist by what happens after it, so most figures are about the
promise to report back. Everything here is computed from plain rows (no I/O), one month at a
time, where a peer assist's month is that of the day it was held (its start, or its creation
when no start was set).

Who counts as a returning visitor: a visitor whose name, case and spacing aside, was a visitor
at an earlier peer assist this account may see. Participants join by name alone (API.md's join
body holds no email), so the name is all the app can honestly compare; two people with one name
read as one, and one person who spells their name two ways reads as two. The history is the
whole visible programme, not only the filtered range, so narrowing the dates never turns a
returning visitor into a new one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .invitations import folded
from .phases import ORDER, Phase
from .review import actual_seconds, timed

# The charts, in the order the page shows them; each one's CSV is /dashboard/{name}.csv.
CHARTS = ("held", "attendance", "satisfaction", "actions", "report_backs", "phases")


@dataclass(frozen=True)
class PeerAssist:
    """One closed peer assist, as the dashboard reads it."""

    id: str
    held_on: date
    unit: str | None = None
    planned_s: Mapping[str, int] = field(default_factory=dict)
    # (when, from, to) of each phase change, in order; welcome's time comes from the agenda.
    phase_changes: Sequence[tuple[datetime, str, str]] = ()
    welcome_s: int = 0
    report_back_by: date | None = None
    reported_on: date | None = None
    title: str = ""
    # The facilitator or the host team wrote their after action review.
    reviewed: bool = False


@dataclass(frozen=True)
class Person:
    workshop_id: str
    role: str
    name: str


@dataclass(frozen=True)
class ActionRow:
    workshop_id: str
    status: str
    # The day it was last marked done (see `done_on`); None while it is not done.
    done_on: date | None = None


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    unit: str | None = None

    def keeps(self, p: PeerAssist) -> bool:
        if self.start and p.held_on < self.start:
            return False
        if self.end and p.held_on > self.end:
            return False
        return not self.unit or folded(p.unit or "") == folded(self.unit)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """Every month from first to last, so a quiet month shows as a gap, not as nothing."""
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def done_on(history: Sequence[tuple[datetime, str]], fallback: datetime) -> date:
    """The day a done action was last marked done, from its status after each update, in order.

    An action done, reopened and done again counts from the second time. When its updates are
    no longer kept (retention prunes old events), its last update stands in.
    """
    when: datetime | None = None
    for at, status in history:
        when = (when or at) if status == "done" else None
    return (when or fallback).date()


def units(peer_assists: Iterable[PeerAssist]) -> list[str]:
    """The units the filter offers: each spelling once, in alphabetical order."""
    seen: dict[str, str] = {}
    for p in peer_assists:
        if p.unit and p.unit.strip():
            seen.setdefault(folded(p.unit), " ".join(p.unit.split()))
    return sorted(seen.values(), key=str.casefold)


def returning_visitors(
    peer_assists: Sequence[PeerAssist], people: Iterable[Person]
) -> dict[tuple[str, str], bool]:
    """For each (workshop id, folded name) of a visitor: True when they came back."""
    order = {p.id: (p.held_on, p.id) for p in peer_assists}
    first: dict[str, tuple[date, str]] = {}
    visits = {(v.workshop_id, folded(v.name)) for v in people if v.role == "visitor"}
    visits = {v for v in visits if v[0] in order and v[1]}
    for workshop_id, name in visits:
        when = order[workshop_id]
        if name not in first or when < first[name]:
            first[name] = when
    return {(w, name): order[w] > first[name] for w, name in visits}


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _action_state(action: ActionRow, due: date | None, today: date) -> str | None:
    """Where an action stands against its peer assist's report-back date; None: not judged.

    Dropped actions, and those of a peer assist with no report-back date, are left out.
    """
    if action.status == "dropped" or due is None:
        return None
    if action.status == "done":
        if action.done_on is None or action.done_on <= due:
            return "done_by_date"
        return "done_late"
    return "overdue" if today > due else "open"


def _report_back_state(p: PeerAssist, today: date) -> str:
    if p.report_back_by is None:
        return "no_date"
    if p.reported_on is not None:
        return "on_time" if p.reported_on <= p.report_back_by else "late"
    return "missing" if today > p.report_back_by else "not_yet_due"


def figures(
    peer_assists: Sequence[PeerAssist],
    people: Iterable[Person],
    satisfaction: Iterable[tuple[str, int]],
    actions: Iterable[ActionRow],
    *,
    filters: Filters,
    today: date,
) -> dict[str, Any]:
    """Every chart's rows (and `totals`), for the peer assists the filters keep."""
    people = list(people)
    came_back = returning_visitors(peer_assists, people)
    kept = sorted((p for p in peer_assists if filters.keeps(p)), key=lambda p: (p.held_on, p.id))
    by_id = {p.id: p for p in kept}
    months = months_between(kept[0].held_on, kept[-1].held_on) if kept else []
    month = {p.id: month_of(p.held_on) for p in kept}

    def blank(*names: str) -> dict[str, dict]:
        return {m: {"month": m, **dict.fromkeys(names, 0)} for m in months}

    held = blank("held")
    for p in kept:
        held[month[p.id]]["held"] += 1

    attendance = blank("hosts", "new_visitors", "returning_visitors")
    counted: set[tuple[str, str, str]] = set()
    for person in people:
        name = folded(person.name)
        if person.workshop_id not in by_id or not name:
            continue
        seen = (person.workshop_id, person.role, name)
        if seen in counted:
            continue
        counted.add(seen)
        row = attendance[month[person.workshop_id]]
        if person.role == "host":
            row["hosts"] += 1
        elif person.role == "visitor":
            back = came_back[(person.workshop_id, name)]
            row["returning_visitors" if back else "new_visitors"] += 1

    scores: dict[str, list[int]] = defaultdict(list)
    for workshop_id, score in satisfaction:
        if workshop_id in by_id:
            scores[month[workshop_id]].append(score)
    satisfied = [{"month": m, "answers": len(scores[m]), "mean": _mean(scores[m])} for m in months]

    done = blank("done_by_date", "done_late", "overdue", "open")
    for action in actions:
        p = by_id.get(action.workshop_id)
        state = _action_state(action, p.report_back_by, today) if p else None
        if state:
            done[month[p.id]][state] += 1

    backs = blank("on_time", "late", "missing", "not_yet_due", "no_date")
    for p in kept:
        backs[month[p.id]][_report_back_state(p, today)] += 1

    charts = {
        "held": list(held.values()),
        "attendance": list(attendance.values()),
        "satisfaction": satisfied,
        "actions": list(done.values()),
        "report_backs": list(backs.values()),
        "phases": phase_means(kept),
    }
    counted = [
        {
            "id": p.id,
            "held_on": p.held_on.isoformat(),
            "title": p.title,
            "unit": p.unit,
            "report_back": _report_back_state(p, today),
            "reviewed": p.reviewed,
        }
        for p in reversed(kept)
    ]
    scored = [s for m in months for s in scores[m]]
    return {**charts, "totals": totals(charts, scored), "peer_assists": counted}


def phase_means(peer_assists: Sequence[PeerAssist]) -> list[dict]:
    """Mean planned and actual minutes per phase, with the review's own sums of the time."""
    planned: dict[str, list[float]] = defaultdict(list)
    actual: dict[str, list[float]] = defaultdict(list)
    for p in peer_assists:
        spent = actual_seconds(
            p.phase_changes, current=Phase.closed, now=datetime.max, welcome_s=p.welcome_s
        )
        for phase in ORDER:
            # Like for like: a welcome that was not timed leaves both means.
            if phase is not Phase.closed and timed(phase, spent[phase.value]):
                planned[phase.value].append(p.planned_s.get(phase.value, 0) / 60)
                actual[phase.value].append(spent[phase.value] / 60)
    return [
        {
            "phase": phase.value,
            "peer_assists": len(planned[phase.value]),
            "planned_min": _round1(planned[phase.value]),
            "actual_min": _round1(actual[phase.value]),
        }
        for phase in ORDER
        if phase is not Phase.closed
    ]


def _round1(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def totals(rows: Mapping[str, list[dict]], scores: Sequence[int]) -> dict[str, Any]:
    """The headline numbers above the charts; the mean satisfaction from the answers themselves."""
    backs = rows["report_backs"]
    acts = rows["actions"]
    return {
        "held": sum(r["held"] for r in rows["held"]),
        "visitors": sum(r["new_visitors"] + r["returning_visitors"] for r in rows["attendance"]),
        "returning_visitors": sum(r["returning_visitors"] for r in rows["attendance"]),
        "answers": len(scores),
        "satisfaction": _mean(scores),
        "report_backs_due": sum(r["on_time"] + r["late"] + r["missing"] for r in backs),
        "report_backs_on_time": sum(r["on_time"] for r in backs),
        "actions_judged": sum(r["done_by_date"] + r["done_late"] + r["overdue"] for r in acts),
        "actions_done_by_date": sum(r["done_by_date"] for r in acts),
    }
