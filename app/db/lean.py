"""Statements on the hottest paths, compiled once and run on the driver's cursor: what every
card and every event writes, every write's BEGIN, and a new live socket's check that its viewer
is still in.

SQLAlchemy builds an execution context, a result and its metadata around each statement it
runs, even one it has compiled before: on a card's write that cost about three times what
SQLite took to run the statements themselves (bench/README.md). A `Lean` statement is still
written as Core, so it has one definition and the columns' own types: it is compiled once per
dialect, and each run converts its parameters and its result columns with the processors that
SQLAlchemy would have used (dates, booleans, JSON), so a row reads back the same either way.

It runs inside the caller's transaction, on the connection the session has already begun (`BEGIN
IMMEDIATE` on SQLite, itself a lean statement run as SQLAlchemy begins, see engine.py). A
driver's error leaves as SQLAlchemy's own would: the same exception classes (a unique-row race
is an IntegrityError, a database gone away an OperationalError, which the app answers with 503),
and a connection found dead is invalidated so the pool does not hand it out again. It takes
plain statements only: no expanding `IN`, no defaults computed in Python, no schema translation
(each would need the machinery this skips, and compiling refuses them).
"""

from __future__ import annotations

import operator
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from .pipeline import Together, keep_back, keeps_back, take_kept, together, undo_kept

_TYPE_CODE = operator.itemgetter(1)  # a result column's type, as the driver names it
# Values SQLAlchemy would convert: (position, its processor), only where there is one.
Conversions = tuple[tuple[int, Callable[[Any], Any]], ...]


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the bind parameters, in the order a positional driver takes them
    positional: bool
    converted: Conversions  # the conversions of the parameters, by position
    defaults: Mapping[str, Any]  # values written into the statement itself
    types: tuple[sa.types.TypeEngine, ...]  # the result's columns
    row: type
    # The conversions of the result columns, by the driver's column types (psycopg names
    # them per row set).
    results: dict[tuple, Conversions] = field(default_factory=dict)

    def parameters(self, params: Mapping[str, Any]) -> Sequence | dict:
        try:
            values = [params[n] for n in self.names]
        except KeyError:  # a value the statement holds itself; a missing one raises here
            values = [params[n] if n in params else self.defaults[n] for n in self.names]
        # As SQLAlchemy does, None goes through the processor too (JSON may write it as null).
        for i, process in self.converted:
            values[i] = process(values[i])
        return values if self.positional else dict(zip(self.names, values, strict=True))

    def decoded(self, fetched: list, dialect: Dialect, key: tuple) -> list:
        """The rows, each value as SQLAlchemy would give it; `key`: each column's type as the
        driver names it (`type_codes`)."""
        processors = self.results.get(key)
        if processors is None:
            processors = self.results[key] = tuple(
                (i, p)
                for i, (t, code) in enumerate(zip(self.types, key, strict=True))
                if (p := t._cached_result_processor(dialect, code)) is not None
            )
        make = self.row._make
        if not processors:
            return [make(r) for r in fetched]
        rows = []
        for r in fetched:
            values = list(r)
            for i, process in processors:
                values[i] = process(values[i])
            rows.append(make(values))
        return rows


