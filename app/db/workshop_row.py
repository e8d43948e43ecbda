"""The workshop's row, read on the lean path: for every write, locked and kept for the rest of
the transaction; for every read (a snapshot, a state, a page), as the ORM's query would give it.

Every write and every live socket's snapshot begin here, so its cost is on every card, every
vote and every connect. The row is read with a `Lean` statement, and the `Workshop` is made
from it as the ORM's loader makes one (no constructor, no validation) and handed to the session
as a persistent object, so a change an action makes is flushed as an UPDATE exactly as before.
Read this way instead of through the ORM's query, a card's whole write takes about a tenth
fewer instructions (bench/README.md).

A group commit runs many writes in one transaction, often to the same workshop. Its row is
locked by the first of them (SQLite's `BEGIN IMMEDIATE` locks the whole database), and nobody
else can change it before the commit: the later writes take the object held here, with no
statement at all. A savepoint rolled back gives its lock back on PostgreSQL, and may leave
the object behind it out of date (the head of the event stream is set without marking the
object changed), so whoever rolls one back calls `forget_locks`, and the next write reads the
row again under a new lock.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import class_mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from .lean import Lean, connection_of
from .models import Workshop

_TABLE = Workshop.__table__  # type: ignore[attr-defined]
_BY_ID = _TABLE.c.id == sa.bindparam("workshop_id")
_FOR_WRITE = Lean(sa.select(_TABLE).where(_BY_ID).with_for_update())
_FOR_READ = Lean(sa.select(_TABLE).where(_BY_ID))
# When the session already holds the workshop, its own query merges the row into that object
# (keeping what this transaction changed); like session.get, it does not flush first.
_MERGED = sa.select(Workshop).where(_BY_ID).execution_options(autoflush=False)
_LOCKED = "workshops_locked"
_MAPPER = class_mapper(Workshop)
_NEW = _MAPPER.class_manager.new_instance


def _held(session: Session, workshop_id: str) -> Workshop | None:
    """The session's own object for the workshop, if it holds one."""
    return session.identity_map.get(_MAPPER.identity_key_from_primary_key((workshop_id,)))


def lock_workshop(session: Session, *, workshop_id: str) -> Workshop | None:
    """The workshop, its row locked until this transaction ends; None when there is none.
    The caller (queries.lock_workshop) checks that the id is plausible first."""
    # Held here, not only in the identity map, which lets go of an object nobody changed.
    locked: dict[str, Workshop] = session.info.setdefault(_LOCKED, {})
    held = locked.get(workshop_id)
    if held is not None:
        state = sa.inspect(held)
        if state.persistent and not state.expired_attributes:
            return held
    held = _held(session, workshop_id)
    if held is not None and sa.inspect(held).modified:
        session.flush()  # what this transaction changed is written first, as autoflush would
    rows = _FOR_WRITE.rows(connection_of(session), {"workshop_id": workshop_id})
    if not rows:
        return None
    locked[workshop_id] = workshop = _persistent(session, held, rows[0]._asdict())
    return workshop


def read_workshop(session: Session, *, workshop_id: str) -> Workshop | None:
    """The workshop for a read, the session's own object if it holds one; None when there is
    none. The caller (queries.get_workshop) checks that the id is plausible first."""
    if _held(session, workshop_id) is not None:
        return session.scalars(_MERGED, {"workshop_id": workshop_id}).first()
    rows = _FOR_READ.rows(connection_of(session), {"workshop_id": workshop_id})
    return _persistent(session, None, rows[0]._asdict()) if rows else None


def forget_locks(session: Session) -> None:
    """After a savepoint rolled back: what it locked and read may be gone with it."""
    session.expire_all()
    session.info.pop(_LOCKED, None)


def _persistent(session: Session, held: Workshop | None, values: dict) -> Workshop:
    if held is not None:
        # The session's own object stays the one everybody holds; the row is its new truth.
        for key, value in values.items():
            set_committed_value(held, key, value)
        return held
    return _attached(session, values)


def _attached(session: Session, values: dict) -> Workshop:
    # As the ORM's loader makes an object from a row (sqlalchemy/orm/loading.py, `_instance`):
    # no constructor, no validation, its identity set and its state entered in the session's
    # identity map. `session.add` of a detached object came to a tenth of a card's write, in
    # checks and events that an object just read needs none of (bench/README.md). The map's
    # own `add` still refuses a second object of the same workshop, as `session.add` did.
    if _MAPPER.class_manager.dispatch.load or session.dispatch.loaded_as_persistent:
        raise RuntimeError(_LISTENED)
    workshop: Workshop = _NEW()
    state = sa.inspect(workshop)
    state.dict.update(values)
    state.key = (Workshop, (values["id"],), None)
    state.session_id = session.hash_key
    session.identity_map.add(state)
    return workshop


_LISTENED = (
    "Something now listens for workshops being loaded, and app/db/workshop_row.py makes them "
    "without firing those events: load them through the ORM here instead."
)


def guard_loader_internals() -> None:
    """`_attached` does what SQLAlchemy's loader does, with its internals, so SQLAlchemy is
    pinned (pyproject.toml) and this refuses, at import, a version where they have moved."""
    session = sa.orm.Session()
    if (
        not isinstance(getattr(session, "hash_key", None), int)
        or not callable(getattr(session.identity_map, "add", None))
        or _MAPPER.identity_key_from_primary_key(("x",)) != (Workshop, ("x",), None)
    ):
        raise RuntimeError(
            f"SQLAlchemy {sa.__version__} has moved what app/db/workshop_row.py relies on"
        )


guard_loader_internals()
