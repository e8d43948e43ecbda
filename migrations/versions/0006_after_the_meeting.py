"""after the meeting: share links, feedback, review, report back, action notes, reminders

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.models

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = app.db.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("action", sa.Column("note", sa.Text(), nullable=True))
    op.create_table(
        "share_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["participant.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_share_link_workshop_id"), "share_link", ["workshop_id"], unique=False)
    op.create_table(
        "feedback",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=False),
        sa.Column("most_valuable", sa.Text(), nullable=True),
        sa.Column("will_do_differently", sa.Text(), nullable=True),
        sa.Column("ideas", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_index(op.f("ix_feedback_workshop_id"), "feedback", ["workshop_id"], unique=False)
    op.create_table(
        "review",
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("planned", sa.Text(), nullable=True),
        sa.Column("happened", sa.Text(), nullable=True),
        sa.Column("why_different", sa.Text(), nullable=True),
        sa.Column("next_time", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["updated_by"], ["participant.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    op.create_table(
        "report_back",
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("did", sa.Text(), nullable=False),
        sa.Column("learned", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=False),
        sa.Column("reported_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["reported_by"], ["participant.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("workshop_id"),
    )
    op.create_table(
        "reminder_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["added_by"], ["participant.id"]),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "email", name="uq_reminder_address"),
    )
    op.create_index(
        op.f("ix_reminder_address_workshop_id"), "reminder_address", ["workshop_id"], unique=False
    )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("report_back_by", sa.Date(), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(["workshop_id"], ["workshop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workshop_id", "kind", "report_back_by", name="uq_reminder_once"),
    )
    op.create_index(
        op.f("ix_reminder_sent_workshop_id"), "reminder_sent", ["workshop_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_sent_workshop_id"), table_name="reminder_sent")
    op.drop_table("reminder_sent")
    op.drop_index(op.f("ix_reminder_address_workshop_id"), table_name="reminder_address")
    op.drop_table("reminder_address")
    op.drop_table("report_back")
    op.drop_table("review")
    op.drop_index(op.f("ix_feedback_workshop_id"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index(op.f("ix_share_link_workshop_id"), table_name="share_link")
    op.drop_table("share_link")
    with op.batch_alter_table("action") as batch:
        batch.drop_column("note")