class Lean:
    """One Core statement, run without SQLAlchemy's per-execution machinery."""

    def __init__(self, statement: sa.Executable, *, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        # An INSERT's columns: the keys every row gives (otherwise the table's every column).
        self.keys = list(keys) if keys is not None else None
        self._plans: dict[tuple, _Plan] = {}

    def _plan(self, dialect: Dialect, *, many: bool = False) -> _Plan:
        key = (dialect.name, dialect.driver, dialect.paramstyle, dialect.server_version_info, many)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect, many)
        return plan

    def _compile(self, dialect: Dialect, many: bool) -> _Plan:
        # Compiled for executemany, an INSERT asks for no ids back (PostgreSQL would add
        # RETURNING id, and send rows nobody reads).
        compiled = self.statement.compile(
            dialect=dialect, column_keys=self.keys, for_executemany=many
        )
        assert isinstance(compiled, SQLCompiler)
        if (
            compiled.literal_execute_params
            or compiled.post_compile_params
            or compiled.insert_prefetch
            or compiled.update_prefetch
            or compiled.escaped_bind_names
        ):
            raise ValueError(f"not a plain statement, run it through SQLAlchemy: {compiled}")
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        processors = compiled._bind_processors
        columns = compiled._result_columns
        return _Plan(
            sql=compiled.string,
            names=names,
            positional=compiled.positional,
            converted=tuple(
                (i, p) for i, n in enumerate(names) if (p := processors.get(n)) is not None
            ),
            defaults={n: b.effective_value for n, b in compiled.binds.items() if not b.required},
            types=tuple(c.type for c in columns),
            row=namedtuple("Row", [c.keyname for c in columns]) if columns else tuple,
        )

    def rows(self, conn: sa.Connection, params: Mapping[str, Any] | None = None) -> list:
        """Run it once; the rows it returns (a SELECT's, or a RETURNING's), as named tuples."""
        plan = self._plan(conn.dialect)
        values = plan.parameters(params or {})
        with _Cursor(conn, plan.sql, values) as cursor:
            with together(conn.connection, cursor.connection, keeps_back(conn.dialect)):
                cursor.execute(plan.sql, values)
            if not plan.types:
                return []
            fetched, key = cursor.fetchall(), type_codes(cursor)
        return plan.decoded(fetched, conn.dialect, key)

    def run(self, conn: sa.Connection, params: Mapping[str, Any] | None = None) -> None:
        """Run it for its effect, once per row given (an INSERT then asks for no id back)."""
        self.run_many(conn, [params or {}])

    def run_many(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per row, as the driver's executemany when there are several."""
        plan = self._plan(conn.dialect, many=True)
        values = [plan.parameters(r) for r in rows]
        if keep_back(conn, plan.sql, values):
            return  # sent with the connection's next statement (pipeline.py)
        with _Cursor(conn, plan.sql, values) as cursor:
            if len(values) == 1:
                cursor.execute(plan.sql, values[0])
            else:
                cursor.executemany(plan.sql, values)


def type_codes(cursor: Any) -> tuple:
    """Each result column's type, as the driver names it (its `description`'s type_code)."""
    result = getattr(cursor, "pgresult", None)
    if result is not None:
        # psycopg builds its description, a Column object per column, each time it is
        # asked: for a card's write, 44 objects for their type codes alone, a quarter of the
        # writer's instructions on PostgreSQL (bench/README.md).
        return tuple(map(result.ftype, range(result.nfields)))
    return tuple(map(_TYPE_CODE, cursor.description))


def lean_savepoints(dialect: Dialect) -> None:
    """Have the dialect send SAVEPOINT, RELEASE and ROLLBACK TO on the driver's cursor.

    A group commit runs each write in a savepoint of its own, and SQLAlchemy compiles those
    statements anew each time (each savepoint has a new name, so none is cached): the two of
    them cost a write in a group more than the commit it shares saves (bench/README.md). The
    dialect's `do_savepoint` and its two siblings are where SQLAlchemy's own dialects change
    these statements. The connection's savepoint events still fire before them; what no longer
    sees them is what sees every lean statement: `before_cursor_execute` listeners and echo.
    """
    # format_savepoint, as SQLAlchemy's compiler names them: `quote` would remember each name,
    # and a kept connection numbers its savepoints without end.
    name_of = dialect.identifier_preparer.format_savepoint

    def send_now(conn: sa.Connection, sql: str) -> None:
        with _Cursor(conn, sql, ()) as cursor:
            cursor.execute(sql)

    def send(conn: sa.Connection, sql: str) -> None:
        if not keep_back(conn, sql, None):  # kept, it goes with the next statement (pipeline.py)
            send_now(conn, sql)

    def savepoint(conn: sa.Connection, name: str) -> None:
        send(conn, f"SAVEPOINT {name_of(None, name)}")

    def release(conn: sa.Connection, name: str) -> None:
        send(conn, f"RELEASE SAVEPOINT {name_of(None, name)}")

    def rollback_to(conn: sa.Connection, name: str) -> None:
        # A savepoint never sent (nor anything after it) has nothing to roll back.
        if not undo_kept(conn.connection, f"SAVEPOINT {name_of(None, name)}"):
            send_now(conn, f"ROLLBACK TO SAVEPOINT {name_of(None, name)}")

    dialect.do_savepoint = savepoint  # type: ignore[method-assign]
    dialect.do_release_savepoint = release  # type: ignore[method-assign]
    dialect.do_rollback_to_savepoint = rollback_to  # type: ignore[method-assign]


_CONNECTION = "lean_connection"


def hold_connection(session: Any, conn: sa.Connection) -> None:
    """Name the connection a write transaction was begun on (`Database.transaction`), so its
    lean statements need not ask the session for it each time: the session's own look-up walks
    its transaction's state, and a card's write asked it five times."""
    session.info[_CONNECTION] = conn


def connection_of(session: Any) -> sa.Connection:
    """The connection to run a lean statement on: the write's own, else the session's. Inside
    a savepoint it is always the session's: SQLAlchemy sends the SAVEPOINT only when the
    session first hands out its connection within it, and a statement sent before would fall
    outside it (tests/realtime/test_group_commit.py)."""
    conn = session.info.get(_CONNECTION)
    if conn is None or session.in_nested_transaction() or not conn.in_transaction():
        # (After a rollback outside a savepoint the session, not this, knows what is allowed.)
        return session.connection()
    return conn


def send_kept_back(conn: sa.Connection) -> None:
    """Send what the connection kept back (pipeline.py) now, and raise its error here."""
    kept = take_kept(conn.connection)
    if kept:
        # Named as all of them: which one failed, only the error's own message says.
        sql = "; ".join(statement for statement, _ in kept)
        with _Cursor(conn, sql, None) as cursor, Together(cursor.connection, kept):
            pass


class _Cursor:
    """A cursor on the session's connection. A driver's error leaves as SQLAlchemy would raise
    it, the connection invalidated if it is dead; anything else as it is. (A class: on the path
    of every card, a generator's context manager cost three times as much.)"""

    __slots__ = ("conn", "cursor", "sql", "values")

    def __init__(self, conn: sa.Connection, sql: str, values: Any) -> None:
        self.conn, self.sql, self.values = conn, sql, values
        self.cursor = conn.connection.cursor()

    def __enter__(self) -> Any:
        return self.cursor

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: object) -> None:
        cursor = self.cursor
        # A cursor of a connection just invalidated may refuse to close; the error that got
        # us here is the one to report. (Not contextlib.suppress: this runs for every
        # statement of every write, and a suppress object costs more than the close.)
        try:  # noqa: SIM105
            cursor.close()
        except Exception:
            pass
        if exc is None:
            return
        dialect = self.conn.dialect
        base = dialect.loaded_dbapi.Error
        if not isinstance(exc, base):
            return  # raised as it is
        dead = dialect.is_disconnect(exc, self.conn.connection.dbapi_connection, cursor)
        if dead:
            self.conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            self.sql, self.values, exc, base, connection_invalidated=dead, dialect=dialect
        ) from exc
