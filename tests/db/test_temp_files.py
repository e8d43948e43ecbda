"""SQLite's temporary files live in memory, so a server whose sockets took every file handle
still saves. Scenario 4 of the bench (19,500 sockets against a limit of 20,000 open files) once
ran SQLite out of handles mid-write: it failed the statement ("unable to open database file")
and rolled the whole transaction back by itself."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import sqlalchemy as sa

from app.db.engine import Database
from tests.conftest import sqlite_database


def lowest_free_handle() -> int:
    probe = os.dup(0)
    os.close(probe)
    return probe


def test_a_savepoint_over_many_pages_takes_no_file_handle(tmp_path: Path) -> None:
    """A group commit's savepoint keeps the pages it changes in a journal of its own, which
    SQLite moves to a temporary file once it passes 64 KiB: unless temporary storage is in
    memory, that needs a file handle."""
    url = sqlite_database(tmp_path)
    db = Database(url)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    rows = [{"n": n, "text": f"{n:06d}" + "x" * 400} for n in range(2000)]
    try:
        with db.session() as session, session.begin():
            conn = session.connection()
            conn.execute(sa.text("CREATE TABLE scratch (n INTEGER, text TEXT)"))
            conn.execute(sa.text("INSERT INTO scratch VALUES (:n, :text)"), rows)
            # Every handle the process may have is taken from here on, as under the crowd: a
            # new one takes the lowest free number, which the limit now forbids.
            resource.setrlimit(resource.RLIMIT_NOFILE, (lowest_free_handle(), hard))
            try:
                with session.begin_nested():
                    conn.execute(sa.text("UPDATE scratch SET text = upper(text)"))
                changed = conn.execute(
                    sa.text("SELECT count(*) FROM scratch WHERE text LIKE '%X'")
                ).scalar_one()
            finally:
                resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        assert changed == len(rows)
    finally:
        db.dispose()
