"""On PostgreSQL a write's statements that answer nothing go with the next one that does
(app/db/pipeline.py): fewer round trips, and still each write's own failure, in its own
transaction or savepoint, with nothing of it kept."""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.actions.base import Outcome, write_in
from app.actions.group_commit import GroupCommit, Pending
from app.db.engine import Database
from app.db.lean import Lean
from app.db.models import Card, Event, Participant, Workshop
from app.domain.errors import RuleError
from tests.db.test_migrations import workshop
from tests.realtime.test_group_commit import card_by

NOW = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
INSERT_EVENT = Lean(sa.insert(Event.__table__), keys=["workshop_id", "seq", "type", "at", "data"])


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session, session.begin():
        for wid in ("w-a", "w-b"):
            room = workshop(wid)
            room.phase = "context"
            session.add(room)
        session.flush()
        session.add(
            Participant(
                id=1, workshop_id="w-a", name="F", role="facilitator", token_hash="h", joined_at=NOW
            )
        )
    yield database
    database.dispose()


def card(workshop_id: str, text: str):  # type: ignore[no-untyped-def]
    """A card's write by the facilitator, as the writer runs it."""

    def write(session) -> Outcome:  # type: ignore[no-untyped-def]
        return write_in(session, workshop_id=workshop_id, apply=card_by(1, text), now=NOW)

    return write


def refused_at_once(session) -> Outcome:  # type: ignore[no-untyped-def]
    """A write refused before it sends anything: its savepoint never reached the server."""
    raise RuleError("Refused before a single statement.")


def commit(writer: GroupCommit, *writes) -> list:  # type: ignore[no-untyped-def]
    """Run `writes` in one group commit (one alone when there is one); each outcome or error."""
    loop = asyncio.new_event_loop()
    try:
        group = [Pending(w, None, loop, loop.create_future()) for w in writes]
        writer.commit(group)
        return [p.error if p.error is not None else p.outcome for p in group]
    finally:
        loop.close()


def an_event_in_the_way(db: Database, workshop_id: str) -> None:
    """Take the seq the workshop's next event will have: that write's event insert, one of the
    statements kept back, then fails on the unique seq."""
    with db.session() as session, session.begin():
        head = session.get(Workshop, workshop_id).last_seq
        session.add(
            Event(workshop_id=workshop_id, seq=head + 1, type="card.added", at=NOW, data={})
        )


def cards_of(db: Database, workshop_id: str) -> list[str]:
    with db.reader() as session:
        rows = session.execute(
            sa.select(Card.text).where(Card.workshop_id == workshop_id).order_by(Card.id)
        )
        return [text for (text,) in rows]


@pytest.fixture
def writer(db: Database) -> Iterator[GroupCommit]:
    made = GroupCommit(db)
    yield made
    made._let_go()


def test_a_failing_statement_kept_back_fails_its_write_alone_and_keeps_nothing(
    db: Database, writer: GroupCommit
) -> None:
    an_event_in_the_way(db, "w-b")
    (failed,) = commit(writer, card("w-b", "lost"))
    assert isinstance(failed, sa.exc.IntegrityError)
    assert cards_of(db, "w-b") == []
    # The writer's kept connection carries on.
    (kept,) = commit(writer, card("w-a", "next"))
    assert isinstance(kept, Outcome) and cards_of(db, "w-a") == ["next"]


def test_in_a_group_a_failing_statement_kept_back_fails_only_its_own_write(
    db: Database, writer: GroupCommit
) -> None:
    an_event_in_the_way(db, "w-b")
    first, failed, last = commit(
        writer, card("w-a", "first"), card("w-b", "lost"), card("w-a", "last")
    )
    assert isinstance(failed, sa.exc.IntegrityError), failed
    assert isinstance(first, Outcome) and isinstance(last, Outcome)
    assert cards_of(db, "w-a") == ["first", "last"] and cards_of(db, "w-b") == []
    assert [first.events[0]["seq"], last.events[0]["seq"]] == [1, 2]


