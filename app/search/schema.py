"""The search index's database objects that only one engine has (FTS5 or tsvector + GIN).

`search_text` (in app/db/models.py) holds each peer assist's searchable words on every engine;
the database keeps its own index of it by triggers, so whatever writes `search_text` keeps the
index in the same transaction. Alembic's autogenerate must not compare these objects with the
models (they are not SQLModel tables), hence `include_name`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

# FTS5 makes shadow tables named after the virtual table: search_index_data, _idx, ...
INDEX_TABLE = "search_index"

SQLITE_UP = [
    # External content: FTS5 keeps only the inverted index; snippets read search_text.
    f"""CREATE VIRTUAL TABLE {INDEX_TABLE} USING fts5(
        title, problem, purpose, cards, actions, takeaways,
        content='search_text', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER search_text_ai AFTER INSERT ON search_text BEGIN
        INSERT INTO {INDEX_TABLE}(rowid, title, problem, purpose, cards, actions, takeaways)
        VALUES (new.id, new.title, new.problem, new.purpose, new.cards, new.actions,
                new.takeaways);
    END""",
    f"""CREATE TRIGGER search_text_ad AFTER DELETE ON search_text BEGIN
        INSERT INTO {INDEX_TABLE}({INDEX_TABLE}, rowid, title, problem, purpose, cards, actions,
                                  takeaways)
        VALUES ('delete', old.id, old.title, old.problem, old.purpose, old.cards, old.actions,
                old.takeaways);
    END""",
    f"""CREATE TRIGGER search_text_au AFTER UPDATE ON search_text BEGIN
        INSERT INTO {INDEX_TABLE}({INDEX_TABLE}, rowid, title, problem, purpose, cards, actions,
                                  takeaways)
        VALUES ('delete', old.id, old.title, old.problem, old.purpose, old.cards, old.actions,
                old.takeaways);
        INSERT INTO {INDEX_TABLE}(rowid, title, problem, purpose, cards, actions, takeaways)
        VALUES (new.id, new.title, new.problem, new.purpose, new.cards, new.actions,
                new.takeaways);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_text_ai",
    "DROP TRIGGER IF EXISTS search_text_ad",
    "DROP TRIGGER IF EXISTS search_text_au",
    f"DROP TABLE IF EXISTS {INDEX_TABLE}",
]

# Weights A..D: the title above the problem and purpose, above actions and takeaways, above
# the cards. ts_rank_cd's default weights {0.1, 0.2, 0.4, 1.0} then read D, C, B, A.
PG_DOCUMENT = """
    setweight(to_tsvector('english', coalesce(t.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(t.problem, '') || ' ' || coalesce(t.purpose, '')),
              'B') ||
    setweight(to_tsvector('english', coalesce(t.actions, '') || ' ' || coalesce(t.takeaways, '')),
              'C') ||
    setweight(to_tsvector('english', coalesce(t.cards, '')), 'D')
"""

POSTGRES_UP = [
    f"""CREATE TABLE {INDEX_TABLE} (
        id integer PRIMARY KEY REFERENCES search_text(id) ON DELETE CASCADE,
        document tsvector NOT NULL)""",
    f"CREATE INDEX ix_{INDEX_TABLE}_document ON {INDEX_TABLE} USING gin (document)",
    f"""CREATE FUNCTION search_text_indexed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {INDEX_TABLE} (id, document)
        SELECT t.id, {PG_DOCUMENT} FROM (SELECT NEW.*) AS t
        ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_text_indexed AFTER INSERT OR UPDATE ON search_text
        FOR EACH ROW EXECUTE FUNCTION search_text_indexed()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS search_text_indexed ON search_text",
    "DROP FUNCTION IF EXISTS search_text_indexed()",
    f"DROP TABLE IF EXISTS {INDEX_TABLE}",
]


def create(conn: sa.Connection) -> None:
    """Make this engine's index of search_text (the table itself must exist)."""
    for statement in SQLITE_UP if conn.dialect.name == "sqlite" else POSTGRES_UP:
        conn.exec_driver_sql(statement)


def drop(conn: sa.Connection) -> None:
    for statement in SQLITE_DOWN if conn.dialect.name == "sqlite" else POSTGRES_DOWN:
        conn.exec_driver_sql(statement)


def forget_deleted(conn: sa.Connection) -> None:
    """Rewrite the index without the words of the rows just deleted from search_text.

    Deleting an FTS5 row only adds a delete marker: the segments keep its words, with its id
    and their positions, until a merge happens to reach them. 'optimize' merges every segment
    into one and leaves the deleted rows out (the pages it frees are zeroed, secure_delete in
    db/engine.py). FTS5's own 'secure-delete' option would not need the merge, but it came with
    SQLite 3.44, and Python's sqlite3 is often built with an older one (3.40 on Debian 12).
    PostgreSQL's index row goes with its search_text row."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(FORGET_DELETED)


# SQLite only (forget_deleted): the statement the checkpoint thread runs after a deletion.
FORGET_DELETED = f"INSERT INTO {INDEX_TABLE}({INDEX_TABLE}) VALUES ('optimize')"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's filter: the engine-specific index is not a model, so never compare it."""
    return not (type_ == "table" and name is not None and name.startswith(INDEX_TABLE))
