"""The rows behind the programme dashboard: every closed peer assist a viewer may see, with its
people, survey answers, actions and report-back. One query per table for any number of them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from ..domain import dashboard as rules
from ..domain import dates
from ..domain.events import ActionUpdated, PhaseChanged
from ..domain.phases import Phase
from .library import met_of
from .models import (
    Action,
    Commitment,
    Event,
    Feedback,
    Participant,
    ReportBack,
    Review,
    Workshop,
)


@dataclass(frozen=True)
class Programme:
    peer_assists: list[rules.PeerAssist]
    people: list[rules.Person]
    satisfaction: list[tuple[str, int]]
    actions: list[rules.ActionRow]


def _planned(agenda: list[dict]) -> tuple[dict[str, int], int]:
    planned = {item["phase"]: int(item["planned_s"]) for item in agenda}
    welcome = next((item for item in agenda if item["phase"] == Phase.welcome.value), None)
    return planned, int(welcome["actual_s"]) if welcome else 0


def programme(session: Session, *, visible: sa.ColumnElement[bool]) -> Programme:
    """Closed peer assists that met: one still to come, or under way, has no figures yet, and
    one called off from its welcome (phases.met) was never held."""
    rows = session.execute(
        sa.select(
            Workshop.id,
            Workshop.title,
            Workshop.starts_at,
            Workshop.created_at,
            Workshop.time_zone,
            Workshop.unit,
            Workshop.agenda,
        ).where(visible, Workshop.closed_at.is_not(None))
    ).all()
    was_met = met_of(session, workshop_ids=[w.id for w in rows])
    rows = [w for w in rows if was_met[w.id]]
    ids = [w.id for w in rows]
    if not ids:
        return Programme([], [], [], [])
    changes: dict[str, list[tuple[datetime, str, str]]] = defaultdict(list)
    updates: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for workshop_id, kind, at, data in session.execute(
        sa.select(Event.workshop_id, Event.type, Event.at, Event.data)
        .where(Event.workshop_id.in_(ids), Event.type.in_((PhaseChanged.type, ActionUpdated.type)))
        .order_by(Event.workshop_id, Event.seq)
    ):
        if kind == PhaseChanged.type:
            changes[workshop_id].append((at, data["previous"], data["phase"]))
        else:
            updates[data["id"]].append((at, data["status"]))
    promised = dict(
        session.execute(
            sa.select(Commitment.workshop_id, Commitment.report_back_by).where(
                Commitment.workshop_id.in_(ids)
            )
        ).all()
    )
    reported = {
        w: at.date()
        for w, at in session.execute(
            sa.select(ReportBack.workshop_id, ReportBack.reported_at).where(
                ReportBack.workshop_id.in_(ids)
            )
        )
    }
    reviewed = set(
        session.scalars(
            sa.select(Review.workshop_id).where(
                Review.workshop_id.in_(ids),
                sa.or_(
                    Review.planned.is_not(None),
                    Review.happened.is_not(None),
                    Review.why_different.is_not(None),
                    Review.next_time.is_not(None),
                ),
            )
        )
    )
    peer_assists = []
    for w in rows:
        planned, welcome_s = _planned(w.agenda)
        peer_assists.append(
            rules.PeerAssist(
                id=w.id,
                held_on=dates.held_on(
                    changes[w.id][0][0] if changes[w.id] else None,
                    w.starts_at,
                    w.created_at,
                    w.time_zone,
                    met=True,  # the others were left out above
                ),
                unit=w.unit,
                planned_s=planned,
                phase_changes=changes[w.id],
                welcome_s=welcome_s,
                report_back_by=promised.get(w.id),
                reported_on=reported.get(w.id),
                title=w.title,
                reviewed=w.id in reviewed,
            )
        )
    # A removed participant's name is gone with their token: nobody to count or recognise.
    people = [
        rules.Person(p.workshop_id, p.role, p.name)
        for p in session.execute(
            sa.select(Participant.workshop_id, Participant.role, Participant.name).where(
                Participant.workshop_id.in_(ids), Participant.removed_at.is_(None)
            )
        )
    ]
    satisfaction = [
        (f.workshop_id, int(f.satisfaction))
        for f in session.execute(
            sa.select(Feedback.workshop_id, Feedback.satisfaction).where(
                Feedback.workshop_id.in_(ids)
            )
        )
    ]
    actions = [
        rules.ActionRow(
            a.workshop_id,
            a.status,
            rules.done_on(updates[a.id], a.updated_at) if a.status == "done" else None,
        )
        for a in session.execute(
            sa.select(Action.id, Action.workshop_id, Action.status, Action.updated_at).where(
                Action.workshop_id.in_(ids)
            )
        )
    ]
    return Programme(peer_assists, people, satisfaction, actions)
