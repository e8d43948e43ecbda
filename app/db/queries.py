"""Every query the app runs, keyword-only, in one place."""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from ..domain.errors import NotFound
from ..domain.events import Event as LiveEvent
from ..domain.events import PhaseChanged
from . import workshop_row
from .lean import Lean, connection_of
from .models import (
    Action,
    AgendaTemplate,
    Card,
    Commitment,
    Event,
    Feedback,
    IdempotentResponse,
    Invite,
    Invitee,
    Knock,
    Participant,
    ReportBack,
    Review,
    ShareLink,
    Theme,
    Vote,
    Workshop,
)
from .records import (
    action_record,
    card_record,
    commitment_record,
    participant_record,
    theme_record,
    workshop_record,
)

# What ids can look like. Anything else is not found, and never reaches the database (which
# may refuse it loudly: PostgreSQL text holds no NUL, integers have a range).
WORKSHOP_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
MAX_ROW_ID = 2**31 - 1


def plausible(row_id: int) -> bool:
    """Whether an id could name a row: one past what the database can bind would fail there."""
    return 1 <= row_id <= MAX_ROW_ID


ROW_ID_TEXT = re.compile(r"[0-9]{1,12}")


def row_id_from_text(text: str) -> int | None:
    """An id typed into a form, or None: ASCII digits in the range a row id can have.

    str.isdigit() is not enough: it accepts "²", which int() refuses, and any length, which
    the database refuses (SQLite cannot bind an integer past 2**63).
    """
    if not ROW_ID_TEXT.fullmatch(text):
        return None
    row_id = int(text)
    return row_id if plausible(row_id) else None


def get_workshop(session: Session, *, workshop_id: str) -> Workshop:
    """Load the workshop for a read: every snapshot and every state read starts here."""
    workshop = (
        workshop_row.read_workshop(session, workshop_id=workshop_id)
        if WORKSHOP_ID.fullmatch(workshop_id)
        else None
    )
    if workshop is None:
        raise NotFound("There is no peer assist with that id.", code="workshop_not_found")
    return workshop


# Statements on the path of every write are built once: building one cost more than running it.
_PARTICIPANT_BY_TOKEN = select(Participant).where(
    col(Participant.token_hash) == sa.bindparam("token_hash")
)


def lock_workshop(session: Session, *, workshop_id: str) -> Workshop:
    """Load the workshop for a write. Its row lock serialises writers, so seq has no gaps."""
    workshop = (
        workshop_row.lock_workshop(session, workshop_id=workshop_id)
        if WORKSHOP_ID.fullmatch(workshop_id)
        else None
    )
    if workshop is None:
        raise NotFound("There is no peer assist with that id.", code="workshop_not_found")
    return workshop


def participant_by_token(session: Session, *, token_hash: str) -> Participant | None:
    return session.scalars(_PARTICIPANT_BY_TOKEN, {"token_hash": token_hash}).first()


def invite_by_code(session: Session, *, code_hash: str) -> Invite | None:
    return session.exec(select(Invite).where(Invite.code_hash == code_hash)).first()


def invites(session: Session, *, workshop_id: str, role: str) -> list[Invite]:
    return list(
        session.exec(select(Invite).where(Invite.workshop_id == workshop_id, Invite.role == role))
    )


def participants(session: Session, *, workshop_id: str) -> list[Participant]:
    """Who is in the workshop now; removed participants are left out."""
    return list(
        session.exec(
            select(Participant)
            .where(Participant.workshop_id == workshop_id, col(Participant.removed_at).is_(None))
            .order_by(col(Participant.id))
        )
    )


def get_card(session: Session, *, workshop_id: str, card_id: int) -> Card:
    card = session.get(Card, card_id) if plausible(card_id) else None
    if card is None or card.workshop_id != workshop_id:
        raise NotFound("There is no card with that id in this peer assist.", code="card_not_found")
    return card


# The commonest write is a new card, on every laptop at once. The ORM's unit of work cost
# several times the insert itself, so the rows a card adds are written with plain inserts.
_CARD = Card.__table__
_EVENT = Event.__table__
_PARTICIPANT = Participant.__table__
_Author = namedtuple("_Author", "id name role")


