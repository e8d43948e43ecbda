"""On PostgreSQL, the statements of a write that answer nothing go with the next one that does.

Each statement sent on its own waits a round trip for its answer: the server's process is woken,
runs it and answers, and on a machine whose cores the app and the database share, that hand-over,
not the statement, was most of a write's time (bench/README.md). A card's write waited for eight:
the BEGIN, the workshop's lock, the card, its author, the event, the head, the search row and the
COMMIT. Only the lock and the card answer what the write needs before it can go on. So the lean
statements run for their effect (`Lean.run`, `Lean.run_many`) and every SAVEPOINT and RELEASE
are kept back, and psycopg's pipeline mode sends them in one round trip with the next
statement that must wait: a read, any statement SQLAlchemy runs, or the COMMIT. The writers'
BEGIN is kept back too (psycopg waits for its own, even in a pipeline, so their connections are
in the driver's autocommit mode and the BEGIN is theirs). A card alone now waits for three: the
BEGIN with the workshop's lock, the card (its author read inside the insert), and the event, the
head, the search row and the COMMIT together.

What is kept back goes before anything else on that connection, so the server runs every
statement in the order the app wrote them, in the transaction that wrote them. An error in one
is raised by the statement it went with, and fails that write as its own error would have. A
group commit sends a write's kept statements before the write leaves its savepoint
(`lean.send_kept_back`), so each write still answers its own failure. A rollback forgets them:
they were never sent, and it would have undone them anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

_KEPT = "lean_kept_back"  # in a connection's info: [(sql, rows)], sent with the next statement
_MARK = "lean_pipeline"  # on a dialect that keeps statements back
_ALONE = nullcontext()
_BEGIN = ("BEGIN", None)  # kept first on a connection whose driver begins nothing itself


def keeps_back(dialect: Dialect) -> bool:
    return getattr(dialect, _MARK, False)


def keep_back(conn: sa.Connection, sql: str, rows: Sequence | None) -> bool:
    """Keep a statement that answers nothing for the connection's next round trip; False when
    it must be sent now (another database, or no transaction to hold it)."""
    if not keeps_back(conn.dialect) or not conn.in_transaction():
        return False
    conn.connection.info.setdefault(_KEPT, []).append((sql, rows))
    return True


def undo_kept(fairy: Any, savepoint: str) -> bool:
    """Forget what was kept back since the statement `savepoint` began a savepoint; True when
    that statement was kept back too, so the server never saw the savepoint."""
    kept = take_kept(fairy)
    for i, (sql, rows) in enumerate(kept or ()):
        if rows is None and sql == savepoint:
            if i:
                fairy.info[_KEPT] = kept[:i]  # type: ignore[index]
            return True
    return False  # it was sent, with everything kept before it


def begin_kept(fairy: Any) -> bool:
    """Whether the connection's transaction has begun here but its BEGIN is still kept back
    (so the server does not know of it yet)."""
    kept = fairy.info.get(_KEPT)
    return bool(kept) and kept[0] is _BEGIN


def take_kept(fairy: Any) -> list | None:
    """What `fairy`'s connection kept back, no longer kept."""
    try:
        info = fairy.info
    except NotImplementedError:  # SQLAlchemy's own connection for its first look at a server
        return None
    return info.pop(_KEPT, None)


def together(fairy: Any, raw: Any, pipelined: bool) -> Any:
    """A block whose statements go in one round trip after what `fairy` kept back
    (`pipelined`: the dialect keeps statements back). Its end waits for the answers, and
    raises the first error among them."""
    kept = take_kept(fairy) if pipelined else None
    return _ALONE if kept is None else Together(raw, kept)


class Together:
    """psycopg's pipeline, opened with the kept statements queued. (A class: a generator's
    context manager costs several times as much, on every statement of every write.)"""

    __slots__ = ("kept", "pipeline", "raw")

    def __init__(self, raw: Any, kept: list | None) -> None:
        self.raw, self.kept = raw, kept

    def __enter__(self) -> None:
        self.pipeline = self.raw.pipeline()
        self.pipeline.__enter__()
        try:
            self._queue()
        except BaseException as exc:
            # psycopg raises an error it has already read while queueing: the pipeline must
            # end here, or the rollback that follows would go into it and be skipped.
            self.pipeline.__exit__(type(exc), exc, exc.__traceback__)
            raise

    def _queue(self) -> None:
        with self.raw.cursor() as cursor:
            for sql, rows in self.kept or ():
                if rows is None:  # a statement of its own: BEGIN, a savepoint's, COMMIT
                    cursor.execute(sql)
                elif len(rows) == 1:
                    cursor.execute(sql, rows[0])
                else:
                    cursor.executemany(sql, rows)

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> None:
        self.pipeline.__exit__(kind, exc, tb)


def lean_pipeline(dialect: Dialect) -> None:
    """Have a psycopg dialect send what was kept back with its next statement, its COMMIT
    included, and forget it on a rollback. (The dialect's `do_` methods are where SQLAlchemy
    hands a statement to the driver; `lean_savepoints` replaces three more the same way.)"""
    setattr(dialect, _MARK, True)
    execute, many = dialect.do_execute, dialect.do_executemany
    no_params = dialect.do_execute_no_params
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def carrying(cursor: Any, context: Any) -> Any:
        # (Without a context there is no connection to have kept anything.)
        if context is None:
            return _ALONE
        return together(context.root_connection.connection, cursor.connection, True)

    def do_execute(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        with carrying(cursor, context):
            execute(cursor, statement, parameters, context)

    def do_executemany(cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        with carrying(cursor, context):
            many(cursor, statement, parameters, context)

    def do_execute_no_params(cursor: Any, statement: str, context: Any = None) -> None:
        with carrying(cursor, context):
            no_params(cursor, statement, context)

    def do_begin(fairy: Any) -> None:
        # A writer's connection is in the driver's autocommit mode (`writer_connection`), so
        # psycopg sends no BEGIN of its own, which it would wait for even in a pipeline: the
        # BEGIN goes with the transaction's first statement instead.
        if fairy.dbapi_connection.autocommit:
            fairy.info[_KEPT] = [_BEGIN]

    def do_commit(fairy: Any) -> None:
        kept = take_kept(fairy)
        if not kept or kept == [_BEGIN]:  # (a transaction that sent nothing has nothing to end)
            commit(fairy)
            return
        # Sent as a statement: psycopg's own commit() in a pipeline waits for its answer, and
        # leaving the pipeline then waits once more.
        with Together(fairy.dbapi_connection, [*kept, ("COMMIT", None)]):
            pass

    def do_rollback(fairy: Any) -> None:
        take_kept(fairy)  # never sent: nothing of it to undo
        rollback(fairy)

    dialect.do_execute = do_execute  # type: ignore[method-assign]
    dialect.do_executemany = do_executemany  # type: ignore[method-assign]
    dialect.do_execute_no_params = do_execute_no_params  # type: ignore[method-assign]
    dialect.do_begin = do_begin  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
