"""A lean statement writes and reads what SQLAlchemy's own execution would: the same stored
values (dates with their zone, booleans, JSON) and the same answers, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultDialect

from app.actions.base import write_in
from app.db.engine import Database
from app.db.lean import Lean, send_kept_back, type_codes
from app.db.models import Card, Event, Participant, SearchText
from app.db.records import workshop_record
from app.domain.events import WorkshopUpdated
from tests.conftest import POSTGRES_URL
from tests.db.test_migrations import workshop

CARD = Card.__table__
EVENT = Event.__table__
INSERT_CARD = Lean(
    sa.insert(CARD).returning(*CARD.columns), keys=[c.key for c in CARD.columns if c.key != "id"]
)
INSERT_EVENTS = Lean(sa.insert(EVENT), keys=["workshop_id", "seq", "type", "at", "data"])
CARDS_OF = Lean(sa.select(CARD).where(CARD.c.workshop_id == sa.bindparam("w")).order_by(CARD.c.id))


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    with database.session() as session, session.begin():
        session.add(workshop("w-lean"))
        session.flush()
        session.add(
            Participant(
                workshop_id="w-lean", name="Vera", role="visitor", token_hash="h", joined_at=now
            )
        )
    yield database
    database.dispose()


def card_values(author_id: int, text: str, at: datetime) -> dict:
    return {
        "workshop_id": "w-lean",
        "author_id": author_id,
        "kind": "insight",
        "text": text,
        "evidence": None,
        "source_url": None,
        "anonymous": True,
        "theme": None,
        "hidden": False,
        "private": False,
        "votes": 0,
        "phase": "analysis",
        "created_at": at,
        "updated_at": at,
    }


def test_a_card_written_lean_reads_back_as_sqlalchemy_wrote_it(db: Database) -> None:
    # Not in UTC: the column's own type must turn it into UTC, as SQLAlchemy would.
    at = datetime(2026, 12, 2, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    with db.session() as session, session.begin():
        author = session.scalars(sa.select(Participant)).one()
        conn = session.connection()
        (lean,) = INSERT_CARD.rows(conn, card_values(author.id, "Lean words", at))
        core = conn.execute(
            sa.insert(CARD).returning(*CARD.columns), card_values(author.id, "Core words", at)
        ).one()
    assert lean.created_at == at == core.created_at
    assert lean.created_at.tzinfo is not None
    assert lean.anonymous is True and lean.hidden is False
    assert lean.id == core.id - 1
    assert lean._asdict() | {"id": 0, "text": ""} == core._asdict() | {"id": 0, "text": ""}
    with db.reader() as session:
        stored = session.scalars(sa.select(Card).order_by(Card.id)).all()
        read = CARDS_OF.rows(session.connection(), {"w": "w-lean"})
    assert [(c.text, c.created_at, c.anonymous) for c in stored] == [
        ("Lean words", at, True),
        ("Core words", at, True),
    ]
    assert [r._asdict() for r in read] == [
        {k: getattr(c, k) for k in r._fields} for c, r in zip(stored, read, strict=True)
    ]


def test_events_go_in_as_one_executemany_with_their_json(db: Database) -> None:
    at = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
    rows = [
        {"workshop_id": "w-lean", "seq": i, "type": "card.added", "at": at, "data": {"n": i}}
        for i in (1, 2, 3)
    ]
    with db.session() as session, session.begin():
        INSERT_EVENTS.run_many(session.connection(), rows)
    with db.reader() as session:
        stored = session.execute(sa.select(EVENT).order_by(EVENT.c.seq)).all()
    assert [(e.seq, e.type, e.at, e.data) for e in stored] == [
        (i, "card.added", at, {"n": i}) for i in (1, 2, 3)
    ]


def test_a_missing_value_is_refused_before_anything_is_sent(db: Database) -> None:
    values = card_values(1, "no author given", datetime.now(UTC))
    del values["author_id"]
    with db.session() as session, session.begin():
        with pytest.raises(KeyError):
            INSERT_CARD.rows(session.connection(), values)
        assert session.scalar(sa.select(sa.func.count()).select_from(CARD)) == 0


def test_a_value_written_into_the_statement_may_be_given_or_left_to_it(db: Database) -> None:
    # A literal in the statement is a bind with a value of its own; only a value nobody gave
    # is refused.
    kinds = Lean(
        sa.select(CARD.c.text).where(CARD.c.kind == "insight", CARD.c.id == sa.bindparam("id"))
    )
    with db.session() as session, session.begin():
        (card,) = INSERT_CARD.rows(session.connection(), card_values(1, "kept", datetime.now(UTC)))
        conn = session.connection()
        assert [r.text for r in kinds.rows(conn, {"id": card.id})] == ["kept"]
        assert kinds.rows(conn, {"id": card.id, "kind_1": "question"}) == []
        with pytest.raises(KeyError):
            kinds.rows(conn, {})


def test_what_it_cannot_run_lean_is_refused_when_compiled(db: Database) -> None:
    expanding = Lean(sa.select(CARD.c.id).where(CARD.c.id.in_(sa.bindparam("ids", expanding=True))))
    with (
        db.session() as session,
        session.begin(),
        pytest.raises(ValueError, match="not a plain statement"),
    ):
        expanding.rows(session.connection(), {"ids": [1, 2]})


def test_a_drivers_error_leaves_as_sqlalchemys_own(db: Database) -> None:
    """A unique-row race must be the IntegrityError that the group commit settles, not the
    driver's own class, which nothing would catch."""
    at = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
    row = {"workshop_id": "w-lean", "seq": 1, "type": "card.added", "at": at, "data": {}}
    with db.session() as session, session.begin():
        INSERT_EVENTS.run(session.connection(), row)
    for write in (
        lambda conn: INSERT_EVENTS.run(conn, row),
        lambda conn: INSERT_EVENTS.run_many(conn, [row | {"seq": 2}, row]),
    ):
        with db.session() as session, session.begin():
            with pytest.raises(sa.exc.IntegrityError):
                write(session.connection())
                # On PostgreSQL it went with the next round trip (db/pipeline.py).
                send_kept_back(session.connection())
            session.rollback()
    with db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EVENT)) == 1


