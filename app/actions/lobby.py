"""The lobby: people who typed the short room code wait here until the facilitator admits them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Knock, Participant, Workshop
from ..db.records import participant_record, workshop_record
from ..domain.errors import NotAllowedInPhase, NotFound
from ..domain.events import LobbyChanged, ParticipantJoined, WorkshopUpdated
from ..domain.phases import Phase
from ..domain.rules import Actor, Role, check_writer
from ..security import hash_secret
from .base import Events, meeting_of


def waiting(session: Session, *, workshop_id: str) -> list[dict]:
    return queries.waiting(session, workshop_id=workshop_id)


def _lobby_event(session: Session, workshop_id: str) -> LobbyChanged:
    return LobbyChanged(waiting(session, workshop_id=workshop_id))


def _admit(session: Session, knock: Knock, now: datetime) -> tuple[dict, Events]:
    participant = Participant(
        workshop_id=knock.workshop_id,
        role=Role.visitor.value,
        name=knock.name,
        token_hash=knock.token_hash,
        joined_at=now,
    )
    session.add(participant)
    session.flush()
    knock.participant_id = participant.id
    session.add(knock)
    record = participant_record(participant)
    return record, [ParticipantJoined(record)]


def knock(
    session: Session, workshop: Workshop, *, name: str, token: str, now: datetime
) -> tuple[int, dict, Events]:
    """Wait in the lobby, or walk straight in when the facilitator lets everyone in."""
    if meeting_of(workshop).phase is Phase.closed:
        raise NotAllowedInPhase("This peer assist has closed.")
    row = Knock(workshop_id=workshop.id, name=name, token_hash=hash_secret(token), created_at=now)
    session.add(row)
    session.flush()
    # The token rides in the answer (sealed, if the caller sealed it) so that a repeat of the
    # same knock hands the browser the same one.
    if workshop.auto_admit:
        record, events = _admit(session, row, now)
        return 201, {"admitted": True, "participant": record, "token": token}, events
    body = {"admitted": False, "knock_id": row.id, "token": token}
    return 202, body, [_lobby_event(session, workshop.id)]


def admit(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    knock_id: int,
    admit: bool,
    now: datetime,
) -> tuple[int, dict, Events]:
    """Let one waiting person in as a visitor, or turn them away."""
    check_writer(actor, (Role.facilitator,), "admit people from the lobby")
    row = queries.get_knock(session, knock_id=knock_id)
    if (
        row is None
        or row.workshop_id != workshop.id
        or row.participant_id is not None
        or (row.turned_away_at is not None)
    ):
        raise NotFound("Nobody with that number is waiting.", code="knock_not_found")
    if admit:
        record, events = _admit(session, row, now)
    else:
        row.turned_away_at = now
        session.add(row)
        record, events = {}, []
    session.flush()
    events.append(_lobby_event(session, workshop.id))
    return 200, {"admitted": admit, "participant": record or None}, events


def set_auto_admit(
    session: Session, workshop: Workshop, *, actor: Actor, auto_admit: bool, now: datetime
) -> tuple[int, dict, Events]:
    """Let everyone with the room code in; switching it on admits whoever is waiting."""
    check_writer(actor, (Role.facilitator,), "change how the lobby works")
    workshop.auto_admit = auto_admit
    session.add(workshop)
    events: Events = [WorkshopUpdated(workshop_record(workshop))]
    if auto_admit:
        for row in queries.waiting_knocks(session, workshop_id=workshop.id):
            events += _admit(session, row, now)[1]
        session.flush()
        events.append(_lobby_event(session, workshop.id))
    return 200, workshop_record(workshop), events


def knock_status(session: Session, *, token: str) -> Knock | None:
    return queries.knock_by_token(session, token_hash=hash_secret(token))
