"""Group commit: one writer per database takes the writes waiting and commits them together.

A commit is the dearest step of a small write (SQLite appends to its log and syncs it; PostgreSQL
answers a round trip and flushes). Under load the writes queue behind one another anyway, so the
writer thread takes every write waiting when it comes free and commits them in one transaction:
a busy room pays for one commit, not one per card. When writes come one at a time, a group is a
single write and nothing waits for company.

Each write still runs its own rule check in a savepoint of its own: a refused write rolls back
only its savepoint, answers its own error and changes nothing. Each answer waits for the commit
that holds its write; when that commit fails, every write in it fails. The queue is first in,
first out and there is one writer, so a workshop's writes are numbered in the order they came.
Within a group they are taken in workshop order (stably, so each workshop keeps its own order):
two processes' groups then lock workshops in the same order and cannot deadlock on PostgreSQL.

A group commit is one thread (`runner.Writer` keeps one per SQLite database, the one writer
SQLite allows anyway, and a few lanes on PostgreSQL, each holding its own workshops), so the
event loop pays a single hand-over per write. The thread ends after a few idle seconds and starts
again with the next write, so an app that is shut down (or a test's writer) leaves none behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..db.engine import Database, transaction_open
from ..db.lean import connection_of, send_kept_back
from ..db.workshop_row import forget_locks
from .base import Outcome

# A write: given the group's session (inside its transaction), its outcome; may raise.
Write = Callable[[Session], Outcome]

log = logging.getLogger(__name__)

MAX_GROUP = 64
IDLE_S = 5.0
_STOP = object()  # queued by close(): the writer thread ends once the queue before it is done


@dataclass
class Pending:
    write: Write
    workshop_id: str | None
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future
    outcome: Outcome | None = None
    error: BaseException | None = None


@dataclass
class GroupCommit:
    db: Database
    max_group: int = MAX_GROUP
    idle_s: float = IDLE_S
    _queue: queue.SimpleQueue = field(default_factory=queue.SimpleQueue, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _running: bool = field(default=False, init=False)
    groups: int = field(default=0, init=False)  # how many commits (for the tests and the bench)
    # Each writer thread's own connection while it runs (per thread: a thread that ends may
    # overlap the next one's start).
    _held: threading.local = field(default_factory=threading.local, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    async def run(self, write: Write, *, workshop_id: str | None) -> Outcome:
        """Queue one write and wait for the commit that holds it."""
        loop = asyncio.get_running_loop()
        pending = Pending(write, workshop_id, loop, loop.create_future())
        with self._lock:
            self._queue.put(pending)
            if not self._running:
                self._start()
        return await pending.future

    def _start(self) -> None:
        """A writer thread for the queue; called holding the lock."""
        self._running = True
        self._thread = threading.Thread(target=self._serve, name="group-commit", daemon=True)
        self._thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Let the writer thread commit what is queued and end, giving its connection back
        (a SQLite file is checkpointed when its last connection closes). A later write starts
        a new thread."""
        with self._lock:
            thread = self._thread if self._running else None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout_s)

    def _serve(self) -> None:
        group: list[Pending] = []
        try:
            while True:
                try:
                    first = self._queue.get(timeout=self.idle_s)
                except queue.Empty:
                    first = _STOP
                if first is _STOP:
                    with self._lock:
                        if self._queue.empty():
                            self._running = False
                            return
                    continue
                group = [first]
                while len(group) < self.max_group:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP:
                        self._queue.put(_STOP)  # after this group
                        break
                    group.append(more)
                self.commit(group)
                for pending in group:
                    _settle(pending)
                group = []
        except BaseException as exc:
            # Whatever killed this thread must not leave writes waiting for ever: answer the
            # group in hand (as an Exception, which an event loop passes on to its caller),
            # and hand what is still queued to a new thread.
            stopped = RuntimeError(f"the database writer stopped: {exc!r}")
            for pending in group:
                if pending.error is None and pending.outcome is None:
                    pending.error = stopped
                _settle(pending)
            with self._lock:
                self._running = False
                if not self._queue.empty():
                    self._start()
            log.error("the database writer stopped", exc_info=exc)
        finally:
            self._let_go()

    def _let_go(self) -> None:
        """Give this thread's connection back to the pool as the thread ends. (One that broke
        need not go: SQLAlchemy takes a new one for it at its next transaction.)"""
        connection = getattr(self._held, "connection", None)
        self._held.connection = None
        if connection is not None:
            connection.close()

    def _transaction(self) -> contextlib.AbstractContextManager[Session]:
        # Taken here, inside the write's own error handling: a failure answers the write, and
        # leaves no connection held.
        kept = getattr(self._held, "connection", None)
        self._held.connection = None
        connection = self._held.connection = self.db.writer_connection(kept)
        return self.db.transaction(connection)

    def commit(self, group: list[Pending]) -> None:
        """Run each write in a savepoint of its own, then commit them all at once."""
        if len(group) == 1 and self._commit_alone(group[0]):
            return
        ordered = sorted(group, key=lambda p: p.workshop_id or "")
        try:
            with self._transaction() as session:
                for pending in ordered:
                    try:
                        pending.outcome = _in_savepoint(session, pending.write)
                    except Exception as exc:  # that write's own answer
                        # SQLite rolls a whole transaction back by itself after some errors
                        # (out of file handles, memory or disk), savepoints and all: the
                        # writes before would answer that they were saved, and the ones after
                        # would commit in a transaction of their own.
                        if not transaction_open(session):
                            raise TransactionLost("the database ended the transaction") from exc
                        pending.error = exc
                        # Its savepoint is gone; what the session remembers of it must go too
                        # (a workshop's head, say, is kept without being marked as changed).
                        forget_locks(session)
            self.groups += 1
        except Exception as exc:  # the commit failed, so every write in it did
            for pending in group:
                if pending.error is None:
                    pending.outcome, pending.error = None, exc

    def _commit_alone(self, pending: Pending) -> bool:
        """A write on its own, as most are when writes come one at a time: no savepoint, two
        statements fewer. False when it lost a race for a unique row: it then goes the way
        of a group, which runs it again."""
        try:
            with self._transaction() as session:
                pending.outcome = pending.write(session)
        except IntegrityError:
            pending.outcome = None
            return False
        except Exception as exc:  # refused, or the commit failed: nothing of it was kept
            pending.outcome, pending.error = None, exc
        else:
            self.groups += 1
        return True


class TransactionLost(Exception):
    """The database ended a group's transaction by itself: none of its writes was kept."""


def _in_savepoint(session: Session, write: Write) -> Outcome:
    try:
        return _nested(session, write)
    except IntegrityError:
        # A race for a unique row that another process won (one Idempotency-Key sent to two
        # at once): run it once more, and the write's own lookup finds the winner's answer.
        # The workshop is read again: the savepoint took its lock and its head with it.
        forget_locks(session)
        return _nested(session, write)


def _nested(session: Session, write: Write) -> Outcome:
    with session.begin_nested():
        outcome = write(session)
        # What the write kept back (db/pipeline.py) fails here, inside its own savepoint.
        send_kept_back(connection_of(session))
        return outcome


def _settle(pending: Pending) -> None:
    def settle() -> None:
        if pending.future.done():  # the caller gave up waiting; the write stands
            return
        if pending.error is not None:
            pending.future.set_exception(pending.error)
        else:
            pending.future.set_result(pending.outcome)

    # RuntimeError: that event loop has closed, so nobody is waiting any more.
    with contextlib.suppress(RuntimeError):
        pending.loop.call_soon_threadsafe(settle)
