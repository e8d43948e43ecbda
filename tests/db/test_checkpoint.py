"""SQLite's checkpoints run in a thread of their own, never inside a write's commit: the commit
that found the log past 1,000 pages used to copy it back and sync the file twice, and that was
most of a room's p99 (bench/README.md)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.db import checkpoint
from app.db.engine import Database
from tests.conftest import sqlite_database

PAGE = 4096


def write_pages(db: Database, pages: int, commits: int = 10) -> None:
    """Commit about `pages` pages of new rows, in `commits` commits."""
    with db.session() as session, session.begin():
        session.connection().execute(sa.text("CREATE TABLE IF NOT EXISTS ballast (b BLOB)"))
    for _ in range(commits):
        with db.session() as session, session.begin():
            session.connection().execute(
                sa.text("INSERT INTO ballast VALUES (randomblob(:size))"),
                [{"size": PAGE - 200}] * (pages // commits),
            )


def sizes(url: str) -> tuple[int, int]:
    database = Path(url.removeprefix("sqlite:///"))
    log = Path(f"{database}-wal")
    return database.stat().st_size, log.stat().st_size if log.exists() else 0


def test_no_commit_checkpoints_the_log(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    db = Database(url)
    assert db.checkpointer is not None
    db.checkpointer.every_s = 3600  # the thread is started, but will not get there
    try:
        before, _ = sizes(url)
        # Three times the 1,000 pages past which a commit would have checkpointed.
        write_pages(db, 3000)
        database, log = sizes(url)
        assert database == before, "a commit copied the log into the database"
        assert log > 3000 * PAGE

        busy, in_log, copied = db.checkpointer.checkpoint()
        assert (busy, copied) == (0, in_log) and in_log > 3000
        assert sizes(url)[0] > before + 3000 * PAGE
    finally:
        db.dispose()


def test_the_thread_checkpoints_after_commits_and_stops_when_closed(tmp_path: Path) -> None:
    url = sqlite_database(tmp_path)
    db = Database(url)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.every_s = 0.05
    try:
        before, _ = sizes(url)
        write_pages(db, 1200, commits=3)
        deadline = time.monotonic() + 30

        def copied() -> bool:
            return checkpointer.checkpoints >= 1 and sizes(url)[0] > before + 1200 * PAGE

        while not copied() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert copied(), "nothing checkpointed the log"
    finally:
        db.dispose()
    thread = checkpointer._thread
    assert thread is None or not thread.is_alive()


def test_the_log_starts_afresh_though_writers_append_during_a_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under steady writes some commit always lands while the checkpoint copies the log. Its
    frames are left behind, and SQLite starts the log over only once every frame is in the
    database: without the second pass the log never restarts and grows without end."""
    url = sqlite_database(tmp_path)
    db = Database(url)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.every_s = 3600  # only the calls below checkpoint
    try:
        write_pages(db, 500)
        passive = checkpoint._passive
        passes = []

        def a_writer_lands_meanwhile(raw: Any) -> tuple[int, int, int]:
            done = passive(raw)
            if not passes:
                write_pages(db, 200, commits=5)
            passes.append(done)
            return done

        with monkeypatch.context() as patched:
            patched.setattr(checkpoint, "_passive", a_writer_lands_meanwhile)
            checkpointer.checkpoint()
        # The next write starts the log over: it holds that write's pages, not 200 and more.
        write_pages(db, 10, commits=1)
        raw = db.engine.raw_connection()
        try:
            _, in_log, _ = passive(raw)
        finally:
            raw.close()
        assert in_log < 50, f"the log did not start afresh: {in_log} pages in it"
    finally:
        db.dispose()


def test_a_commit_that_asks_empties_the_log_once_no_reader_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint leaves the log's file as it was, old page images in it; after a commit that
    deleted a peer assist, the next one empties it (lifecycle.delete_workshop_rows asks)."""
    monkeypatch.setattr(checkpoint, "ERASE_WAIT_MS", 50)
    url = sqlite_database(tmp_path)
    db = Database(url)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.every_s = 3600  # only the calls below checkpoint
    try:
        write_pages(db, 200)
        checkpointer.checkpoint()
        assert sizes(url)[1] > 200 * PAGE, "a plain checkpoint keeps the log's file"
        with db.session() as session, session.begin():
            checkpoint.erase_log_after_commit(session.connection())
            session.connection().execute(sa.text("DELETE FROM ballast"))
        # A reader in the middle of the log holds its pages: the log cannot go yet.
        with db.reader() as reader:
            reader.execute(sa.text("SELECT count(*) FROM ballast")).one()
            busy, _, _ = checkpointer.checkpoint()  # type: ignore[misc]
            assert busy == 1 and sizes(url)[1] > 0
        assert checkpointer.checkpoint() == (0, 0, 0)
        assert sizes(url)[1] == 0
        write_pages(db, 10, commits=1)  # asked once: later checkpoints keep the file again
        checkpointer.checkpoint()
        assert sizes(url)[1] > 0
    finally:
        db.dispose()


def test_a_reader_that_holds_the_log_is_tried_again_later_and_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each try holds the app's writers off while it waits for readers. A reader that stays (a
    backup, a shell left open) must not hold every write off every few seconds for ever: the
    tries come further apart, and the rewrite asked for runs once, after the commit."""
    monkeypatch.setattr(checkpoint, "ERASE_WAIT_MS", 20)
    url = sqlite_database(tmp_path)
    db = Database(url)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.every_s = 1.0
    rewrite = "CREATE TABLE IF NOT EXISTS rewritten (n INTEGER)"
    try:
        write_pages(db, 50)
        with db.session() as session, session.begin():
            checkpoint.erase_log_after_commit(session.connection(), rewrite=rewrite)
            checkpoint.erase_log_after_commit(session.connection(), rewrite=rewrite)
            session.connection().execute(sa.text("DELETE FROM ballast"))
        with db.reader() as reader:
            reader.execute(sa.text("SELECT count(*) FROM ballast")).one()
            pauses = []
            for _ in range(7):
                busy, _, _ = checkpointer.checkpoint()  # type: ignore[misc]
                assert busy == 1
                pauses.append(checkpointer._pause_s)
        assert pauses == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
        with db.reader() as reader:
            names = reader.execute(sa.text("SELECT name FROM sqlite_master")).scalars().all()
            assert "rewritten" in names
        assert checkpointer.checkpoint() == (0, 0, 0)
        assert checkpointer._pause_s == 0 and sizes(url)[1] == 0
    finally:
        db.dispose()


def test_a_log_asked_to_be_emptied_is_emptied_at_close(tmp_path: Path) -> None:
    """The CLI's purge closes its database at once; the server may keep the file open, so no
    last close of a connection would empty the log."""
    url = sqlite_database(tmp_path)
    server = sqlite3.connect(url.removeprefix("sqlite:///"))
    server.execute("SELECT count(*) FROM workshop").fetchone()
    db = Database(url)
    assert db.checkpointer is not None
    db.checkpointer.every_s = 3600
    try:
        write_pages(db, 100)
        with db.session() as session, session.begin():
            checkpoint.erase_log_after_commit(session.connection())
            session.connection().execute(sa.text("DELETE FROM ballast"))
    finally:
        db.dispose()
    try:
        assert sizes(url)[1] == 0
    finally:
        server.close()


def test_postgres_has_no_checkpointer() -> None:
    db = Database("postgresql://127.0.0.1:5432/test")
    assert db.checkpointer is None
    db.dispose()
