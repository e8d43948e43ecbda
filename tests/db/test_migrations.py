"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel

from app.cli import alembic_config
from app.db import models
from app.db.engine import make_engine
from app.search.schema import include_name
from tests.conftest import drop_schema, migrate, postgres_database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# The tables the contract needs; the models may hold more, and the migrations must make them all.
CORE_TABLES = {
    "workshop",
    "invite",
    "participant",
    "card",
    "vote",
    "action",
    "commitment",
    "event",
    "idempotent_response",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database brought to head by `alembic upgrade head` (not a copied template)."""
    if request.param == "sqlite":
        path = tmp_path / "fresh.db"
        assert not path.exists()
        migrate(f"sqlite:///{path}")
        yield f"sqlite:///{path}"
        return
    pg = postgres_database()  # an empty schema, then `alembic upgrade head`
    try:
        yield pg.url
    finally:
        drop_schema(pg.schema)


@pytest.fixture
def engine(fresh_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(fresh_url)
    yield engine
    engine.dispose()


def test_upgrade_head_creates_every_table(engine: sa.Engine) -> None:
    # The search index is the engine's own (FTS5 or tsvector), not a model; see app/search.
    names = {n for n in sa.inspect(engine).get_table_names() if include_name(n, "table", {})}
    assert set(SQLModel.metadata.tables) >= CORE_TABLES
    assert names == set(SQLModel.metadata.tables) | {"alembic_version"}
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert heads == [current] and current is not None


def test_models_and_migrated_schema_match(engine: sa.Engine) -> None:
    assert models.Event.__tablename__ == "event"  # the models are imported and registered
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_the_comparison_would_see_a_drift(engine: sa.Engine) -> None:
    """A control: a model with one more column than the migrations made shows up in the diff."""
    drifted = sa.MetaData()
    for table in SQLModel.metadata.tables.values():
        table.to_metadata(drifted)
    sa.Table("workshop", drifted, sa.Column("not_migrated", sa.Integer), extend_existing=True)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, drifted)
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "not_migrated")]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "pragmas.db"
    migrate(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30000
            # Whatever SQLite's build leaves it at (Debian's zeroes, others do not).
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar_one() == 1
    finally:
        engine.dispose()
    # WAL is a property of the file: it stays on for plain connections too.
    plain = sa.create_engine(f"sqlite:///{path}")
    try:
        with plain.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    finally:
        plain.dispose()


def workshop(workshop_id: str = "w1") -> models.Workshop:
    return models.Workshop(
        id=workshop_id,
        title="T",
        problem="P",
        duration_minutes=60,
        facilitator_name="F",
        created_at=NOW,
        phase="welcome",
        agenda=[],
        timer_status="stopped",
        timer_duration_s=0,
        speakers=[],
        room_code=f"ROOM{workshop_id}",
    )


def event(seq: int, workshop_id: str = "w1") -> models.Event:
    return models.Event(
        workshop_id=workshop_id, seq=seq, type="phase.changed", at=NOW, data={"phase": "context"}
    )


def test_event_seq_is_unique_per_workshop(engine: sa.Engine) -> None:
    with Session(engine) as session:
        session.add(workshop("w1"))
        session.add(workshop("w2"))
        session.commit()
        session.add_all([event(1, "w1"), event(2, "w1"), event(1, "w2")])
        session.commit()
    with Session(engine) as session:
        session.add(event(2, "w1"))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT workshop_id, seq FROM event ORDER BY workshop_id, seq"))
        assert [tuple(r) for r in rows] == [("w1", 1), ("w1", 2), ("w2", 1)]


def test_foreign_keys_are_enforced(engine: sa.Engine) -> None:
    with Session(engine) as session:
        session.add(event(1, "no-such-workshop"))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()
