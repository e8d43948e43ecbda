"""deleted peer assists leave the SQLite file: their words purged from the search index, the
freed pages and the log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 09:00:00

Until now a deletion on SQLite left the words behind: FTS5 segments keep a deleted row's words
until a merge reaches them, and deleted rows and freed pages kept their bytes. The app now zeroes
them as it deletes (secure_delete, and the index rewritten: app/search/schema.py); this clears
what earlier deletions left. PostgreSQL reuses a deleted row's space itself (autovacuum), and
its tsvector row went with the row it indexed: nothing to do there.
"""

from collections.abc import Sequence

from alembic import op

from app.search import schema

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    # Said here as well as on every app connection: the pages the rewrite frees must be zeroed.
    conn.exec_driver_sql("PRAGMA secure_delete=ON")
    schema.forget_deleted(conn)
    # Free pages and the free space inside pages still hold what was deleted before zeroing
    # began; VACUUM writes the file afresh from the live rows. It cannot run in a transaction.
    with op.get_context().autocommit_block():
        driver = conn.connection.dbapi_connection
        assert driver is not None
        # Alembic begins a transaction that writes nothing even here, and the app's engine
        # begins every one with a BEGIN IMMEDIATE (db/engine.py): end that empty one first.
        if driver.in_transaction:
            driver.execute("COMMIT")
        # On disk, not in memory (the app's connections keep temporary tables in memory):
        # VACUUM's temporary copy is the whole database.
        driver.execute("PRAGMA temp_store=FILE")
        driver.execute("VACUUM")
        # VACUUM wrote every page to the log; the log also still holds the old ones.
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def downgrade() -> None:
    # Nothing to undo: the upgrade changed no schema, only what the file holds, and 0014's
    # schema reads a rewritten index and a vacuumed file alike.
    pass