def _of_author(column: sa.Column) -> sa.ScalarSelect:
    return sa.select(column).where(column.table.c.id == sa.bindparam("author")).scalar_subquery()


# Every card and every event runs these, so they skip SQLAlchemy's per-execution work (lean.py).
# A new card comes back with its author's name and role: one statement, where a second to
# read the author was one more round trip to PostgreSQL on every card.
_INSERT_CARD = Lean(
    sa.insert(_CARD).returning(
        *_CARD.columns,
        _of_author(_PARTICIPANT.c.name).label("author_name"),
        _of_author(_PARTICIPANT.c.role).label("author_role"),
    ),
    keys=[c.key for c in _CARD.columns if c.key != "id"],
)
_AUTHOR = Lean(
    sa.select(_PARTICIPANT.c.id, _PARTICIPANT.c.name, _PARTICIPANT.c.role).where(
        _PARTICIPANT.c.id == sa.bindparam("author_id")
    )
)
_INSERT_EVENTS = Lean(sa.insert(_EVENT), keys=["workshop_id", "seq", "type", "at", "data"])
_SET_HEAD = Lean(
    sa.update(Workshop.__table__)
    .where(Workshop.__table__.c.id == sa.bindparam("workshop_id"))
    .values(last_seq=sa.bindparam("head"))
)


def card_with_author(session: Session, *, card: Card | sa.Row) -> dict:
    (author,) = _AUTHOR.rows(connection_of(session), {"author_id": card.author_id})
    return card_record(card, author)


def insert_card(session: Session, *, values: dict) -> dict:
    """Insert a new card (every column but its id) and return its record, author included."""
    (card,) = _INSERT_CARD.rows(connection_of(session), {**values, "author": values["author_id"]})
    return card_record(card, _Author(card.author_id, card.author_name, card.author_role))


def cards(session: Session, *, workshop_id: str, ids: set[int] | None = None) -> list[dict]:
    """The workshop's cards with their authors; only those in `ids` when it is given."""
    query = (
        select(Card, Participant)
        .join(Participant, col(Participant.id) == Card.author_id)
        .where(Card.workshop_id == workshop_id)
    )
    if ids is not None:
        query = query.where(col(Card.id).in_(ids))
    rows = session.exec(query.order_by(col(Card.id)))
    return [card_record(card, author) for card, author in rows]


def theme_rows(session: Session, *, workshop_id: str) -> list[Theme]:
    return list(
        session.exec(select(Theme).where(Theme.workshop_id == workshop_id).order_by(col(Theme.id)))
    )


def themes(session: Session, *, workshop_id: str) -> list[dict]:
    return [theme_record(t) for t in theme_rows(session, workshop_id=workshop_id)]


def get_theme(session: Session, *, workshop_id: str, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id) if plausible(theme_id) else None
    if theme is None or theme.workshop_id != workshop_id:
        raise NotFound(
            "There is no theme with that id in this peer assist.", code="theme_not_found"
        )
    return theme


def cards_in_theme(session: Session, *, workshop_id: str, name: str) -> list[Card]:
    return list(
        session.exec(
            select(Card)
            .where(Card.workshop_id == workshop_id, Card.theme == name)
            .order_by(col(Card.id))
        )
    )


def existing_card_ids(session: Session, *, workshop_id: str, card_ids: list[int]) -> set[int]:
    card_ids = [i for i in card_ids if plausible(i)]
    if not card_ids:
        return set()
    found = session.exec(
        select(Card.id).where(Card.workshop_id == workshop_id, col(Card.id).in_(card_ids))
    )
    return {i for i in found if i is not None}


# Asked by every snapshot, so by every live socket that connects: a lean statement (lean.py).
# The ORM's select cost a third of a connect's read (the profile of a crowd connecting).
_VOTES_OF = Lean(
    select(Vote.card_id)
    .where(
        col(Vote.workshop_id) == sa.bindparam("workshop_id"),
        col(Vote.participant_id) == sa.bindparam("participant_id"),
    )
    .order_by(col(Vote.card_id))
)


def votes_of(session: Session, *, workshop_id: str, participant_id: int) -> list[int]:
    """The cards this participant voted for, votes this transaction changed included."""
    # What the ORM's own query would do first (autoflush); a no-op when nothing is pending.
    session.flush()
    found = _VOTES_OF.rows(
        connection_of(session), {"workshop_id": workshop_id, "participant_id": participant_id}
    )
    return [row.card_id for row in found]


