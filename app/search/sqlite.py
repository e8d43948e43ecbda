"""SQLite FTS5: bm25 with per-column weights, snippet() for the excerpt."""

from __future__ import annotations

import sqlalchemy as sa

from ..db.models import SearchText, Workshop
from ..domain.search_query import SearchQuery, fts5_expression
from .schema import INDEX_TABLE

# bm25's weights by column, in the index's order: title, problem, purpose, cards, actions,
# takeaways. The same proportions as PostgreSQL's A, B, C, D (1.0, 0.4, 0.2, 0.1).
WEIGHTS = (10.0, 4.0, 4.0, 1.0, 2.0, 2.0)

_INDEX = sa.table(INDEX_TABLE, sa.column("rowid"))
_TEXT = SearchText.__table__
_WORKSHOP = Workshop.__table__


def _matching(expression: str) -> sa.Select:
    return sa.select(_INDEX.c.rowid).where(sa.literal_column(INDEX_TABLE).op("MATCH")(expression))


def statement(
    query: SearchQuery, text: str, *, visible: sa.ColumnElement[bool], limit: int
) -> sa.Select:
    expression = fts5_expression(query)
    index = sa.literal_column(INDEX_TABLE)
    title_hit = _INDEX.c.rowid.in_(_matching(f"title : ({expression})"))
    phrase_hit = (
        _INDEX.c.rowid.in_(_matching(fts5_expression(SearchQuery(((query.phrase,),), (), None))))
        if query.phrase
        else sa.literal(0)
    )
    # bm25 is lower for better matches.
    score = sa.func.bm25(index, *WEIGHTS)
    snippet = sa.func.snippet(index, -1, "\x02", "\x03", "…", 24)
    return (
        sa.select(
            _TEXT.c.workshop_id,
            _WORKSHOP.c.title,
            snippet.label("snippet"),
            (-score).label("score"),
            title_hit.label("title_hit"),
            phrase_hit.label("phrase_hit"),
        )
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.rowid)
        .join(_WORKSHOP, _WORKSHOP.c.id == _TEXT.c.workshop_id)
        .where(index.op("MATCH")(expression), visible)
        .order_by(sa.desc("title_hit"), sa.desc("phrase_hit"), score, _TEXT.c.workshop_id)
        .limit(limit)
    )
