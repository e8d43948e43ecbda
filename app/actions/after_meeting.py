"""After the meeting: feedback, share links to the record, the review, the report back.

These writes change nothing the room watches live, so they add no events: a new event type
would reach every open screen, which has nothing to show for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from ..db import library, queries
from ..db.models import Feedback, ReportBack, Review, ShareLink, Workshop
from ..domain import after_meeting as rules
from ..domain import rules as meeting_rules
from ..domain.errors import NotFound
from ..domain.phases import Phase
from ..domain.rules import Actor
from ..exports.record import build_record
from ..security import Sealed, hash_secret
from .base import Events


@dataclass(frozen=True)
class Answer:
    satisfaction: int
    most_valuable: str | None = None
    will_do_differently: str | None = None
    ideas: str | None = None


def give_feedback(
    session: Session, workshop: Workshop, *, actor: Actor, answer: Answer, now: datetime
) -> tuple[int, dict, Events]:
    """Keep a participant's answer; a second answer replaces the first."""
    rules.check_feedback(Phase(workshop.phase), actor, answer.satisfaction)
    meeting_rules.check_held(Phase(workshop.phase), lambda: library.has_met(session, workshop.id))
    texts = {
        field: rules.clean_text(getattr(answer, field), rules.FEEDBACK_QUESTIONS[field], field)
        for field in rules.FEEDBACK_TEXTS
    }
    row = session.get(Feedback, actor.id) or Feedback(
        participant_id=actor.id,
        workshop_id=workshop.id,
        satisfaction=answer.satisfaction,
        created_at=now,
        updated_at=now,
    )
    row.satisfaction, row.updated_at = answer.satisfaction, now
    for field, text in texts.items():
        setattr(row, field, text)
    session.add(row)
    session.flush()
    body = {"satisfaction": row.satisfaction, **texts, "updated_at": now.isoformat()}
    return 201, body, []


def share_link_record(link: ShareLink) -> dict:
    return {
        "id": link.id,
        "created_at": link.created_at.isoformat(),
        "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
    }


def create_share_link(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    now: datetime,
    base_url: str,
    secret_key: str,
) -> tuple[int, dict, Events]:
    """A read-only link to the record; only its hash is kept, so it is shown once."""
    rules.check_share(actor)
    token = Sealed(secret_key)
    link = ShareLink(
        workshop_id=workshop.id, token_hash=hash_secret(token), created_by=actor.id, created_at=now
    )
    session.add(link)
    session.flush()
    url = token.link(secret_key, base_url, "/s/")
    return 201, {**share_link_record(link), "token": token, "url": url}, []


def revoke_share_link(
    session: Session, workshop: Workshop, *, actor: Actor, link_id: int, now: datetime
) -> tuple[int, dict, Events]:
    rules.check_share(actor)
    link = next(
        (k for k in queries.share_links(session, workshop_id=workshop.id) if k.id == link_id), None
    )
    if link is None:
        raise NotFound("There is no share link with that id.", code="share_link_not_found")
    if link.revoked_at is None:
        link.revoked_at = now
        session.add(link)
        session.flush()
    return 200, share_link_record(link), []


def review_record(row: Review | None) -> dict:
    return {field: getattr(row, field) if row else None for field in rules.REVIEW_FIELDS}


def save_review(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    texts: dict[str, str | None],
    now: datetime,
) -> tuple[int, dict, Events]:
    """The review's four questions, answered by the facilitator and the host team."""
    rules.check_review(actor)
    cleaned = {
        f: rules.clean_text(texts.get(f), rules.REVIEW_QUESTIONS[f], f) for f in rules.REVIEW_FIELDS
    }
    row = queries.review(session, workshop_id=workshop.id) or Review(
        workshop_id=workshop.id, updated_by=actor.id, updated_at=now
    )
    for field, text in cleaned.items():
        setattr(row, field, text)
    row.updated_by, row.updated_at = actor.id, now
    session.add(row)
    session.flush()
    return 200, review_record(row), []


def report_back(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    did: str | None,
    learned: str | None,
    now: datetime,
) -> tuple[int, dict, Events]:
    """The host team tells what it did and learned; telling again replaces it."""
    did = rules.clean_text(did, "What the host team did", "did")
    learned = rules.clean_text(learned, "What it learned", "learned")
    rules.check_report_back(Phase(workshop.phase), actor, did)
    meeting_rules.check_held(Phase(workshop.phase), lambda: library.has_met(session, workshop.id))
    assert did is not None
    row = session.get(ReportBack, workshop.id) or ReportBack(
        workshop_id=workshop.id, did=did, reported_by=actor.id, reported_at=now
    )
    row.did, row.learned, row.reported_by, row.reported_at = did, learned, actor.id, now
    session.add(row)
    session.flush()
    found = queries.report_back(session, workshop_id=workshop.id)
    assert found is not None
    return 200, found, []


def read_record(
    session: Session, *, workshop: Workshop, today: date, feedback_words: bool = False
) -> dict:
    """The record of this workshop, as `exports.record.build_record` shapes it; the feedback's
    written answers only with `feedback_words`."""
    board = queries.board(session, workshop=workshop)
    # Dated as the library and My peer assists date it.
    held = library.held(session, workshop_ids=[workshop.id])[workshop.id]
    return build_record(
        workshop=board["workshop"],
        participants=board["participants"],
        cards=board["cards"],
        actions=board["actions"],
        commitment=board["commitment"],
        today=today,
        held_on=held.day,
        met=held.met,
        feedback=queries.feedback(session, workshop_id=workshop.id),
        report_back=queries.report_back(session, workshop_id=workshop.id),
        feedback_words=feedback_words,
    )
