"""themes as a grouping: a table of each workshop's theme names

Revision ID: 0003
Revises: 0006
Create Date: 2026-12-02 01:15:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.models

revision: str = "0003"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    theme = op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", app.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "name"),
    )
    op.create_index(op.f("ix_theme_workshop_id"), "theme", ["workshop_id"], unique=False)
    # Themes typed onto cards before this revision become themes of their workshop; names
    # that differ only in case or spacing are one theme, as the domain compares them.
    card = sa.table("card", sa.column("workshop_id"), sa.column("theme"))
    rows = op.get_bind().execute(
        sa.select(card.c.workshop_id, card.c.theme).where(card.c.theme.is_not(None)).distinct()
    )
    seen: set[tuple[str, str]] = set()
    now = datetime.now(UTC)
    new = []
    for workshop_id, name in sorted(rows):
        key = (workshop_id, " ".join(name.split()).casefold())
        if key[1] and key not in seen:
            seen.add(key)
            new.append({"workshop_id": workshop_id, "name": name, "created_at": now})
    if new:
        op.bulk_insert(theme, new)


def downgrade() -> None:
    op.drop_index(op.f("ix_theme_workshop_id"), table_name="theme")
    op.drop_table("theme")