def get_invitee(session: Session, *, workshop_id: str, invitee_id: int) -> Invitee | None:
    """A person on this workshop's invitation list (None for another workshop's)."""
    row = session.get(Invitee, invitee_id) if plausible(invitee_id) else None
    return row if row is not None and row.workshop_id == workshop_id else None


def get_knock(session: Session, *, knock_id: int) -> Knock | None:
    return session.get(Knock, knock_id) if plausible(knock_id) else None


def get_vote(session: Session, *, card_id: int, participant_id: int) -> Vote | None:
    return session.get(Vote, (card_id, participant_id))


def actions(session: Session, *, workshop_id: str) -> list[dict]:
    rows = session.exec(
        select(Action).where(Action.workshop_id == workshop_id).order_by(col(Action.id))
    )
    return [action_record(a) for a in rows]


def get_action(session: Session, *, workshop_id: str, action_id: int) -> Action:
    action = session.get(Action, action_id) if plausible(action_id) else None
    if action is None or action.workshop_id != workshop_id:
        raise NotFound(
            "There is no action with that id in this peer assist.", code="action_not_found"
        )
    return action


def commitment(session: Session, *, workshop_id: str) -> dict | None:
    row = session.get(Commitment, workshop_id)
    setter = session.get(Participant, row.set_by) if row else None
    return commitment_record(row, setter)


def board(session: Session, *, workshop: Workshop) -> dict:
    """Everything about a workshop, unfiltered; the caller shapes it for a viewer."""
    return {
        "workshop": workshop_record(workshop),
        "participants": [
            participant_record(p) for p in participants(session, workshop_id=workshop.id)
        ],
        "cards": cards(session, workshop_id=workshop.id),
        "actions": actions(session, workshop_id=workshop.id),
        "commitment": commitment(session, workshop_id=workshop.id),
        "themes": themes(session, workshop_id=workshop.id),
    }


def append_events(
    session: Session, *, workshop: Workshop, events: Sequence[LiveEvent], at: datetime
) -> list[dict]:
    """Number the events after the workshop's head and write them in this transaction."""
    head = workshop.last_seq
    rows = [
        {"workshop_id": workshop.id, "seq": head + i, "type": e.type, "at": at, "data": e.data()}
        for i, e in enumerate(events, start=1)
    ]
    conn = connection_of(session)
    _INSERT_EVENTS.run_many(conn, rows)
    head += len(rows)
    _SET_HEAD.run(conn, {"workshop_id": workshop.id, "head": head})
    # Written above; the session need not write it again when the workshop itself changed.
    set_committed_value(workshop, "last_seq", head)
    return [event_dict(row) for row in rows]


def event_dict(row: Mapping) -> dict:
    """An event as the stream carries it, from its row's columns."""
    return {
        "seq": row["seq"],
        "type": row["type"],
        "at": row["at"].isoformat(),
        "data": row["data"],
        "workshop_id": row["workshop_id"],
    }


def events_after(
    session: Session, *, workshop_id: str, after: int, until: int | None = None, limit: int = 1000
) -> list[dict]:
    query = sa.select(_EVENT).where(_EVENT.c.workshop_id == workshop_id, _EVENT.c.seq > after)
    if until is not None:
        query = query.where(_EVENT.c.seq <= until)
    rows = session.execute(query.order_by(_EVENT.c.seq).limit(limit))
    return [event_dict(r._mapping) for r in rows]


def waiting(session: Session, *, workshop_id: str) -> list[dict]:
    """Who waits in the lobby now, oldest first."""
    return [
        {"id": k.id, "name": k.name, "at": k.created_at.isoformat()}
        for k in waiting_knocks(session, workshop_id=workshop_id)
    ]


def oldest_kept_seq(session: Session, *, workshop_id: str) -> int | None:
    return session.exec(select(func.min(Event.seq)).where(Event.workshop_id == workshop_id)).one()


def prune_events(session: Session, *, workshop_id: str, keep_after: int) -> None:
    session.execute(
        sa.delete(Event).where(col(Event.workshop_id) == workshop_id, col(Event.seq) <= keep_after)
    )


