"""What a past peer assist looks like in a list: who hosted it, when, what was decided, how far
its actions got, whether the team reported back, and its themes. One query per table for any
number of peer assists."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ..domain.dates import held_on
from ..domain.phases import agenda_from_dicts, met
from ..domain.rules import ActionStatus, Role
from . import queries
from .models import Action, Commitment, Participant, ReportBack, Theme, Workshop


def held_days(
    session: Session, *, workshop_ids: list[str], met_only: bool = False
) -> dict[str, date]:
    """The day each peer assist was held, as its record dates it (domain.dates.held_on); with
    `met_only`, one that never met (phases.met: called off from its welcome) is left out."""
    if not workshop_ids:
        return {}
    began = queries.began_at(session, workshop_ids=workshop_ids)
    return {
        w.id: held_on(began.get(w.id), w.starts_at, w.created_at, w.time_zone, met=has_met)
        for w in session.execute(
            sa.select(
                Workshop.id,
                Workshop.starts_at,
                Workshop.created_at,
                Workshop.time_zone,
                Workshop.agenda,
            ).where(Workshop.id.in_(workshop_ids))
        )
        if (has_met := met(agenda_from_dicts(w.agenda))) or not met_only
    }


def summaries(session: Session, *, workshop_ids: list[str]) -> dict[str, dict]:
    if not workshop_ids:
        return {}
    found: dict[str, dict] = {}
    held = held_days(session, workshop_ids=workshop_ids)
    for w in session.execute(
        sa.select(Workshop.id, Workshop.facilitator_name).where(Workshop.id.in_(workshop_ids))
    ):
        found[w.id] = {
            "hosts": [],
            "facilitator": w.facilitator_name,
            "when": held[w.id],
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
