"""SQLite's checkpoints, off the write path.

In WAL mode a commit appends to the log, and SQLite copies the log back into the database (a
checkpoint) on the commit that finds it past 1,000 pages: that one commit also copies and syncs
the file twice. On a 2-core VM that was one card in fifty or so answering 3–9 ms later than the
rest, and most of a room's p99 (bench/README.md). So each connection leaves checkpoints to a
thread of their own, which runs SQLite's PASSIVE checkpoint, the one automatic checkpoints run:
it waits for no reader and no writer, and writers go on appending meanwhile.

The thread checkpoints every three seconds at most, and only after a commit. A checkpoint that
writers append to while it runs leaves their frames behind, and SQLite starts the log afresh
only when every frame is in the database: under steady writes the log would never restart and
would grow without end. So each checkpoint is two passes: the first copies the log with writers
going on, the second copies what they appended meanwhile with this process's writers held off
(the app's own write lock), which is only a few pages. The next write then starts the log over.
Should the thread ever fall behind (or another process write to the same file), commits still
checkpoint once the log passes 20,000 pages, as SQLite does by itself at 1,000, and the file is
cut back to 64 MiB when the log restarts.

The thread runs at the lowest CPU priority, so on a busy core it waits for the threads that
answer people. It ends after a few idle seconds and starts again with the next commit. A commit
after the last checkpoint is not lost: SQLite checkpoints when the last connection closes. (With
`synchronous=NORMAL` the log reaches the disk at a checkpoint, so it now does so every few
seconds, where it used to wait for the 1,000th page.)

A checkpoint copies the log into the database but leaves the log's file as it was: the next
writes overwrite it from the start, and until they reach the end it keeps old page images,
words of a peer assist deleted since among them. So a commit that deleted one asks for the log
to be erased (`erase_log_after_commit`), naming what must be rewritten first (the search index,
without the deleted words). The thread's next second pass runs each rewrite once, however many
deletions asked, then a TRUNCATE checkpoint, which also empties the file. Writers wait for all
of it: a second or so with thousands of peer assists in the index, once a round, and only
after a deletion. It waits for readers of the log briefly; one still there puts the erase off,
to rounds further and further apart.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger(__name__)

EVERY_S = 3.0
IDLE_S = 5.0
# Commits checkpoint by themselves past this many pages (80 MiB), a net under the thread.
SAFETY_NET_PAGES = 20_000
LOG_KEPT_BYTES = 64 * 1024 * 1024
# How long the erasing checkpoint waits for readers of the log, the app's writers held off.
ERASE_WAIT_MS = 200
# A reader that keeps the log from being emptied (a backup, a shell left open): the rounds that
# try again come further apart, up to this, so writers are held off less and less often.
ERASE_PAUSE_MAX_S = 60.0
# In a connection's info: its next commit deleted what the log must not keep, and the
# statements that rewrite what still holds it.
ERASE_LOG = "erase_log_after_commit"


def erase_log_after_commit(conn: sa.Connection, *, rewrite: str | None = None) -> None:
    """Have the checkpoint after this transaction's commit run `rewrite` (once, however many
    commits asked) and then empty the log's file (SQLite)."""
    # Left set by a transaction that rolled back, it empties the log after the next commit
    # instead, for nothing but a little I/O.
    if conn.dialect.name == "sqlite":
        asked = conn.info.setdefault(ERASE_LOG, set())
        if rewrite is not None:
            asked.add(rewrite)


