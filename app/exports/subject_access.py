"""Subject access: everything stored about one participant name, or one account, as JSON."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..db.account_models import Account, AccountSession, ApiToken, OneTimeLink, WorkshopOwner
from ..db.models import (
    Action,
    AgendaTemplate,
    Card,
    Commitment,
    Feedback,
    Invitee,
    Knock,
    Participant,
    ReminderAddress,
    ReportBack,
    Review,
    Vote,
    Workshop,
)
from ..db.records import action_record, card_record

NOTES = [
    "Participants have no account: these are the people who joined under this name, in any "
    "peer assist this installation still keeps. Someone else may have used the same name.",
    "Each peer assist also keeps a log of its changes, in order; it holds the same cards, "
    "votes and actions listed here, as they were at each change.",
    "Actions are assigned to owners by name, so 'actions_owned' lists every action whose "
    "owner is this name, whoever wrote it.",
]


def _same_name(column: sa.ColumnElement[str], name: str) -> sa.ColumnElement[bool]:
    # Case-insensitive where the database can (SQLite lowers ASCII letters only).
    return func.lower(column) == name.lower()


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _workshop(w: Workshop) -> dict:
    return {
        "id": w.id,
        "title": w.title,
        "phase": w.phase,
        "created_at": _when(w.created_at),
        "closed_at": _when(w.closed_at),
    }


def _participation(session: Session, person: Participant, workshop: Workshop) -> dict:
    cards = session.exec(
        select(Card).where(Card.author_id == person.id).order_by(col(Card.id))
    ).all()
    votes = session.exec(
        select(Vote, Card)
        .join(Card, col(Card.id) == Vote.card_id)
        .where(Vote.participant_id == person.id)
        .order_by(col(Vote.card_id))
    ).all()
    created = session.exec(
        select(Action).where(Action.created_by == person.id).order_by(col(Action.id))
    ).all()
    commitments = session.exec(select(Commitment).where(Commitment.set_by == person.id)).all()
    feedback = session.get(Feedback, person.id)
    reviews = session.exec(select(Review).where(Review.updated_by == person.id)).all()
    reports = session.exec(select(ReportBack).where(ReportBack.reported_by == person.id)).all()
    addresses = session.exec(
        select(ReminderAddress).where(ReminderAddress.added_by == person.id)
    ).all()
    return {
        "workshop": _workshop(workshop),
        "participant": {
            "id": person.id,
            "name": person.name,
            "role": person.role,
            "joined_at": _when(person.joined_at),
            "signal": person.signal,
        },
        "cards": [card_record(card, person) for card in cards],
        "votes": [
            {"card_id": vote.card_id, "card_text": card.text, "at": _when(vote.created_at)}
            for vote, card in votes
        ],
        "actions_created": [action_record(action) for action in created],
        "commitments_set": [
            {
                "report_back_by": c.report_back_by.isoformat(),
                "note": c.note,
                "set_at": _when(c.set_at),
            }
            for c in commitments
        ],
        "feedback": None
        if feedback is None
        else {
            "satisfaction": feedback.satisfaction,
            "most_valuable": feedback.most_valuable,
            "will_do_differently": feedback.will_do_differently,
            "ideas": feedback.ideas,
            "updated_at": _when(feedback.updated_at),
        },
        "reviews_written": [
            {
                "planned": r.planned,
                "happened": r.happened,
                "why_different": r.why_different,
                "next_time": r.next_time,
                "updated_at": _when(r.updated_at),
            }
            for r in reviews
        ],
        "reports_back": [
            {"did": r.did, "learned": r.learned, "reported_at": _when(r.reported_at)}
            for r in reports
        ],
        "reminder_addresses_added": [
            {"email": a.email, "added_at": _when(a.added_at)} for a in addresses
        ],
    }


def subject_access(session: Session, *, name: str) -> dict:
    """Everything stored about people who joined under `name` (case-insensitive)."""
    name = name.strip()
    people = session.exec(
        select(Participant, Workshop)
        .join(Workshop, col(Workshop.id) == Participant.workshop_id)
        .where(_same_name(col(Participant.name), name))
        .order_by(col(Participant.joined_at), col(Participant.id))
    ).all()
    owned = session.exec(
        select(Action, Workshop)
        .join(Workshop, col(Workshop.id) == Action.workshop_id)
        .where(col(Action.owner).is_not(None), _same_name(col(Action.owner), name))
        .order_by(col(Action.id))
    ).all()
    knocks = session.exec(
        select(Knock, Workshop)
        .join(Workshop, col(Workshop.id) == Knock.workshop_id)
        .where(_same_name(col(Knock.name), name))
        .order_by(col(Knock.id))
    ).all()
    invited = session.exec(
        select(Invitee, Workshop)
        .join(Workshop, col(Workshop.id) == Invitee.workshop_id)
        .where(_same_name(col(Invitee.name), name))
        .order_by(col(Invitee.id))
    ).all()
    named_facilitator = session.exec(
        select(Workshop).where(_same_name(col(Workshop.facilitator_name), name))
    ).all()
    return {
        "name": name,
        "participations": [_participation(session, p, w) for p, w in people],
        "actions_owned": [{"workshop": _workshop(w), "action": action_record(a)} for a, w in owned],
        "lobby": [
            {
                "workshop": _workshop(w),
                "name": k.name,
                "waited_at": _when(k.created_at),
                "outcome": "admitted"
                if k.participant_id is not None
                else ("turned away" if k.turned_away_at else "waiting"),
            }
            for k, w in knocks
        ],
        "invitations": [
            {
                "workshop": _workshop(w),
                "name": i.name,
                "email": i.email,
                "unit": i.unit,
                "role": i.role,
                "years": i.years,
                "added_at": _when(i.added_at),
            }
            for i, w in invited
        ],
        "named_as_facilitator": [_workshop(w) for w in named_facilitator],
        "notes": NOTES,
    }


ACCOUNT_NOTES = [
    "Passwords, session secrets, API tokens and one-time links are kept only as hashes; "
    "the hashes are not part of this export.",
    "Peer assists this account ran are listed under 'workshops_owned'; what people wrote in "
    "them is theirs, found by their names (the other export).",
]


def account_access(session: Session, *, account_id: int) -> dict | None:
    """Everything stored about one account, or None when there is no such account."""
    account = session.get(Account, account_id) if 1 <= account_id <= 2**31 - 1 else None
    if account is None:
        return None
    sessions = session.exec(
        select(AccountSession)
        .where(AccountSession.account_id == account_id)
        .order_by(col(AccountSession.id))
    ).all()
    tokens = session.exec(
        select(ApiToken).where(ApiToken.account_id == account_id).order_by(col(ApiToken.id))
    ).all()
    links = session.exec(
        select(OneTimeLink)
        .where(OneTimeLink.account_id == account_id)
        .order_by(col(OneTimeLink.id))
    ).all()
    owned = session.exec(
        select(WorkshopOwner, Workshop)
        .join(Workshop, col(Workshop.id) == WorkshopOwner.workshop_id)
        .where(WorkshopOwner.account_id == account_id)
        .order_by(col(WorkshopOwner.added_at), col(Workshop.id))
    ).all()
    templates = session.exec(
        select(AgendaTemplate)
        .where(AgendaTemplate.created_by == account_id)
        .order_by(col(AgendaTemplate.id))
    ).all()
    return {
        "account": {
            "id": account.id,
            "email": account.email,
            "name": account.name,
            "role": account.role,
            "active": account.active,
            "signs_in_with_password": account.password_hash is not None,
            "first_admin": account.first_admin,
            "created_at": _when(account.created_at),
        },
        "sessions": [
            {
                "created_at": _when(x.created_at),
                "expires_at": _when(x.expires_at),
                "ended_at": _when(x.ended_at),
            }
            for x in sessions
        ],
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "created_at": _when(t.created_at),
                "last_used_at": _when(t.last_used_at),
                "revoked_at": _when(t.revoked_at),
            }
            for t in tokens
        ],
        "one_time_links": [
            {
                "purpose": k.purpose,
                "created_at": _when(k.created_at),
                "expires_at": _when(k.expires_at),
                "used_at": _when(k.used_at),
            }
            for k in links
        ],
        "workshops_owned": [
            {"workshop": _workshop(w), "as": o.kind, "since": _when(o.added_at)} for o, w in owned
        ],
        "templates_created": [
            {
                "id": t.id,
                "name": t.name,
                "planned_s": t.planned_s,
                "created_at": _when(t.created_at),
            }
            for t in templates
        ],
        "notes": ACCOUNT_NOTES,
    }
