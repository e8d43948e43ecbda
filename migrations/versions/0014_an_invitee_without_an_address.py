"""an invitee may have no email address: the facilitator hands them the text and the .ics

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # NULL, not "": the list's unique (workshop, email) lets several people have no address.
    with op.batch_alter_table("invitee") as batch:
        batch.alter_column("email", existing_type=STR(length=254), nullable=True)


def downgrade() -> None:
    # The older schema cannot hold someone without an address: they leave the list, with any
    # mail row that names them (none is ever queued for them). Said, not done silently.
    gone = op.get_bind().execute(sa.text("SELECT count(*) FROM invitee WHERE email IS NULL"))
    count = gone.scalar_one()
    if count:
        logging.getLogger("alembic.runtime.migration").warning(
            "0014 downgrade: %d invitee(s) without an email address leave the lists", count
        )
    op.execute(
        "DELETE FROM invitation_mail WHERE invitee_id IN "
        "(SELECT id FROM invitee WHERE email IS NULL)"
    )
    op.execute("DELETE FROM invitee WHERE email IS NULL")
    with op.batch_alter_table("invitee") as batch:
        batch.alter_column("email", existing_type=STR(length=254), nullable=False)
