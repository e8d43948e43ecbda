"""the data lifecycle: when a workshop closed, removed participants, answers by workshop

Revision ID: 0005
Revises: 0009
Create Date: 2026-12-02 00:47:18.898091
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.models

revision: str = "0005"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_ANSWER_WORKSHOP = "fk_idempotent_response_workshop_id"


def upgrade() -> None:
    op.create_table(
        "housekeeping",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("last_run_at", app.db.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("idempotent_response", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("workshop_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_idempotent_response_workshop_id"), ["workshop_id"], unique=False
        )
        batch_op.create_foreign_key(FK_ANSWER_WORKSHOP, "workshop", ["workshop_id"], ["id"])

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("removed_at", app.db.models.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", app.db.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_workshop_closed_at"), ["closed_at"], unique=False)

    # Workshops closed before this revision never said when. Their last event is the best
    # witness (the close, or an action added after it): retention then errs on keeping longer.
    op.execute(
        "UPDATE workshop SET closed_at = COALESCE("
        "(SELECT MAX(event.at) FROM event WHERE event.workshop_id = workshop.id), created_at) "
        "WHERE phase = 'closed' AND closed_at IS NULL"
    )
    _answers_find_their_workshop()


def _answers_find_their_workshop() -> None:
    """Stored answers name their workshop only in their scope or their body; copy it out."""
    bind = op.get_bind()
    answers = sa.table(
        "idempotent_response",
        sa.column("id", sa.Integer),
        sa.column("scope", sa.String),
        sa.column("body", sa.JSON),
        sa.column("workshop_id", sa.String),
    )
    participants = sa.table(
        "participant", sa.column("id", sa.Integer), sa.column("workshop_id", sa.String)
    )
    workshops = {row[0] for row in bind.execute(sa.text("SELECT id FROM workshop"))}
    owner_of = dict(bind.execute(sa.select(participants.c.id, participants.c.workshop_id)).all())
    for answer_id, scope, body in bind.execute(
        sa.select(answers.c.id, answers.c.scope, answers.c.body)
    ).all():
        kind, _, rest = scope.partition(":")
        found = None
        if kind == "participant" and rest.isdigit():
            found = owner_of.get(int(rest))
        elif kind in ("join", "knock"):
            found = rest.partition(":")[0]
        elif isinstance(body, dict):
            found = body.get("workshop_id")
        if found in workshops:
            bind.execute(
                answers.update().where(answers.c.id == answer_id).values(workshop_id=found)
            )


def downgrade() -> None:
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_closed_at"))
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("removed_at")

    with op.batch_alter_table("idempotent_response", schema=None) as batch_op:
        batch_op.drop_constraint(FK_ANSWER_WORKSHOP, type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_idempotent_response_workshop_id"))
        batch_op.drop_column("workshop_id")

    op.drop_table("housekeeping")
