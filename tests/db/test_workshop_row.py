"""The workshop a write locks, and the one a read loads, come from the lean path: each must be
the object the ORM would have loaded, changes to it must be written, a read must keep what its
session changed, and a transaction must read it again whenever a savepoint rolled back, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.actions.base import write_in
from app.actions.group_commit import _in_savepoint
from app.db import queries, workshop_row
from app.db.engine import Database
from app.db.models import Event, Workshop
from app.db.workshop_row import forget_locks, guard_loader_internals
from app.domain.errors import NotFound
from app.domain.events import WorkshopUpdated
from tests.db.test_migrations import workshop

ENDS = datetime(2026, 12, 3, 10, 15, 30, 250000, tzinfo=UTC)
COLUMNS = [c.key for c in Workshop.__table__.columns]  # type: ignore[attr-defined]


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    made = workshop("w-lock")
    made.agenda = [{"phase": "context", "minutes": 15}]
    made.speakers = [3, 5]
    made.spotlight = {"theme": "Transport"}
    made.timer_status, made.timer_ends_at, made.host_team_muted = "running", ENDS, True
    with database.session() as session, session.begin():
        session.add(made)
    yield database
    database.dispose()


def columns(w: Workshop) -> dict:
    return {key: getattr(w, key) for key in COLUMNS}


def test_the_locked_workshop_is_what_the_orm_loads(db: Database) -> None:
    with db.reader() as session:
        loaded = columns(session.get_one(Workshop, "w-lock"))
    with db.session() as session, session.begin():
        locked = queries.lock_workshop(session, workshop_id="w-lock")
        assert sa.inspect(locked).persistent
        assert columns(locked) == loaded
        assert locked.timer_ends_at == ENDS and locked.host_team_muted is True
        # The one object the session holds: a later read in this transaction finds it.
        assert session.get(Workshop, "w-lock") is locked


def state_of(w: Workshop) -> tuple:
    state = sa.inspect(w)
    return (
        state.key,
        state.identity_token,
        state.persistent,
        state.modified,
        dict(state.committed_state),
        set(state.expired_attributes),
        set(state.unloaded),
    )


def test_its_state_in_the_session_is_the_one_the_orm_loader_gives(db: Database) -> None:
    with db.reader() as session:
        orm = session.get_one(Workshop, "w-lock")
        loaded = state_of(orm)
    with db.session() as session, session.begin():
        locked = queries.lock_workshop(session, workshop_id="w-lock")
        assert state_of(locked) == loaded
        assert sa.inspect(locked).session is session and locked in session
        assert session.identity_map.get(sa.inspect(locked).key) is locked
        locked.title = "Changed"
        assert locked in session.dirty
    # As an object the ORM loaded, it leaves its session when the session closes.
    assert sa.inspect(locked).detached and sa.inspect(orm).detached


def test_a_sqlalchemy_without_the_loaders_internals_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guard_loader_internals()  # this one has them
    monkeypatch.setattr(Workshop.__mapper__, "identity_key_from_primary_key", lambda pk: pk)
    with pytest.raises(RuntimeError, match=r"has moved what app/db/workshop_row\.py relies on"):
        guard_loader_internals()


def test_a_listener_for_loaded_workshops_is_not_silently_skipped(db: Database) -> None:
    def loaded(target: Workshop, context: object) -> None:
        pass

    sa.event.listen(Workshop, "load", loaded)
    try:
        with (
            db.session() as session,
            session.begin(),
            pytest.raises(RuntimeError, match="listens for workshops being loaded"),
        ):
            queries.lock_workshop(session, workshop_id="w-lock")
    finally:
        sa.event.remove(Workshop, "load", loaded)


def test_a_second_object_of_the_same_workshop_is_refused(db: Database) -> None:
    with db.session() as session, session.begin():
        first = queries.lock_workshop(session, workshop_id="w-lock")
        # Made again from the same row while the session holds it: refused, not swapped in.
        with pytest.raises(sa.exc.InvalidRequestError, match="already present"):
            workshop_row._attached(session, columns(first))


def test_what_an_action_changes_on_it_is_committed(db: Database) -> None:
    with db.session() as session, session.begin():
        locked = queries.lock_workshop(session, workshop_id="w-lock")
        locked.phase = "analysis"
        locked.spotlight = {"theme": "Staffing"}  # set, never session.add()ed again
    with db.reader() as session:
        stored = session.get_one(Workshop, "w-lock")
        assert (stored.phase, stored.spotlight) == ("analysis", {"theme": "Staffing"})


def test_a_transaction_reads_it_once_until_a_savepoint_rolls_back(db: Database) -> None:
    retitle = sa.text("UPDATE workshop SET title = :t WHERE id = 'w-lock'")
    with db.session() as session, session.begin():
        first = queries.lock_workshop(session, workshop_id="w-lock")
        session.connection().execute(retitle, {"t": "Changed underneath"})
        # Locked already: nobody else can change the row, so it is not read again.
        assert queries.lock_workshop(session, workshop_id="w-lock").title == "T"
        forget_locks(session)
        again = queries.lock_workshop(session, workshop_id="w-lock")
        assert again is first and again.title == "Changed underneath"


def test_the_workshop_a_read_loads_is_what_the_orm_loads(db: Database) -> None:
    with db.reader() as session:
        loaded = columns(session.get_one(Workshop, "w-lock"))
    with db.reader() as session:
        read = queries.get_workshop(session, workshop_id="w-lock")
        assert sa.inspect(read).persistent
        assert columns(read) == loaded
        assert read.timer_ends_at == ENDS and read.speakers == [3, 5]
        assert session.get(Workshop, "w-lock") is read
        assert queries.get_workshop(session, workshop_id="w-lock") is read


def test_a_read_keeps_what_its_own_session_changed(db: Database) -> None:
    with db.session() as session, session.begin():
        locked = queries.lock_workshop(session, workshop_id="w-lock")
        locked.title = "Changed here, not yet flushed"
        session.expire(locked, ["phase"])  # part of it to be read again, the rest kept
        read = queries.get_workshop(session, workshop_id="w-lock")
        assert read is locked
        assert (read.title, read.phase) == ("Changed here, not yet flushed", "welcome")


def test_an_unknown_workshop_is_not_found(db: Database) -> None:
    with db.session() as session, session.begin():
        for unknown in ("w-none", "no such id!"):
            with pytest.raises(NotFound):
                queries.lock_workshop(session, workshop_id=unknown)
            with pytest.raises(NotFound):
                queries.get_workshop(session, workshop_id=unknown)


def test_a_write_run_again_after_a_lost_race_numbers_its_events_after_the_head(
    db: Database,
) -> None:
    """A write that lost a race for a unique row is run once more in a new savepoint; the
    first run's head went with its savepoint, so the second must not number after it. (An
    earlier write of the group read the workshop, so the session holds it throughout.)"""
    with db.session() as session, session.begin():
        session.add(workshop("w-race"))
    runs = []

    def announce(session, w, now):  # type: ignore[no-untyped-def]
        return 200, {}, [WorkshopUpdated({"id": w.id})]

    def write(session):  # type: ignore[no-untyped-def]
        runs.append(1)
        outcome = write_in(session, workshop_id="w-race", apply=announce, now=datetime.now(UTC))
        if len(runs) == 1:
            raise IntegrityError("INSERT", {}, Exception("lost the race"))
        return outcome

    def earlier(session):  # type: ignore[no-untyped-def]
        return write_in(session, workshop_id="w-race", apply=announce, now=datetime.now(UTC))

    with db.session() as session, session.begin():
        _in_savepoint(session, earlier)
        outcome = _in_savepoint(session, write)
    assert len(runs) == 2
    assert [e["seq"] for e in outcome.events] == [2]
    with db.reader() as session:
        assert session.scalars(sa.select(Event.seq).order_by(Event.seq)).all() == [1, 2]
        assert session.get_one(Workshop, "w-race").last_seq == 2
