"""search: a row per card, so a new card no longer re-indexes its whole peer assist

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search import documents, schema

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT_COLUMNS = ("title", "problem", "purpose", "cards", "actions", "takeaways")


def _text_columns() -> list[sa.Column]:
    return [sa.Column(name, sa.Text(), nullable=False) for name in TEXT_COLUMNS]


def upgrade() -> None:
    conn = op.get_bind()
    # The index is the database's own (FTS5 or tsvector): dropped with the table it reads,
    # made again, then filled from the cards and peer assists as they are.
    schema.drop(conn)
    op.drop_table("search_text")
    op.create_table(
        "search_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(length=32), nullable=True),
        sa.Column("card_id", sa.Integer(), nullable=True),
        *_text_columns(),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id"),
    )
    op.create_index(
        op.f("ix_search_text_workshop_id"), "search_text", ["workshop_id"], unique=False
    )
    schema.create(conn)
    documents.rebuild(conn)


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT workshop_id, card_id, title, problem, purpose, cards, actions, takeaways"
            " FROM search_text ORDER BY workshop_id, card_id IS NOT NULL, card_id"
        )
    ).all()
    docs: dict[str, dict] = {}
    for row in rows:
        if row.card_id is None:
            docs[row.workshop_id] = {**row._mapping, "cards": [], "takeaways": []}
            del docs[row.workshop_id]["card_id"]
        elif row.workshop_id in docs:
            for column in ("cards", "takeaways"):
                if getattr(row, column):
                    docs[row.workshop_id][column].append(getattr(row, column))
    for doc in docs.values():
        doc["cards"] = "\n\n".join(doc["cards"])
        doc["takeaways"] = "\n\n".join(doc["takeaways"])
    schema.drop(conn)
    op.drop_index(op.f("ix_search_text_workshop_id"), table_name="search_text")
    op.drop_table("search_text")
    table = op.create_table(
        "search_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(length=32), nullable=True),
        *_text_columns(),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id"),
    )
    schema.create(conn)
    if docs:
        op.bulk_insert(table, list(docs.values()))
