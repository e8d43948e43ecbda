"""The engine and sessions. SQLite gets WAL, foreign keys and writers that queue, not fail."""

from __future__ import annotations

import contextlib
import functools
import select
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import anyio.to_thread
import sqlalchemy as sa
from pydantic_core import from_json
from sqlalchemy import event
from sqlmodel import Session

from ..compact_json import dumps
from .checkpoint import Checkpointer
from .lean import Lean, hold_connection, lean_savepoints
from .pipeline import begin_kept, lean_pipeline

# JSON columns (an event's data, a workshop's agenda) are read and written on every write,
# with the encoder the app's answers use (app/compact_json.py) and its decoder.
_JSON_COLUMNS = {"json_serializer": dumps, "json_deserializer": from_json}

T = TypeVar("T")

_BEGIN = Lean(sa.text("BEGIN"))
_BEGIN_IMMEDIATE = Lean(sa.text("BEGIN IMMEDIATE"))


def normalise_url(url: str) -> str:
    """Accept plain postgres URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> sa.Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            **_JSON_COLUMNS,
            pool_size=8,
            max_overflow=16,
        )
        _sqlite_pragmas(engine)
        lean_savepoints(engine.dialect)
        return engine
    # pre_ping: a connection the database dropped (a restart, a network cut) is noticed and
    # replaced at checkout, so service resumes by itself (the writers' kept connections are
    # checked their own way, `Database.writer_connection`). connect_timeout: while it cannot be
    # reached, a request answers 503 within seconds instead of hanging on a silent network.
    engine = sa.create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
        **_JSON_COLUMNS,
    )
    lean_savepoints(engine.dialect)
    lean_pipeline(engine.dialect)
    return engine


# Every SQLite connection's settings (bench/floor.py opens its bare connection with them too).
SQLITE_PRAGMAS: tuple[str, ...] = (
    "journal_mode=WAL",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    "busy_timeout=30000",
    # A savepoint's journal and other temporary storage in memory, never in a file: a server
    # whose sockets took every file handle must still save (tests/db/test_temp_files).
    "temp_store=MEMORY",
    # Deleted rows and freed pages are overwritten with zeros, not left in the file for
    # anyone who reads it: a deleted peer assist leaves nothing of it (API.md). Some builds
    # of SQLite do so by default (Debian's), others do not.
    "secure_delete=ON",
)


def _sqlite_pragmas(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin (see "begin" below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Take the write lock up front: a read that later upgrades to a write can deadlock
        # and fail at once, whereas BEGIN IMMEDIATE waits its turn.
        # Reads ask for a plain deferred BEGIN: they see a snapshot and block nobody.
        # Run on the driver's cursor: every write begins here, and SQLAlchemy's execution
        # machinery cost more than the BEGIN itself (bench/README.md).
        read_only = conn.get_execution_options().get("read_only", False)
        (_BEGIN if read_only else _BEGIN_IMMEDIATE).run(conn)


def _connection(engine: sa.Engine, held: sa.Connection | None) -> AbstractContextManager:
    # A held connection outlives the block; one from the pool goes back when it ends. (Not a
    # generator: every write enters it.)
    return nullcontext(held) if held is not None else engine.connect()


def _end_driver_transaction(conn: sa.Connection) -> None:
    """After a COMMIT that failed, SQLAlchemy sends no ROLLBACK, and the driver's transaction
    stays open (with SQLite's write lock). The pool's reset used to end it; a connection that
    is kept must end it here, or every later write on it fails."""
    if conn.invalidated or conn.closed:
        return
    with contextlib.suppress(Exception):
        raw = conn.connection.dbapi_connection
        if _driver_transaction_open(raw, failed_too=True):
            raw.rollback()


def transaction_open(session: Session) -> bool:
    """Whether the session's transaction is still open: held by the database (which may have
    ended it after an error, whatever SQLAlchemy believes), or begun here with its BEGIN still
    kept back (pipeline.py)."""
    try:
        fairy = session.connection().connection
    except Exception:
        return False
    return _driver_transaction_open(fairy.dbapi_connection) or begin_kept(fairy)


_KEPT_SINCE = "writer_kept_since"  # in a connection's info: when a writer last took it


def _server_spoke(conn: sa.Connection) -> bool:
    """Whether a database server said something on a connection that is between transactions.

    It does only to end the session: a restart, an administrator's terminate, an idle timeout
    each send their reason and close the socket, and the socket then reads as ready. That is
    seen with one poll of the socket, where the pool's pre-ping costs a round trip (anything
    else read there, which this app never asks for, only costs a new connection)."""
    raw = conn.connection.dbapi_connection
    if raw is None or raw.closed:
        return True
    # poll, not select: a worker with thousands of sockets has descriptors past select's limit.
    ready = select.poll()
    ready.register(raw.fileno(), select.POLLIN)
    return bool(ready.poll(0))


def _driver_transaction_open(raw: Any, *, failed_too: bool = False) -> bool:
    """Whether the driver's connection is inside a transaction (True when it cannot tell);
    with `failed_too`, one that an error left failed counts (PostgreSQL then refuses all but a
    rollback: a COMMIT that went in a pipeline behind a failed statement never ran)."""
    in_transaction = getattr(raw, "in_transaction", None)  # sqlite3
    if isinstance(in_transaction, bool):
        return in_transaction
    status = getattr(getattr(raw, "info", None), "transaction_status", None)  # psycopg
    return status is None or status.name == "INTRANS" or (failed_too and status.name == "INERROR")


class Database:
    """One engine for the app; sessions are short and belong to one request."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._file = self.engine.dialect.name == "sqlite"  # one file, no server
        # SQLite has one writer at a time. Left to SQLite, writers that find the lock taken
        # sleep in its busy handler, up to 100 ms a time, however soon the lock frees: under
        # many writes at once, answers took seconds (bench scenario 9). Queued on a lock of
        # our own, the next writer starts the moment the last one commits. (Other processes
        # still meet SQLite's busy timeout; several workers want PostgreSQL anyway.)
        self._one_writer: AbstractContextManager = threading.Lock() if self._file else nullcontext()
        # A read must see one moment: the state's seq and its cards have to agree. SQLite's
        # deferred BEGIN gives a snapshot; PostgreSQL needs REPEATABLE READ for the same.
        options: dict = {"read_only": True}
        if self.engine.dialect.name == "postgresql":
            options["isolation_level"] = "REPEATABLE READ"
        self._read_engine = self.engine.execution_options(**options)
        self._reads_in_place = self._file
        # How long a writer's kept connection to a server may wait between writes before the
        # pool's pre-ping checks it again.
        self.writer_idle_s = 1.0
        # A SQLite file in WAL mode is checkpointed by a thread, never by a commit.
        self.checkpointer = Checkpointer(self.engine, self._one_writer) if self._file else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that may write, its transaction the caller's to begin and end (tests set
        up rooms with it; the app writes through `transaction`). On SQLite it holds the write
        lock from its first statement."""
        with self._one_writer, Session(self.engine, expire_on_commit=False) as session:
            yield session

    def writer_connection(self, kept: sa.Connection | None) -> sa.Connection:
        """The connection a writer thread keeps for all its transactions: `kept` while it is
        sound, else one from the pool.

        The pool's check-out and check-in (its events, the reset's rollback, and on PostgreSQL
        the pre-ping's round trip) were a quarter of a card's write on SQLite and a fifth of
        its CPU on PostgreSQL (bench/README.md). The pre-ping is how a restarted server is
        noticed before a write fails on a dead connection. A kept connection is asked without
        a round trip instead (`_server_spoke`) while writes come often; one that has waited
        `writer_idle_s` goes back to the pool to be pre-pinged: a server that went away without
        a word (a host that rebooted, an address that moved) shows only to a round trip."""
        if kept is not None and not kept.closed:
            if kept.invalidated:
                # (SQLAlchemy would reconnect it by itself, as a plain connection: without the
                # autocommit below, on which the writer's own BEGIN depends.)
                kept.close()
            elif self._file:
                return kept  # a file does not go away like a server
            else:
                now = time.monotonic()
                recent = now - kept.info.get(_KEPT_SINCE, now) < self.writer_idle_s
                if recent and not _server_spoke(kept):
                    kept.info[_KEPT_SINCE] = now
                    return kept
                if recent:
                    kept.invalidate()  # it spoke: the server ended it
                kept.close()
        fresh = self.engine.connect()
        if not self._file:
            # The writer begins its transactions itself, with their first statement (pipeline.py).
            fresh.execution_options(isolation_level="AUTOCOMMIT")
        fresh.info[_KEPT_SINCE] = time.monotonic()
        return fresh

    @contextmanager
    def transaction(self, connection: sa.Connection | None = None) -> Iterator[Session]:
        """A session in one write transaction, committed when the block ends and rolled back
        when it raises: on `connection` (a writer's own, see writer_connection), or on one
        from the pool."""
        with self._one_writer, _connection(self.engine, connection) as conn:
            try:
                with conn.begin():
                    # The session joins the connection's transaction; the block's end commits.
                    session = Session(bind=conn, expire_on_commit=False)
                    hold_connection(session, conn)
                    try:
                        yield session
                        session.flush()
                    finally:
                        session.close()
            except BaseException:
                _end_driver_transaction(conn)
                raise

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads only."""
        with Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a short read for the event loop: on SQLite in place, elsewhere in a thread.

        In WAL mode a SQLite read waits for no writer and costs the CPU it costs wherever it
        runs (the GIL), while the hand-over to a thread and back (a queue, two wake-ups, the
        GIL passed twice) was a tenth of a live socket's connect (bench/README.md). A database
        server answers over the network, and the loop must not wait for that."""
        if self._reads_in_place:
            return fn(*args)
        return await anyio.to_thread.run_sync(functools.partial(fn, *args))

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()
