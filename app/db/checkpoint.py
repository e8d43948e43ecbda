"""SQLite's checkpoints, off the write path.

In WAL mode a commit appends to the log, and SQLite copies the log back into the database (a
checkpoint) on the commit that finds it past 1,000 pages: that one commit also copies and syncs
the file twice. On a 2-core VM that was one card in fifty or so answering 3–9 ms later than the
rest, and most of a room's p99 (bench/README.md). So each connection leaves checkpoints to a
thread of their own, which runs SQLite's PASSIVE checkpoint, the one automatic checkpoints run:
it waits for no reader and no writer, and writers go on appending meanwhile.

The thread checkpoints every three seconds at most, and only after a commit, so the log holds
about three seconds of writes (at 20 cards a second, about what 1,000 pages held). It
runs at the lowest CPU priority, so on a busy core it waits for the threads that answer people.
It ends after a few idle seconds and starts again with the next commit. A commit after the last
checkpoint is not lost: SQLite checkpoints when the last connection closes. (With
`synchronous=NORMAL` the log reaches the disk at a checkpoint, so it now does so every few
seconds, where it used to wait for the 1,000th page.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

log = logging.getLogger(__name__)

EVERY_S = 3.0
IDLE_S = 5.0


@dataclass
class Checkpointer:
    engine: sa.Engine
    every_s: float = EVERY_S
    idle_s: float = IDLE_S
    checkpoints: int = field(default=0, init=False)  # how many ran (for the tests)
    _due: threading.Event = field(default_factory=threading.Event, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        event.listen(self.engine, "connect", _no_automatic_checkpoints)
        event.listen(self.engine, "commit", self._committed)

    def _committed(self, _conn: sa.Connection) -> None:
        # Every commit passes here; once one has asked, the rest have nothing to do.
        if self._due.is_set():
            return
        with self._lock:
            if self._closed:
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
            # Let the commits of the next few seconds gather into this checkpoint.
            stopping = self._stop.wait(self.every_s)
            self._due.clear()
            if stopping:
                return
            self.checkpoint()

    def checkpoint(self) -> tuple[int, int, int] | None:
        """Run a PASSIVE checkpoint now: (busy, pages in the log, pages checkpointed), or None
        when the database could not be reached (the next commit tries again)."""
        try:
            raw = self.engine.raw_connection()
            try:
                busy, in_log, copied = raw.driver_connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
            finally:
                raw.close()
        except Exception:
            log.warning("SQLite's checkpoint failed; the next commit tries again", exc_info=True)
            return None
        self.checkpoints += 1
        return busy, in_log, copied

    def close(self) -> None:
        """Stop the thread (SQLite checkpoints by itself when the last connection closes)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._stop.set()
        self._due.set()
        if thread is not None:
            thread.join(timeout=10)


def _yield_to_serving() -> None:
    # Linux gives each thread a nice of its own.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def _no_automatic_checkpoints(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
