"""The host team's action list and its commitment to report back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from ..db import library, queries
from ..db.models import Action, Commitment, Workshop
from ..db.records import action_record
from ..domain import rules
from ..domain.dates import check_date
from ..domain.errors import NotFound, listed
from ..domain.events import ActionAdded, ActionUpdated, CommitmentSet
from ..domain.rules import ActionStatus, Actor
from .base import Events, meeting_of


@dataclass(frozen=True)
class ActionChanges:
    title: str | None = None
    owner: str | None = None
    due_date: date | None = None
    status: ActionStatus | None = None
    card_ids: list[int] | None = None
    note: str | None = None
    # Owner, due date and note can be cleared: these name the fields sent as null.
    cleared: frozenset[str] = frozenset()


def _check(session: Session, workshop: Workshop, actor: Actor) -> None:
    meeting = meeting_of(workshop)
    rules.check_action_list(meeting.phase, actor, meeting.mute)
    rules.check_held(meeting.phase, lambda: library.has_met(session, workshop.id))


def _check_cards(session: Session, workshop: Workshop, card_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(card_ids))
    found = queries.existing_card_ids(session, workshop_id=workshop.id, card_ids=wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            f"{'This card is' if len(missing) == 1 else 'These cards are'} not in this peer "
            f"assist: {listed(missing)}.",
            code="card_not_found",
        )
    return wanted


def add_action(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    title: str,
    owner: str | None,
    due_date: date | None,
    card_ids: list[int],
    now: datetime,
) -> tuple[int, dict, Events]:
    _check(session, workshop, actor)
    if due_date is not None:
        check_date("due_date", due_date, now.date())
    action = Action(
        workshop_id=workshop.id,
        title=title,
        owner=owner,
        due_date=due_date,
        status=ActionStatus.open.value,
        card_ids=_check_cards(session, workshop, card_ids),
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    record = action_record(action)
    return 201, record, [ActionAdded(record)]


def edit_action(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    action_id: int,
    changes: ActionChanges,
    now: datetime,
) -> tuple[int, dict, Events]:
    _check(session, workshop, actor)
    action = queries.get_action(session, workshop_id=workshop.id, action_id=action_id)
    if changes.title is not None:
        action.title = changes.title
    if changes.owner is not None or "owner" in changes.cleared:
        action.owner = changes.owner
    if changes.due_date is not None:
        check_date("due_date", changes.due_date, now.date())
    if changes.due_date is not None or "due_date" in changes.cleared:
        action.due_date = changes.due_date
    if changes.status is not None:
        action.status = changes.status.value
    if changes.note is not None or "note" in changes.cleared:
        action.note = changes.note
    if changes.card_ids is not None:
        action.card_ids = _check_cards(session, workshop, changes.card_ids)
    action.updated_at = now
    session.add(action)
    session.flush()
    record = action_record(action)
    return 200, record, [ActionUpdated(record)]


def set_commitment(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    report_back_by: date,
    note: str | None,
    now: datetime,
) -> tuple[int, dict, Events]:
    _check(session, workshop, actor)
    rules.check_report_back_by(report_back_by, now.date())
    row = session.get(Commitment, workshop.id) or Commitment(
        workshop_id=workshop.id, report_back_by=report_back_by, set_by=actor.id, set_at=now
    )
    row.report_back_by, row.note, row.set_by, row.set_at = report_back_by, note, actor.id, now
    session.add(row)
    session.flush()
    record = queries.commitment(session, workshop_id=workshop.id)
    assert record is not None
    return 200, record, [CommitmentSet(record)]
