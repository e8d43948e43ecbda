"""The migration indexes the peer assists that existed before search did."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from app.cli import alembic_config
from app.search import EVERY_WORKSHOP, search

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_upgrade_indexes_existing_peer_assists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0006")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO workshop (id, title, problem, duration_minutes, facilitator_name,"
                " recorded, created_at, phase, agenda, timer_status, timer_duration_s,"
                " host_team_muted, speakers, private_writing, room_code, auto_admit, last_seq)"
                " VALUES ('old1', 'Falls at night', 'Patients fall.', 60, 'Ada', 0, :now,"
                " 'closed', '[]', 'stopped', 0, 0, '[]', 0, 'R1', 0, 0)"
            ),
            {"now": NOW},
        )
        conn.execute(
            sa.text(
                "INSERT INTO participant (id, workshop_id, role, name, token_hash, joined_at,"
                " signal) VALUES (1, 'old1', 'facilitator', 'Ada', 'h', :now, 'none')"
            ),
            {"now": NOW},
        )
        for text, hidden in (("Low beds with floor mats", 0), ("Blame the night staff", 1)):
            conn.execute(
                sa.text(
                    "INSERT INTO card (workshop_id, author_id, kind, text, anonymous, hidden,"
                    " private, votes, phase, created_at, updated_at) VALUES ('old1', 1,"
                    " 'option', :text, 0, :hidden, 0, 0, 'analysis', :now, :now)"
                ),
                {"text": text, "hidden": hidden, "now": NOW},
            )
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert [h.workshop_id for h in search(conn, "mats", visible=EVERY_WORKSHOP)] == ["old1"]
        assert search(conn, "blame", visible=EVERY_WORKSHOP) == []
    engine.dispose()
