"""The after action review as the facilitator and the host team read it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Workshop
from ..domain import review as figures
from ..domain.phases import Phase
from .after_meeting import review_record
from .base import meeting_of


def _last_active(cards: list[dict], votes: list, feedback: list[dict]) -> dict[int, datetime]:
    seen: dict[int, datetime] = {}

    def saw(who: int, at: datetime) -> None:
        if who not in seen or at > seen[who]:
            seen[who] = at

    for card in cards:
        # An anonymous card's time would name its author (API.md: never sent to anyone).
        if not card["anonymous"]:
            saw(card["author_id"], datetime.fromisoformat(card["created_at"]))
    for _, voter, at in votes:
        saw(voter, at)
    for answer in feedback:
        saw(answer["participant_id"], datetime.fromisoformat(answer["updated_at"]))
    return seen


def review_data(session: Session, *, workshop: Workshop, now: datetime) -> dict:
    """Planned against actual time, cards, votes and attendance, with the team's own words."""
    meeting = meeting_of(workshop)
    planned = {item.phase.value: item.planned_s for item in meeting.agenda}
    welcome = next(item for item in meeting.agenda if item.phase is Phase.welcome)
    actual = figures.actual_seconds(
        queries.phase_changes(session, workshop_id=workshop.id),
        current=meeting.phase,
        now=now,
        welcome_s=welcome.actual_s
        + (int((now - welcome.entered_at).total_seconds()) if welcome.entered_at else 0),
    )
    cards = queries.cards(session, workshop_id=workshop.id)
    votes = queries.vote_rows(session, workshop_id=workshop.id)
    feedback = queries.feedback(session, workshop_id=workshop.id)
    people = queries.participant_rows(session, workshop_id=workshop.id)
    return {
        "phase": meeting.phase.value,
        "phases": figures.phase_rows(planned, actual),
        "cards": figures.cards_by_phase_and_role(cards),
        "votes": figures.vote_figures(votes, sum(p["role"] == "visitor" for p in people)),
        "attendance": figures.attendance(people, _last_active(cards, votes, feedback)),
        "review": review_record(queries.review(session, workshop_id=workshop.id)),
    }
