"""On SQLite, writers of one process queue on a lock of ours, not in SQLite's busy handler,
and a writer that waits holds no connection, so waiting writers cannot starve the readers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db.engine import Database
from tests.conftest import sqlite_database

TOUCH = text("UPDATE workshop SET last_seq = last_seq")


def test_sqlite_writers_queue_without_holding_connections(tmp_path: Path) -> None:
    db = Database(sqlite_database(tmp_path))
    first_inside = threading.Event()
    let_first_go = threading.Event()
    order: list[str] = []

    def first() -> None:
        with db.session() as session, session.begin():
            session.execute(TOUCH)
            order.append("first in")
            first_inside.set()
            let_first_go.wait(10)
            order.append("first out")

    def second() -> None:
        first_inside.wait(10)
        with db.session() as session, session.begin():
            session.execute(TOUCH)
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_inside.wait(10)
    threads[1].join(0.3)  # every chance to get in, or at least to take a connection
    assert order == ["first in"] and threads[1].is_alive()
    assert db.engine.pool.checkedout() == 1  # the first writer's only
    let_first_go.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]
    db.dispose()


READ = text("SELECT count(*) FROM workshop")


def locked_for_others(path: Path) -> bool:
    """Whether another process would find SQLite's write lock taken right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_a_write_takes_the_write_lock_at_its_first_read_and_a_reader_never(
    tmp_path: Path,
) -> None:
    url = sqlite_database(tmp_path)
    path = Path(url.removeprefix("sqlite:///"))
    db = Database(url)
    with db.session() as session, session.begin():
        session.execute(READ)  # a read, but in a write: BEGIN IMMEDIATE
        assert locked_for_others(path)
    assert not locked_for_others(path)
    with db.reader() as session:
        session.execute(READ)
        assert session.in_transaction()
        assert not locked_for_others(path)
    db.dispose()


def test_a_write_that_cannot_begin_fails_as_sqlalchemy_would(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    path = Path(url.removeprefix("sqlite:///"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    db = Database(url)
    # Another process holds the lock past SQLite's busy timeout: the 503 path (errors.py).
    db.engine.pool.dispose()
    with (
        db.engine.connect() as conn,
        pytest.raises(OperationalError, match="locked"),
    ):
        conn.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
        conn.begin()
    holder.execute("ROLLBACK")
    holder.close()
    with db.session() as session, session.begin():
        session.execute(TOUCH)  # and the next write goes through
    db.dispose()
