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


def test_upgrade_purges_the_words_earlier_deletions_left_in_the_file(tmp_path: Path) -> None:
    """Migration 0015: what deletions before it left in the file (FTS5 segments, freed pages,
    the free space in pages) is gone after it, and the search still finds the rest."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    config = alembic_config(url)
    command.upgrade(config, "0014")
    insert = sa.text(
        "INSERT INTO search_text (title, problem, purpose, cards, actions, takeaways)"
        " VALUES (:title, :problem, '', :cards, '', '')"
    )
    # Written and deleted as the app did before 0015 on an SQLite built without zeroing by
    # default (Debian's is built with it): deleted rows and freed pages keep their bytes.
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", lambda raw, _: raw.execute("PRAGMA secure_delete=OFF"))
    with engine.begin() as conn:
        conn.execute(insert, {"title": "Kept rota", "problem": "Wombatgram", "cards": ""})
        conn.execute(
            insert,
            {"title": "Quokkatitle", "problem": "Smithersonian", "cards": "Confidentialword"},
        )
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM search_text WHERE title = 'Quokkatitle'"))
    engine.dispose()
    words = (b"quokkatitl", b"smithersonian", b"confidentialword")
    assert all(word in path.read_bytes().lower() for word in words)  # the check can see them

    command.upgrade(config, "head")
    log = Path(f"{path}-wal")
    on_disk = (path.read_bytes() + (log.read_bytes() if log.exists() else b"")).lower()
    assert [word for word in words if word in on_disk] == []
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert (
            len(
                conn.execute(
                    sa.text("SELECT rowid FROM search_index WHERE search_index MATCH 'wombatgram'")
                ).all()
            )
            == 1
        )
        assert (
            conn.execute(
                sa.text("SELECT rowid FROM search_index WHERE search_index MATCH 'quokkatitle'")
            ).all()
            == []
        )
    engine.dispose()
    command.downgrade(config, "0014")
    command.upgrade(config, "head")
