"""Cards on the board, and visitors' votes on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Card, Vote, Workshop
from ..domain import rules
from ..domain.events import CardAdded, CardUpdated, VoteChanged
from ..domain.rules import Actor, CardKind, Evidence, Role
from ..domain.visibility import card_view
from .base import Events, meeting_of
from .themes import put_card_in_theme


@dataclass(frozen=True)
class NewCard:
    kind: CardKind
    text: str
    evidence: Evidence | None = None
    source_url: str | None = None
    anonymous: bool = False


@dataclass(frozen=True)
class CardChanges:
    text: str | None = None
    kind: CardKind | None = None
    theme: str | None = None
    hidden: bool | None = None
    # Themes can be cleared, so "not given" and "set to null" differ.
    clear_theme: bool = False


def add_card(
    session: Session, workshop: Workshop, *, actor: Actor, new: NewCard, now: datetime
) -> tuple[int, dict, Events]:
    meeting = meeting_of(workshop)
    rules.check_add_card(meeting.phase, actor, meeting.mute, new.kind)
    values = {
        "workshop_id": workshop.id,
        "author_id": actor.id,
        "kind": new.kind.value,
        "text": new.text,
        "evidence": new.evidence.value if new.evidence else None,
        "source_url": new.source_url,
        "anonymous": new.anonymous,
        "theme": None,
        "hidden": False,
        # During private writing only the author and the facilitator see a card until reveal.
        "private": workshop.private_writing and actor.role is not Role.facilitator,
        "votes": 0,
        "phase": meeting.phase.value,
        "created_at": now,
        "updated_at": now,
    }
    record = queries.insert_card(session, values=values)
    return 201, card_view(record, actor), [CardAdded(record)]


def edit_card(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    card_id: int,
    changes: CardChanges,
    now: datetime,
) -> tuple[int, dict, Events]:
    meeting = meeting_of(workshop)
    card = queries.get_card(session, workshop_id=workshop.id, card_id=card_id)
    moderates = changes.theme is not None or changes.clear_theme or changes.hidden is not None
    rules.check_edit_card(
        meeting.phase,
        actor,
        meeting.mute,
        author_id=card.author_id,
        new_kind=changes.kind,
        moderates=moderates,
    )
    if changes.text is not None:
        card.text = changes.text
    if changes.kind is not None:
        card.kind = changes.kind.value
    events: Events = []
    if changes.theme is not None or changes.clear_theme:
        # A new name makes a new theme (theme.created comes before the card that uses it).
        events = put_card_in_theme(session, workshop, card, changes.theme, now)
    if changes.hidden is not None:
        card.hidden = changes.hidden
    card.updated_at = now
    session.add(card)
    session.flush()
    record = queries.card_with_author(session, card=card)
    return 200, card_view(record, actor), [*events, CardUpdated(record)]


def _vote_change(
    *, actor: Actor, card: Card, voted: bool, voted_ids: list[int]
) -> tuple[int, dict, Events]:
    """The answer and the event for a vote given or taken back; `voted_ids` is after it."""
    used = len(voted_ids)
    assert card.id is not None
    left = rules.VOTES_PER_VISITOR - used
    body = {"card_id": card.id, "votes": card.votes, "votes_left": left}
    return 200, body, [VoteChanged(card.id, card.votes, actor.id, voted, left, voted_ids)]


def vote(
    session: Session, workshop: Workshop, *, actor: Actor, card_id: int, now: datetime
) -> tuple[int, dict, Events]:
    meeting = meeting_of(workshop)
    card = queries.get_card(session, workshop_id=workshop.id, card_id=card_id)
    before = queries.votes_of(session, workshop_id=workshop.id, participant_id=actor.id)
    rules.check_vote(
        meeting.phase,
        actor,
        already_voted=card_id in before,
        votes_used=len(before),
        on_board=not (card.hidden or card.private),
    )
    session.add(
        Vote(card_id=card_id, participant_id=actor.id, workshop_id=workshop.id, created_at=now)
    )
    card.votes += 1
    session.add(card)
    session.flush()
    return _vote_change(actor=actor, card=card, voted=True, voted_ids=sorted([*before, card_id]))


def unvote(
    session: Session, workshop: Workshop, *, actor: Actor, card_id: int, now: datetime
) -> tuple[int, dict, Events]:
    meeting = meeting_of(workshop)
    card = queries.get_card(session, workshop_id=workshop.id, card_id=card_id)
    existing = queries.get_vote(session, card_id=card_id, participant_id=actor.id)
    rules.check_unvote(meeting.phase, actor, has_voted=existing is not None)
    before = queries.votes_of(session, workshop_id=workshop.id, participant_id=actor.id)
    session.delete(existing)
    card.votes -= 1
    session.add(card)
    session.flush()
    return _vote_change(
        actor=actor, card=card, voted=False, voted_ids=[i for i in before if i != card_id]
    )
