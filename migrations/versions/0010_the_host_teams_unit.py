"""each peer assist keeps the host team's unit, so the programme dashboard can filter by it

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-02 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: peer assists made before this have no unit, and the start form may leave it out.
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(
            sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("unit")
