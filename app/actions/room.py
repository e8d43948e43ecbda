"""The facilitator's room tools (private writing, spotlight) and participants' signals."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Participant, Workshop
from ..db.records import participant_record, workshop_record
from ..domain import rules, themes
from ..domain.errors import Invalid, NotAllowedInPhase, NotFound
from ..domain.events import CardUpdated, ParticipantUpdated, WorkshopUpdated
from ..domain.rules import Actor, Role, Signal, check_writer
from .base import Events, meeting_of


def set_private_writing(
    session: Session, workshop: Workshop, *, actor: Actor, private_writing: bool, now: datetime
) -> tuple[int, dict, Events]:
    """Switch private writing on, or off: switching it off reveals every private card at once."""
    check_writer(actor, (Role.facilitator,), "switch private writing")
    if workshop.private_writing == private_writing:
        return 200, workshop_record(workshop), []
    workshop.private_writing = private_writing
    session.add(workshop)
    events: Events = [WorkshopUpdated(workshop_record(workshop))]
    if not private_writing:
        for card in queries.private_cards(session, workshop_id=workshop.id):
            card.private = False
            card.updated_at = now
            session.add(card)
            session.flush()
            events.append(CardUpdated(queries.card_with_author(session, card=card)))
    return 200, workshop_record(workshop), events


def set_spotlight(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    card_id: int | None,
    theme: str | None,
) -> tuple[int, dict, Events]:
    """Put one card or one theme large on the projector, or clear it (both None)."""
    check_writer(actor, (Role.facilitator,), "use the spotlight")
    if card_id is not None and theme is not None:
        raise Invalid("Spotlight a card or a theme, not both.", code="spotlight_both")
    spotlight = None
    if card_id is not None:
        card = queries.get_card(session, workshop_id=workshop.id, card_id=card_id)
        if card.hidden or card.private:
            raise NotAllowedInPhase(
                "Hidden or private cards cannot go in the spotlight.", code="card_not_on_board"
            )
        spotlight = {"card_id": card_id}
    elif theme is not None:
        found = themes.find(queries.themes(session, workshop_id=workshop.id), theme)
        if found is None:
            raise NotFound(
                "There is no theme with that name in this peer assist.", code="theme_not_found"
            )
        spotlight = {"theme": found["name"]}
    workshop.spotlight = spotlight
    session.add(workshop)
    record = workshop_record(workshop)
    return 200, record, [WorkshopUpdated(record)]


def set_signal(
    session: Session, workshop: Workshop, *, actor: Actor, signal: Signal
) -> tuple[int, dict, Events]:
    """Raise a hand, say 'done', or put either down."""
    meeting = meeting_of(workshop)
    rules.check_signal(meeting.phase, actor, meeting.mute, signal)
    participant = session.get(Participant, actor.id)
    assert participant is not None
    if participant.signal == signal.value:
        return 200, participant_record(participant), []
    participant.signal = signal.value
    session.add(participant)
    record = participant_record(participant)
    return 200, record, [ParticipantUpdated(record)]
