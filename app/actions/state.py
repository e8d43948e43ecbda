"""The whole state of a workshop as one participant may see it (`GET /workshops/{id}`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Workshop
from ..domain.rules import VOTES_PER_VISITOR, Actor, Role
from ..domain.visibility import card_view, lobby_view
from .base import meeting_of
from .lobby import waiting


def state_for(session: Session, *, workshop: Workshop, viewer: Actor, now: datetime) -> dict:
    """Everything a participant's screen needs, filtered for them. Presence is added by the hub."""
    meeting = meeting_of(workshop)
    board = queries.board(session, workshop=workshop)
    me = next(p for p in board["participants"] if p["id"] == viewer.id)
    voted = queries.votes_of(session, workshop_id=workshop.id, participant_id=viewer.id)
    budget = VOTES_PER_VISITOR if viewer.role is Role.visitor else 0
    return {
        "workshop": board["workshop"],
        "phase": meeting.phase.value,
        "agenda": meeting.agenda_dicts(),
        "timer": meeting.timer_dict(now),
        "mute": meeting.mute.as_dict(),
        "participants": board["participants"],
        "cards": [card_view(card, viewer) for card in board["cards"]],
        "actions": board["actions"],
        "commitment": board["commitment"],
        "lobby": lobby_view({"waiting": waiting(session, workshop_id=workshop.id)}, viewer),
        "seq": workshop.last_seq,
        "me": {**me, "votes_left": budget - len(voted), "voted_card_ids": voted},
    }
