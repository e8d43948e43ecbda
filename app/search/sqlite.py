"""SQLite FTS5: bm25 with per-column weights, snippet() for the excerpt.

A peer assist is several rows (its own, and one per card: app/search/documents.py), so it is
matched as a whole: each group of the query must match one of its rows, and no row may hold an
excluded word. Its score is the sum of its rows' scores; the excerpt is its best row's."""

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


def _one(*alternatives: str) -> str:
    return fts5_expression(SearchQuery((alternatives,), (), None))


def _workshops_matching(expression: str) -> sa.Select:
    return (
        sa.select(_TEXT.c.workshop_id)
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.rowid)
        .where(sa.literal_column(INDEX_TABLE).op("MATCH")(expression))
        .correlate(None)
    )


def statement(
    query: SearchQuery, text: str, *, visible: sa.ColumnElement[bool], limit: int
) -> sa.Select:
    index = sa.literal_column(INDEX_TABLE)
    every_term = [term for group in query.groups for term in group]
    # bm25 is lower for better matches.
    row_score = -sa.func.bm25(index, *WEIGHTS)
    hits = (
        sa.select(
            _TEXT.c.id,
            _TEXT.c.workshop_id,
            sa.func.snippet(index, -1, "\x02", "\x03", "…", 24).label("snippet"),
            row_score.label("score"),
        )
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.rowid)
        .where(index.op("MATCH")(_one(*every_term)))
        .subquery("hits")
    )
    by_workshop = {"partition_by": hits.c.workshop_id}
    ranked = sa.select(
        hits.c.workshop_id,
        hits.c.snippet,
        sa.func.sum(hits.c.score).over(**by_workshop).label("score"),
        sa.func.row_number()
        .over(**by_workshop, order_by=(hits.c.score.desc(), hits.c.id))
        .label("best"),
    ).subquery("ranked")
    workshop_id = ranked.c.workshop_id
    every_group = fts5_expression(SearchQuery(query.groups, (), None))
    title_hit = workshop_id.in_(_workshops_matching(f"title : ({every_group})"))
    phrase_hit = (
        workshop_id.in_(_workshops_matching(_one(query.phrase))) if query.phrase else sa.literal(0)
    )
    return (
        sa.select(
            workshop_id,
            _WORKSHOP.c.title,
            ranked.c.snippet,
            ranked.c.score,
            title_hit.label("title_hit"),
            phrase_hit.label("phrase_hit"),
        )
        .select_from(ranked)
        .join(_WORKSHOP, _WORKSHOP.c.id == workshop_id)
        .where(
            ranked.c.best == 1,
            visible,
            *(workshop_id.in_(_workshops_matching(_one(*group))) for group in query.groups),
            *(workshop_id.not_in(_workshops_matching(_one(term))) for term in query.excluded),
        )
        .order_by(sa.desc("title_hit"), sa.desc("phrase_hit"), ranked.c.score.desc(), workshop_id)
        .limit(limit)
    )
