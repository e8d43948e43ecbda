"""On SQLite, writers of one process queue on a lock of ours, not in SQLite's busy handler,
and a writer that waits holds no connection, so waiting writers cannot starve the readers."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

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
