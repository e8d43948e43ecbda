"""the briefing counts how often the start has moved (the calendar invitation's SEQUENCE),
and each invitation mailed says which time it gave

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every invitation sent so far went out as revision 0.
    for table in ("briefing", "invitation_mail"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("sequence", sa.Integer(), nullable=False, server_default="0")
            )


def downgrade() -> None:
    for table in ("invitation_mail", "briefing"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sequence")
