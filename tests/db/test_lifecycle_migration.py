"""Migration 0005 on a database with peer assists in it: closed ones learn when they closed,
and stored answers learn their workshop, so retention and deletion cover the old rows too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from app.cli import alembic_config
from app.db.engine import make_engine
from tests.conftest import drop_schema, postgres_database

REVISION = "0005"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def before_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the revision before this one, created by Alembic."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
    else:
        pg = postgres_database()  # at head: step back to before this revision
        request.addfinalizer(lambda: drop_schema(pg.schema))
        url = pg.url
    config = alembic_config(url)
    previous = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    if request.param == "sqlite":
        command.upgrade(config, str(previous))
    else:
        command.downgrade(config, str(previous))
    yield url


WORKSHOP = (
    "INSERT INTO workshop (id, title, problem, duration_minutes, facilitator_name, recorded, "
    "created_at, phase, agenda, timer_status, timer_duration_s, host_team_muted, speakers, "
    "private_writing, room_code, auto_admit, last_seq) VALUES (:id, 'T', 'P', 60, 'F', false, "
    ":created, :phase, '[]', 'stopped', 0, false, '[]', false, :room, false, 0)"
)


def test_old_rows_are_given_what_retention_and_deletion_need(before_url: str) -> None:
    engine = make_engine(before_url)
    created, last_event = "2025-01-01 09:00:00+00:00", "2025-01-02 17:30:00+00:00"
    with engine.begin() as conn:
        for wid, phase in (("closed1", "closed"), ("quiet1", "closed"), ("open1", "feedback")):
            conn.execute(
                sa.text(WORKSHOP), {"id": wid, "created": created, "phase": phase, "room": wid}
            )
        conn.execute(
            sa.text(
                "INSERT INTO event (workshop_id, seq, type, at, data) "
                "VALUES ('closed1', 1, 'phase.changed', :at, '{}')"
            ),
            {"at": last_event},
        )
        conn.execute(
            sa.text(
                "INSERT INTO participant (id, workshop_id, role, name, token_hash, joined_at, "
                "signal) VALUES (7, 'open1', 'visitor', 'V', 'h7', :at, 'none')"
            ),
            {"at": created},
        )
        answers = [
            ("participant:7", "{}"),
            ("join:closed1:127.0.0.1", "{}"),
            ("knock:quiet1", "{}"),
            ("create:127.0.0.1", '{"workshop_id": "open1"}'),
            ("create:10.0.0.1", '{"workshop_id": "gone-long-ago"}'),
        ]
        for i, (scope, body) in enumerate(answers):
            conn.execute(
                sa.text(
                    "INSERT INTO idempotent_response (scope, key, request_hash, status_code, "
                    "body, created_at) VALUES (:scope, :key, 'x', 201, :body, :at)"
                ),
                {"scope": scope, "key": f"k{i}", "body": body, "at": created},
            )
    engine.dispose()

    command.upgrade(alembic_config(before_url), REVISION)

    engine = make_engine(before_url)
    with engine.connect() as conn:
        closed = dict(conn.execute(sa.text("SELECT id, closed_at FROM workshop")).all())
        owners = dict(
            conn.execute(sa.text("SELECT scope, workshop_id FROM idempotent_response")).all()
        )
    engine.dispose()
    assert "2025-01-02" in str(closed["closed1"])  # its last event
    assert "2025-01-01" in str(closed["quiet1"])  # no events: when it was created
    assert closed["open1"] is None
    assert owners == {
        "participant:7": "open1",
        "join:closed1:127.0.0.1": "closed1",
        "knock:quiet1": "quiet1",
        "create:127.0.0.1": "open1",
        "create:10.0.0.1": None,
    }