@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_write_refused_before_its_savepoint_was_sent_leaves_the_group_whole(
    db: Database, writer: GroupCommit, where: int
) -> None:
    """Refused first, the group's BEGIN is not sent yet either; refused last, nothing follows."""
    writes = [card("w-a", "one"), card("w-a", "two")]
    writes.insert(where, refused_at_once)
    outcomes = commit(writer, *writes)
    assert isinstance(outcomes.pop(where), RuleError)
    assert all(isinstance(o, Outcome) for o in outcomes), outcomes
    assert cards_of(db, "w-a") == ["one", "two"]
    # A write refused alone sent nothing, and the next goes through.
    assert isinstance(commit(writer, refused_at_once)[0], RuleError)
    assert isinstance(commit(writer, card("w-a", "three"))[0], Outcome)


def test_what_a_rollback_undid_is_never_sent(db: Database) -> None:
    """Kept back, then rolled back: it must not ride on the connection's next transaction."""
    event = {"workshop_id": "w-a", "seq": 1, "type": "card.added", "at": NOW, "data": {}}
    with db.engine.connect() as conn:
        with conn.begin() as transaction:
            INSERT_EVENT.run(conn, event)
            transaction.rollback()
        with conn.begin():
            conn.execute(sa.select(1))  # a statement that would carry it
    with db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_writers_connection_that_broke_begins_its_own_transactions_again(
    db: Database, writer: GroupCommit
) -> None:
    """SQLAlchemy would reconnect a connection invalidated mid-write by itself, but as a plain
    one: the writer's own BEGIN, and a group whose first write sent nothing, depend on it."""
    commit(writer, card("w-a", "one"))
    writer._held.connection.invalidate()  # as when the database drops it mid-write
    commit(writer, card("w-a", "two"))
    assert writer._held.connection.connection.dbapi_connection.autocommit
    refused, *rest = commit(writer, refused_at_once, card("w-a", "three"), card("w-a", "four"))
    assert isinstance(refused, RuleError)
    assert all(isinstance(o, Outcome) for o in rest), rest
    assert cards_of(db, "w-a") == ["one", "two", "three", "four"]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_writers_connection_goes_back_to_the_pool_as_any_other(
    db: Database, writer: GroupCommit
) -> None:
    """A writer's connection is in the driver's autocommit mode while it is kept; given back,
    it must not be so for whoever takes it next (each of its transactions would end at each
    statement)."""
    commit(writer, card("w-a", "one"))
    assert writer._held.connection.connection.dbapi_connection.autocommit
    writer._let_go()
    taken = [db.engine.connect() for _ in range(4)]  # every connection the pool holds
    try:
        assert not any(c.connection.dbapi_connection.autocommit for c in taken)
    finally:
        for connection in taken:
            connection.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_card_waits_for_three_round_trips_and_a_group_shares_them(
    db: Database, writer: GroupCommit
) -> None:
    """BEGIN with the workshop's lock; the card with its author; the event, the head, the
    search row and COMMIT. Before, a card waited for eight, and five cards in a group for 43."""
    commit(writer, card("w-a", "warm"))  # the writer's connection, its statements prepared
    raw = writer._held.connection.connection.dbapi_connection
    assert round_trips(raw, lambda: commit(writer, card("w-a", "alone"))) == 3
    five = [card("w-a", f"card {i}") for i in range(5)]
    assert round_trips(raw, lambda: commit(writer, *five)) == 12
    assert len(cards_of(db, "w-a")) == 7


def round_trips(raw, run) -> int:  # type: ignore[no-untyped-def]
    """How many times the client waited for the server while `run` ran: libpq's trace of the
    messages each way, counted where the server answers what the client sent."""
    from psycopg import pq

    with tempfile.TemporaryFile("w+") as trace:
        raw.pgconn.trace(trace.fileno())
        raw.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            run()
        finally:
            raw.pgconn.untrace()
        os.fsync(trace.fileno())
        trace.seek(0)
        # Each message is a line "F|B<tab>length<tab>type ..."; an SQL text may span lines.
        sides = [line[0] for line in trace if line[:2] in ("F\t", "B\t")]
    return sum(1 for before, now in itertools.pairwise(sides) if (before, now) == ("F", "B"))
