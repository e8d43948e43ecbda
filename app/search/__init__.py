"""Full-text search over past peer assists: one interface, an FTS5 and a PostgreSQL backend.

How results are ordered, on both engines, best first:
1. the title matches the whole query: a peer assist named for the problem is the best answer;
2. the query's words appear together, as typed, somewhere (a phrase beats scattered words);
3. the engine's relevance score (bm25 on SQLite, ts_rank_cd on PostgreSQL), which weights the
   title above the problem and purpose, above actions and takeaways, above cards.
The first two make the order the same on both engines where their scores would differ; the
score orders the rest.

Who may see which peer assist is not decided here: the caller passes `visible`, a SQL
condition on the `workshop` table (`EVERY_WORKSHOP` when the caller may see them all).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import sqlalchemy as sa

from ..domain.search_query import SearchQuery, parse, similar_to
from . import postgres, sqlite

EVERY_WORKSHOP: sa.ColumnElement[bool] = sa.true()
# The engines mark a match with these; they never occur in text people type.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    workshop_id: str
    title: str
    # An excerpt around the match: plain text, and as HTML with the match in <mark>.
    snippet: str
    snippet_html: str
    score: float


def _snippet(raw: str) -> tuple[str, str]:
    plain = raw.replace(START, "").replace(STOP, "")
    marked = html.escape(raw).replace(START, "<mark>").replace(STOP, "</mark>")
    return " ".join(plain.split()), " ".join(marked.split())


def search(
    conn: sa.Connection | sa.orm.Session,
    text: str,
    *,
    visible: sa.ColumnElement[bool],
    limit: int = 20,
) -> list[Hit]:
    """The peer assists that match `text` among those `visible` allows, best first."""
    # Nobody means to search for a NUL, and PostgreSQL refuses one in any statement.
    text = text.replace("\x00", " ")
    query: SearchQuery = parse(text)
    if query.empty:
        return []
    name = conn.bind.dialect.name if isinstance(conn, sa.orm.Session) else conn.dialect.name
    backend = sqlite if name == "sqlite" else postgres
    rows = conn.execute(backend.statement(query, text, visible=visible, limit=limit)).all()
    hits = []
    for row in rows:
        plain, marked = _snippet(row.snippet or "")
        hits.append(Hit(row.workshop_id, row.title, plain, marked, float(row.score)))
    return hits


def similar(
    conn: sa.Connection | sa.orm.Session,
    text: str,
    *,
    visible: sa.ColumnElement[bool],
    limit: int = 5,
) -> list[Hit]:
    """Past peer assists that share telling words with `text` (a problem as it is typed)."""
    return search(conn, similar_to(text), visible=visible, limit=limit)
