"""before the meeting: search, the invitation list, the briefing, invitations by mail

Revision ID: 0009
Revises: 0002
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.models
from app.search import schema

revision: str = "0009"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = app.db.models.UTCDateTime(timezone=True)
STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "search_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.String(length=32), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("cards", sa.Text(), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("takeaways", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id"),
    )
    op.create_table(
        "invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", STR(length=32), nullable=False),
        sa.Column("name", STR(length=80), nullable=False),
        sa.Column("email", STR(length=254), nullable=False),
        sa.Column("unit", STR(length=200), nullable=False),
        sa.Column("role", STR(length=20), nullable=False),
        sa.Column("years", sa.Integer(), nullable=True),
        sa.Column("nonce", STR(length=64), nullable=False),
        sa.Column("code_hash", STR(length=64), nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
        sa.UniqueConstraint("workshop_id", "email", name="uq_invitee_email"),
    )
    op.create_index(op.f("ix_invitee_workshop_id"), "invitee", ["workshop_id"], unique=False)
    op.create_index(op.f("ix_invitee_email"), "invitee", ["email"], unique=False)
    op.create_table(
        "briefing",
        sa.Column("workshop_id", STR(length=32), nullable=False),
        sa.Column("background", sa.Text(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("ground_rules", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    op.create_table(
        "invitation_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", STR(length=32), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("email", STR(length=254), nullable=False),
        sa.Column("subject", STR(length=300), nullable=False),
        sa.Column("status", STR(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("queued_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["invitee_id"], ["invitee.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_invitation_mail_workshop_id"), "invitation_mail", ["workshop_id"], unique=False
    )
    op.create_index(
        op.f("ix_invitation_mail_invitee_id"), "invitation_mail", ["invitee_id"], unique=False
    )
    conn = op.get_bind()
    schema.create(conn)
    # What is already there is indexed by 0012, which gives each card a row of its own.


def downgrade() -> None:
    schema.drop(op.get_bind())
    op.drop_table("search_text")
    op.drop_index(op.f("ix_invitation_mail_invitee_id"), table_name="invitation_mail")
    op.drop_index(op.f("ix_invitation_mail_workshop_id"), table_name="invitation_mail")
    op.drop_table("invitation_mail")
    op.drop_table("briefing")
    op.drop_index(op.f("ix_invitee_email"), table_name="invitee")
    op.drop_index(op.f("ix_invitee_workshop_id"), table_name="invitee")
    op.drop_table("invitee")
