"""Where a read for the event loop runs: in place on SQLite, which answers from this process,
and in a thread on PostgreSQL, which answers over the network while the loop serves others."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from app.db.engine import Database


def _read(db: Database) -> tuple[int, int]:
    with db.reader() as session:
        return threading.get_ident(), session.execute(text("SELECT 41 + 1")).scalar_one()


async def test_a_read_runs_in_place_on_sqlite_and_in_a_thread_on_a_server(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        thread, answer = await db.read(_read, db)
    finally:
        db.dispose()
    assert answer == 42
    in_place = thread == threading.get_ident()
    assert in_place is database_url.startswith("sqlite")


async def test_a_failed_read_raises_to_the_caller(database_url: str) -> None:
    db = Database(database_url)

    def broken() -> None:
        with db.reader() as session:
            session.execute(text("SELECT * FROM no_such_table"))

    try:
        with pytest.raises(Exception, match="no_such_table"):
            await db.read(broken)
    finally:
        db.dispose()