@dataclass
class Checkpointer:
    engine: sa.Engine
    # Held while the second pass runs: the app's own lock around every write (engine.py).
    writer_lock: AbstractContextManager
    every_s: float = EVERY_S
    idle_s: float = IDLE_S
    checkpoints: int = field(default=0, init=False)  # how many ran (for the tests)
    _erase: bool = field(default=False, init=False)  # the next second pass empties the log
    _rewrites: set[str] = field(default_factory=set, init=False)  # run before it, once each
    _pause_s: float = field(default=0.0, init=False)  # more than every_s after a busy erase
    _due: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        event.listen(self.engine, "connect", _checkpoints_left_to_the_thread)
        event.listen(self.engine, "commit", self._committed)

    def _committed(self, conn: sa.Connection) -> None:
        asked = conn.info.pop(ERASE_LOG, None)
        if asked is not None:
            self._rewrites |= asked
            self._erase = True
        # Every commit passes here; once one has asked, the rest have nothing to do.
        if self._due.is_set():
            return
        self._ask()

    def _ask(self) -> None:
        with self._lock:
            if self._stop.is_set():  # closed
                return
            self._due.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="sqlite-checkpoint", daemon=True
                )
                self._thread.start()

    def _serve(self) -> None:
        _yield_to_serving()
        while True:
            if not self._due.wait(self.idle_s):
                with self._lock:
                    if not self._due.is_set():
                        self._thread = None
                        return
                continue
            # Cleared first, so that a commit in the next few seconds asks for one more round.
            self._due.clear()
            # Let the commits of the next few seconds gather into this checkpoint.
            if self._stop.wait(max(self.every_s, self._pause_s)):
                return
            self.checkpoint()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """Checkpoint now, in two passes (see above): the second pass's (busy, pages in the log,
        pages checkpointed), or None when the database could not be reached (the next commit
        tries again)."""
        try:
            raw = self.engine.raw_connection()
            try:
                _passive(raw)
                with self.writer_lock:
                    done = self._erase_now(raw) if self._erase else _passive(raw)
                if self._erase:
                    self._ask()
            finally:
                raw.close()
        except Exception:
            log.warning("SQLite's checkpoint failed; the next commit tries again", exc_info=True)
            return None
        self.checkpoints += 1
        return done

    def _erase_now(self, raw: Any) -> tuple[int, int, int]:
        """The rewrites asked for, each in a transaction of its own, then the log emptied;
        called with the app's writers held off."""
        for statement in sorted(self._rewrites):
            _run_alone(raw, statement)
            self._rewrites.discard(statement)
        done = _truncate(raw)
        if done[0] == 0:
            self._erase, self._pause_s = False, 0.0
            return done
        # A reader kept it from emptying the log: again, later and later.
        self._pause_s = min(max(2 * self._pause_s, 2 * self.every_s), ERASE_PAUSE_MAX_S)
        if self._pause_s == ERASE_PAUSE_MAX_S:
            log.warning(
                "a reader has kept SQLite's log from being emptied since a deletion; "
                "its pages still hold what was deleted (trying every %.0f s)",
                ERASE_PAUSE_MAX_S,
            )
        return done

    def close(self) -> None:
        """Stop the thread (SQLite checkpoints by itself when the last connection closes)."""
        with self._lock:
            self._stop.set()
            thread = self._thread
        # A connection made after this checkpoints by itself again.
        event.remove(self.engine, "connect", _checkpoints_left_to_the_thread)
        event.remove(self.engine, "commit", self._committed)
        self._due.set()
        if thread is not None:
            thread.join(timeout=10)
        # Now, not at the last connection's close: another process (the server, when this is
        # the CLI's purge) may keep the file open, and then nothing would empty the log.
        for _ in range(3):
            if not self._erase:
                return
            self.checkpoint()
        if self._erase:
            log.warning("SQLite's log still holds what was deleted: a reader kept it busy")


def _passive(raw: Any) -> tuple[int, int, int]:
    # SQLite's PASSIVE checkpoint waits for no reader or writer. With nothing left to copy it
    # returns at once, without syncing.
    busy, in_log, copied = raw.driver_connection.execute(
        "PRAGMA wal_checkpoint(PASSIVE)"
    ).fetchone()
    return busy, in_log, copied


def _run_alone(raw: Any, statement: str) -> None:
    driver = raw.driver_connection  # in autocommit (engine.py): the transaction is this one
    driver.execute("BEGIN IMMEDIATE")
    try:
        driver.execute(statement)
    except BaseException:
        driver.execute("ROLLBACK")
        raise
    driver.execute("COMMIT")


def _truncate(raw: Any) -> tuple[int, int, int]:
    # Unlike PASSIVE it waits for readers of the log (SQLite's busy handler), with this
    # process's writers held off, so not for the connections' usual 30 s.
    driver = raw.driver_connection
    (wait_ms,) = driver.execute("PRAGMA busy_timeout").fetchone()
    driver.execute(f"PRAGMA busy_timeout={ERASE_WAIT_MS}")
    try:
        busy, in_log, copied = driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        driver.execute(f"PRAGMA busy_timeout={wait_ms}")
    return busy, in_log, copied


def _yield_to_serving() -> None:
    # Linux gives each thread a nice of its own.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _checkpoints_left_to_the_thread(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={SAFETY_NET_PAGES}")
    dbapi_conn.execute(f"PRAGMA journal_size_limit={LOG_KEPT_BYTES}")