def idempotent_response(session: Session, *, scope: str, key: str) -> IdempotentResponse | None:
    return session.exec(
        select(IdempotentResponse).where(
            IdempotentResponse.scope == scope, IdempotentResponse.key == key
        )
    ).first()


def workshop_by_room_code(session: Session, *, room_code: str) -> Workshop | None:
    return session.exec(select(Workshop).where(Workshop.room_code == room_code)).first()


def waiting_knocks(session: Session, *, workshop_id: str) -> list[Knock]:
    return list(
        session.exec(
            select(Knock)
            .where(
                Knock.workshop_id == workshop_id,
                col(Knock.participant_id).is_(None),
                col(Knock.turned_away_at).is_(None),
            )
            .order_by(col(Knock.id))
        )
    )


def knock_by_token(session: Session, *, token_hash: str) -> Knock | None:
    return session.exec(select(Knock).where(Knock.token_hash == token_hash)).first()


def private_cards(session: Session, *, workshop_id: str) -> list[Card]:
    return list(
        session.exec(
            select(Card)
            .where(Card.workshop_id == workshop_id, col(Card.private))
            .order_by(col(Card.id))
        )
    )


def agenda_templates(session: Session) -> list[AgendaTemplate]:
    return list(session.exec(select(AgendaTemplate).order_by(col(AgendaTemplate.name))))


def agenda_template(session: Session, *, template_id: int) -> AgendaTemplate | None:
    return session.get(AgendaTemplate, template_id) if plausible(template_id) else None


# After the meeting: feedback, share links, the review and the report back.


def feedback(session: Session, *, workshop_id: str) -> list[dict]:
    """Every answer with who gave it; the caller decides whether names are shown."""
    rows = session.exec(
        select(Feedback, Participant)
        .join(Participant, col(Participant.id) == Feedback.participant_id)
        .where(Feedback.workshop_id == workshop_id)
        .order_by(col(Feedback.created_at), col(Feedback.participant_id))
    )
    return [
        {
            "participant_id": f.participant_id,
            "name": p.name,
            "role": p.role,
            "satisfaction": f.satisfaction,
            "most_valuable": f.most_valuable,
            "will_do_differently": f.will_do_differently,
            "ideas": f.ideas,
            "updated_at": f.updated_at.isoformat(),
        }
        for f, p in rows
    ]


def share_link_by_hash(session: Session, *, token_hash: str) -> ShareLink | None:
    return session.exec(select(ShareLink).where(ShareLink.token_hash == token_hash)).first()


def share_links(session: Session, *, workshop_id: str) -> list[ShareLink]:
    return list(
        session.exec(
            select(ShareLink)
            .where(ShareLink.workshop_id == workshop_id)
            .order_by(col(ShareLink.id))
        )
    )


def review(session: Session, *, workshop_id: str) -> Review | None:
    return session.get(Review, workshop_id)


def report_back(session: Session, *, workshop_id: str) -> dict | None:
    row = session.get(ReportBack, workshop_id)
    if row is None:
        return None
    return {"did": row.did, "learned": row.learned, "reported_at": row.reported_at.isoformat()}


def phase_changes(session: Session, *, workshop_id: str) -> list[tuple[datetime, str, str]]:
    """(when, from, to) of every phase change still kept in the event table, in order."""
    rows = session.execute(
        sa.select(_EVENT.c.at, _EVENT.c.data)
        .where(_EVENT.c.workshop_id == workshop_id, _EVENT.c.type == PhaseChanged.type)
        .order_by(_EVENT.c.seq)
    )
    return [(at, data["previous"], data["phase"]) for at, data in rows]


def vote_rows(session: Session, *, workshop_id: str) -> list[tuple[int, int, datetime]]:
    """(card id, voter id, when) of every vote standing now."""
    rows = session.exec(
        select(Vote.card_id, Vote.participant_id, Vote.created_at).where(
            Vote.workshop_id == workshop_id
        )
    )
    return [(c, p, at) for c, p, at in rows]


def participant_rows(session: Session, *, workshop_id: str) -> list[dict]:
    """Participants with when they joined, for the after action review."""
    return [
        {**participant_record(p), "joined_at": p.joined_at.isoformat()}
        for p in participants(session, workshop_id=workshop_id)
    ]