def test_savepoints_go_on_the_drivers_cursor_and_keep_and_undo_as_before(db: Database) -> None:
    """A group commit's savepoints are sent lean (SQLAlchemy compiled each one anew), and a
    rolled-back one still takes its writes with it while a released one keeps them."""
    at = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
    row = {"workshop_id": "w-lean", "type": "card.added", "at": at, "data": {}}
    through_sqlalchemy: list[str] = []

    def seen(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        through_sqlalchemy.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.session() as session, session.begin():
            with session.begin_nested():
                INSERT_EVENTS.run(session.connection(), row | {"seq": 1})
            nested = session.begin_nested()
            INSERT_EVENTS.run(session.connection(), row | {"seq": 2})
            nested.rollback()
            with session.begin_nested():
                INSERT_EVENTS.run(session.connection(), row | {"seq": 3})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert not [s for s in through_sqlalchemy if "SAVEPOINT" in s.upper()], through_sqlalchemy
    with db.reader() as session:
        assert session.scalars(sa.select(EVENT.c.seq).order_by(EVENT.c.seq)).all() == [1, 3]


def test_a_savepoint_the_database_refuses_raises_what_sqlalchemy_would(db: Database) -> None:
    raised = []
    for release in (
        lambda conn: db.engine.dialect.do_release_savepoint(conn, "never_made"),
        lambda conn: DefaultDialect.do_release_savepoint(conn.dialect, conn, "never_made"),
    ):
        with db.session() as session, session.begin():
            with pytest.raises(sa.exc.DBAPIError) as error:
                release(session.connection())
                send_kept_back(session.connection())  # PostgreSQL's went with the next
            raised.append(type(error.value))
            session.rollback()
    assert raised[0] is raised[1]


def test_savepoint_names_are_not_remembered(db: Database) -> None:
    """A writer's kept connection numbers its savepoints without end; nothing may keep each
    name (the identifier preparer's cache would grow by one a write)."""
    preparer = db.engine.dialect.identifier_preparer
    with db.session() as session, session.begin():
        session.connection()
        for _ in range(3):
            with session.begin_nested():
                session.connection()  # the session sends its SAVEPOINT only now
        before = len(preparer._strings)
        for _ in range(200):
            with session.begin_nested():
                session.connection()
    assert len(preparer._strings) == before


# Only a server's connection can be cut from outside.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_connection_that_died_is_invalidated_and_the_next_write_works(db: Database) -> None:
    at = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
    row = {"workshop_id": "w-lean", "seq": 1, "type": "card.added", "at": at, "data": {}}
    with db.session() as session, session.begin():
        conn = session.connection()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        killer = sa.create_engine(POSTGRES_URL)
        try:
            with killer.connect() as other:
                other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        finally:
            killer.dispose()
        with pytest.raises(sa.exc.OperationalError) as raised:
            INSERT_EVENTS.run(conn, row)
            send_kept_back(conn)  # on PostgreSQL it waits for the next round trip
        assert raised.value.connection_invalidated
        session.rollback()
    # The pool does not hand the dead connection out again.
    with db.session() as session, session.begin():
        INSERT_EVENTS.run(session.connection(), row)
    with db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EVENT)) == 1


def test_what_an_action_changed_is_in_the_search_text_of_its_own_write(db: Database) -> None:
    """The events and the head go in lean, past the session's autoflush; an action that
    changed the workshop without flushing must still be indexed as it now is."""

    def retitle(session, workshop, now):  # type: ignore[no-untyped-def]
        workshop.purpose = "Shorter waits in outpatients"
        session.add(workshop)  # not flushed
        return 200, {}, [WorkshopUpdated(workshop_record(workshop))]

    with db.session() as session, session.begin():
        write_in(session, workshop_id="w-lean", apply=retitle, now=datetime.now(UTC))
    with db.reader() as session:
        purpose = session.scalar(
            sa.select(SearchText.purpose).where(
                SearchText.workshop_id == "w-lean", SearchText.card_id.is_(None)
            )
        )
    assert purpose == "Shorter waits in outpatients"


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_the_column_types_read_off_a_result_are_its_descriptions(db: Database) -> None:
    """psycopg's are read off its result (its description is rebuilt at each asking); they
    pick each column's conversion, so they must be the very type codes it describes."""
    with db.session() as session, session.begin():
        conn = session.connection()
        plan = CARDS_OF._plan(conn.dialect)
        cursor = conn.connection.cursor()
        try:
            cursor.execute(plan.sql, plan.parameters({"w": "w-lean"}))
            codes = type_codes(cursor)
            assert codes == tuple(column[1] for column in cursor.description)
            assert len(codes) == len(CARD.columns)
        finally:
            cursor.close()
