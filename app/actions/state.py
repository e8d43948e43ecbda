"""The whole state of a workshop as one participant may see it (`GET /workshops/{id}`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Workshop
from ..db.records import workshop_record
from ..domain.rules import VOTES_PER_VISITOR, Actor, Role
from ..domain.visibility import card_view, lobby_view
from .base import meeting_of
from .lobby import waiting


class Boards:
    """Each workshop's board and lobby as of its latest seq, shared by everyone's snapshot.

    When a crowd connects at once (a room after a restart, a hall of laptops), every snapshot
    read the same cards at the same seq, and that read was most of what a connection cost.
    Every write that changes the board or the lobby appends an event, so a workshop's seq
    names exactly one board. Only the latest seq of each workshop is kept.
    """

    def __init__(self, size: int = 2_000) -> None:
        self.size = size
        self._latest: dict[str, tuple[int, dict]] = {}

    def get(self, workshop_id: str, seq: int) -> dict | None:
        found = self._latest.get(workshop_id)
        return found[1] if found is not None and found[0] == seq else None

    def put(self, workshop_id: str, seq: int, board: dict) -> None:
        found = self._latest.pop(workshop_id, None)
        if found is not None and found[0] > seq:
            board, seq = found[1], found[0]  # a slower reader must not put an older one back
        elif found is None and len(self._latest) >= self.size:
            del self._latest[next(iter(self._latest))]
        self._latest[workshop_id] = (seq, board)


def _shared_board(session: Session, workshop: Workshop, boards: Boards | None) -> dict:
    board = boards.get(workshop.id, workshop.last_seq) if boards is not None else None
    if board is None:
        board = queries.board(session, workshop=workshop)
        board["waiting"] = waiting(session, workshop_id=workshop.id)
        if boards is not None:
            boards.put(workshop.id, workshop.last_seq, board)
    return board


def state_for(
    session: Session,
    *,
    workshop: Workshop,
    viewer: Actor,
    now: datetime,
    boards: Boards | None = None,
) -> dict:
    """Everything a participant's screen needs, filtered for them. Presence is added by the hub.

    `boards` lets snapshots at the same seq share one read of the board; the board is never
    changed here, only shaped into new lists and dicts for this viewer."""
    meeting = meeting_of(workshop)
    board = _shared_board(session, workshop, boards)
    me = next(p for p in board["participants"] if p["id"] == viewer.id)
    voted = queries.votes_of(session, workshop_id=workshop.id, participant_id=viewer.id)
    budget = VOTES_PER_VISITOR if viewer.role is Role.visitor else 0
    return {
        "workshop": workshop_record(workshop),
        "phase": meeting.phase.value,
        "agenda": meeting.agenda_dicts(),
        "timer": meeting.timer_dict(now),
        "mute": meeting.mute.as_dict(),
        "participants": list(board["participants"]),
        "cards": [card_view(card, viewer) for card in board["cards"]],
        "actions": list(board["actions"]),
        "commitment": board["commitment"],
        "themes": list(board["themes"]),
        "lobby": lobby_view({"waiting": list(board["waiting"])}, viewer),
        "seq": workshop.last_seq,
        "me": {**me, "votes_left": budget - len(voted), "voted_card_ids": voted},
    }
