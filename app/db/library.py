"""What a past peer assist looks like in a list: who hosted it, when, what was decided, how far
its actions got, whether the team reported back, and its themes. One query per table for any
number of peer assists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from ..domain.dates import held_on
from ..domain.events import PhaseChanged
from ..domain.phases import Phase, met
from ..domain.rules import ActionStatus, Role
from .models import Action, Commitment, Event, Participant, ReportBack, Theme, Workshop


@dataclass(frozen=True)
class Held:
    day: date  # the day it met, else the day planned, else the day made (dates.held_on)
    met: bool  # phases.met: False for one not begun or called off from its welcome


def _phase_changes(
    session: Session, workshop_ids: Sequence[str]
) -> dict[str, tuple[datetime | None, bool]]:
    """Each peer assist's first phase change (when it began, or its close if it was called
    off) and whether it met (phases.met), from one read of its phase changes."""
    first: dict[str, datetime] = {}
    entered: dict[str, list[str]] = {w: [] for w in workshop_ids}
    for workshop_id, at, data in session.execute(
        sa.select(Event.workshop_id, Event.at, Event.data)
        .where(Event.workshop_id.in_(workshop_ids), Event.type == PhaseChanged.type)
        .order_by(Event.workshop_id, Event.seq)
    ):
        first.setdefault(workshop_id, at)
        entered[workshop_id].append(data["phase"])
    oldest = dict(
        session.execute(
            sa.select(Event.workshop_id, sa.func.min(Event.seq))
            .where(Event.workshop_id.in_(workshop_ids))
            .group_by(Event.workshop_id)
        ).all()
    )
    return {
        w: (first.get(w), met(entered[w], history_cut=oldest.get(w, 1) > 1)) for w in workshop_ids
    }


def met_of(session: Session, *, workshop_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each peer assist met, read off its phase changes (phases.met)."""
    return {w: was_met for w, (_, was_met) in _phase_changes(session, workshop_ids).items()}


def has_met(session: Session, workshop_id: str) -> bool:
    return met_of(session, workshop_ids=[workshop_id])[workshop_id]


def held(session: Session, *, workshop_ids: list[str]) -> dict[str, Held]:
    """The day each peer assist was held, as its record, the library and My peer assists date
    it (domain.dates.held_on), and whether it met at all."""
    if not workshop_ids:
        return {}
    changes = _phase_changes(session, workshop_ids)
    found = {}
    for w in session.execute(
        sa.select(Workshop.id, Workshop.starts_at, Workshop.created_at, Workshop.time_zone).where(
            Workshop.id.in_(workshop_ids)
        )
    ):
        began_at, was_met = changes[w.id]
        day = held_on(began_at, w.starts_at, w.created_at, w.time_zone, met=was_met)
        found[w.id] = Held(day, was_met)
    return found


def summaries(session: Session, *, workshop_ids: list[str]) -> dict[str, dict]:
    if not workshop_ids:
        return {}
    found: dict[str, dict] = {}
    days = held(session, workshop_ids=workshop_ids)
    for w in session.execute(
        sa.select(Workshop.id, Workshop.facilitator_name, Workshop.phase).where(
            Workshop.id.in_(workshop_ids)
        )
    ):
        found[w.id] = {
            "hosts": [],
            "facilitator": w.facilitator_name,
            "when": days[w.id].day,
            "called_off": w.phase == Phase.closed and not days[w.id].met,
            "decided": None,
            "report_back_by": None,
            "actions": [],
            "actions_done": 0,
            "actions_total": 0,
            "reported": False,
            "themes": [],
        }
    hosts = session.execute(
        sa.select(Participant.workshop_id, Participant.name)
        .where(Participant.workshop_id.in_(workshop_ids), Participant.role == Role.host.value)
        .order_by(Participant.id)
    )
    for workshop_id, name in hosts:
        found[workshop_id]["hosts"].append(name)
    for c in session.execute(
        sa.select(Commitment.workshop_id, Commitment.note, Commitment.report_back_by).where(
            Commitment.workshop_id.in_(workshop_ids)
        )
    ):
        found[c.workshop_id]["decided"] = c.note
        found[c.workshop_id]["report_back_by"] = c.report_back_by
    counts: dict[str, list[str]] = defaultdict(list)
    for a in session.execute(
        sa.select(Action.workshop_id, Action.title, Action.status)
        .where(Action.workshop_id.in_(workshop_ids))
        .order_by(Action.id)
    ):
        entry = found[a.workshop_id]
        entry["actions_total"] += 1
        entry["actions_done"] += a.status == ActionStatus.done.value
        counts[a.workshop_id].append(a.title)
    for (workshop_id,) in session.execute(
        sa.select(ReportBack.workshop_id).where(ReportBack.workshop_id.in_(workshop_ids))
    ):
        found[workshop_id]["reported"] = True
    for workshop_id, name in session.execute(
        sa.select(Theme.workshop_id, Theme.name)
        .where(Theme.workshop_id.in_(workshop_ids))
        .order_by(Theme.id)
    ):
        found[workshop_id]["themes"].append(name)
    for workshop_id, titles in counts.items():
        found[workshop_id]["actions"] = titles[:3]
    return found


def theme_names(session: Session, *, visible: sa.ColumnElement[bool]) -> list[str]:
    """Every theme name in the peer assists `visible` allows (a SQL condition on `workshop`)."""
    return list(
        session.execute(
            sa.select(Theme.name)
            .join(Workshop, Workshop.id == Theme.workshop_id)
            .where(visible)
            .distinct()
        ).scalars()
    )
