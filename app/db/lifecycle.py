"""Queries for the data's lifecycle: deleting a workshop whole, retention, removed people."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ..domain.lifecycle import purge_cutoff, sweep_due
from ..search import schema as search_schema
from .account_models import Account
from .checkpoint import erase_log_after_commit
from .lean import Lean
from .models import Event, Housekeeping, IdempotentResponse, Knock, Participant, Workshop

RETENTION_SWEEP = "retention_sweep"


def _belonging(workshop_id: str) -> list[tuple[sa.Table, sa.ColumnElement[bool]]]:
    """Each table with rows of this workshop, and which rows: children before their parents.

    A row belongs to the workshop when it refers to the workshop, or to a row that belongs to
    it (a vote to a card, a lobby knock to a participant). Found from the foreign keys, so a
    table added later is covered the day it is added."""
    workshop = Workshop.__table__
    which: dict[sa.Table, sa.ColumnElement[bool]] = {
        workshop: workshop.c.id == workshop_id  # type: ignore[attr-defined]
    }
    for table in SQLModel.metadata.sorted_tables:  # parents first
        if table is workshop:
            continue
        refs = []
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent is workshop:
                refs.append(fk.parent == workshop_id)
            elif parent in which:
                refs.append(fk.parent.in_(sa.select(fk.column).where(which[parent])))
        if refs:
            which[table] = sa.or_(*refs)
    return list(reversed(which.items()))


def delete_workshop_rows(session: Session, *, workshop_id: str) -> dict[str, int]:
    """Delete the workshop and every row of it in every table; how many went, by table.

    On SQLite the words must leave the file too, not only the rows: after the commit the search
    index is rewritten without them and the log that still holds their old pages is emptied,
    by the checkpoint thread's next round (checkpoint.py)."""
    deleted = {}
    for table, where in _belonging(workshop_id):
        result = session.execute(sa.delete(table).where(where))
        deleted[table.name] = result.rowcount
    # After the commit, once however many deletions asked, and outside this transaction: the
    # rewrite reads the whole index, which a purge of many peer assists would pay for each.
    erase_log_after_commit(session.connection(), rewrite=search_schema.FORGET_DELETED)
    return deleted


def due_for_purge(session: Session, *, now: datetime, retention_days: int) -> list[dict]:
    """What a retention sweep at `now` deletes: workshops closed more than the days ago."""
    cutoff = purge_cutoff(now, retention_days)
    if cutoff is None:
        return []
    rows = session.exec(
        select(Workshop.id, Workshop.title, Workshop.closed_at)
        .where(col(Workshop.closed_at).is_not(None), col(Workshop.closed_at) < cutoff)
        .order_by(col(Workshop.closed_at), col(Workshop.id))
    )
    return [
        {"id": wid, "title": title, "closed_at": closed.isoformat()}
        for wid, title, closed in rows
        if closed is not None
    ]


def _still_in() -> SelectOfScalar[int | None]:
    """The ids of participants still in: not removed, and a seat that came with an account
    only while the account is active. One definition for a new socket's check and the
    recheck of every socket after lost messages, so the two never disagree."""
    return (
        select(Participant.id)
        .outerjoin(Account, col(Account.id) == Participant.account_id)
        .where(
            col(Participant.removed_at).is_(None),
            sa.or_(col(Participant.account_id).is_(None), col(Account.active)),
        )
    )


def present_ids(session: Session, *, workshop_id: str) -> set[int] | None:
    """Participants still in the workshop (`_still_in`); None when it no longer exists."""
    if session.get(Workshop, workshop_id) is None:
        return None
    found = session.exec(_still_in().where(col(Participant.workshop_id) == workshop_id))
    return {pid for pid in found if pid is not None}


# Asked by every new live socket, in a session of its own: a lean statement (db/lean.py).
_PRESENT = Lean(
    _still_in().where(
        col(Participant.id) == sa.bindparam("participant_id"),
        col(Participant.workshop_id) == sa.bindparam("workshop_id"),
    )
)


def is_present(session: Session, *, workshop_id: str, participant_id: int) -> bool:
    """Whether the participant is still in the workshop, as committed."""
    found = _PRESENT.rows(
        session.connection(), {"participant_id": participant_id, "workshop_id": workshop_id}
    )
    return bool(found)


def events_of(session: Session, *, workshop_id: str) -> list[Event]:
    return list(session.exec(select(Event).where(Event.workshop_id == workshop_id)))


def knocks_of(session: Session, *, participant_id: int) -> list[Knock]:
    return list(session.exec(select(Knock).where(Knock.participant_id == participant_id)))


def answers_of(session: Session, *, workshop_id: str) -> list[IdempotentResponse]:
    return list(
        session.exec(
            select(IdempotentResponse).where(IdempotentResponse.workshop_id == workshop_id)
        )
    )


def claim_sweep(session: Session, *, now: datetime, name: str = RETENTION_SWEEP) -> bool:
    """Take today's turn at a periodic job: True for the one worker whose turn it is.

    Runs in the caller's write transaction: the row lock (SQLite: the write lock) makes the
    other workers wait, then see that the job has run."""
    row = session.exec(
        select(Housekeeping).where(Housekeeping.name == name).with_for_update()
    ).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(Housekeeping(name=name, last_run_at=now))
        except IntegrityError:
            return False  # another worker made the row, and so took the turn, just now
        return True
    if not sweep_due(row.last_run_at, now):
        return False
    row.last_run_at = now
    session.add(row)
    return True
