"""PostgreSQL: a weighted tsvector under a GIN index, ts_rank_cd.

A peer assist is several rows, matched as a whole as on SQLite (see app/search/sqlite.py): the
query is built from the same parsed groups, so both engines agree on what matches."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

from ..db.models import SearchText, Workshop
from ..domain.search_query import SearchQuery
from .schema import INDEX_TABLE

CONFIG = "english"
HEADLINE = "StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, MaxFragments=1"

_INDEX = sa.table(INDEX_TABLE, sa.column("id"), sa.column("document", TSVECTOR))
_TEXT = SearchText.__table__
_WORKSHOP = Workshop.__table__


def _tsquery(term: str) -> sa.ColumnElement:
    return sa.func.phraseto_tsquery(CONFIG, term)


def _any(terms: list[str]) -> sa.ColumnElement:
    combined = _tsquery(terms[0])
    for term in terms[1:]:
        combined = combined.op("||")(_tsquery(term))
    return combined


def _workshops_matching(condition: sa.ColumnElement[bool]) -> sa.Select:
    return (
        sa.select(_TEXT.c.workshop_id)
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.id)
        .where(condition)
        .correlate(None)
    )


def statement(
    query: SearchQuery, text: str, *, visible: sa.ColumnElement[bool], limit: int
) -> sa.Select:
    document = _INDEX.c.document
    every_term = [term for group in query.groups for term in group]
    any_term = _any(every_term)
    # Normalisation 1: divide by 1 + log(length), so a long text does not win by its bulk.
    hits = (
        sa.select(
            _TEXT.c.id,
            _TEXT.c.workshop_id,
            sa.func.ts_rank_cd(document, any_term, 1).label("score"),
        )
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.id)
        .where(document.op("@@")(any_term))
        .subquery("hits")
    )
    by_workshop = {"partition_by": hits.c.workshop_id}
    ranked = sa.select(
        hits.c.id,
        hits.c.workshop_id,
        sa.func.sum(hits.c.score).over(**by_workshop).label("score"),
        sa.func.row_number()
        .over(**by_workshop, order_by=(hits.c.score.desc(), hits.c.id))
        .label("best"),
    ).subquery("ranked")
    workshop_id = ranked.c.workshop_id
    every_group = _any(list(query.groups[0]))
    for group in query.groups[1:]:
        every_group = every_group.op("&&")(_any(list(group)))
    # The title's lexemes carry weight A; ts_filter keeps just those.
    title_only = sa.func.ts_filter(document, sa.literal_column("""'{a}'::"char"[]"""))
    title_hit = workshop_id.in_(_workshops_matching(title_only.op("@@")(every_group)))
    phrase_hit = (
        workshop_id.in_(_workshops_matching(document.op("@@")(_tsquery(query.phrase))))
        if query.phrase
        else sa.literal(False)
    )
    # A group of stop words only ("the") asks for nothing, as websearch_to_tsquery would.
    groups = [_any(list(group)) for group in query.groups]
    best = (
        sa.select(
            ranked.c.id,
            workshop_id,
            _WORKSHOP.c.title,
            title_hit.label("title_hit"),
            phrase_hit.label("phrase_hit"),
            ranked.c.score,
        )
        .select_from(ranked)
        .join(_WORKSHOP, _WORKSHOP.c.id == workshop_id)
        .where(
            ranked.c.best == 1,
            visible,
            *(
                sa.or_(
                    sa.func.numnode(group) == 0,
                    workshop_id.in_(_workshops_matching(document.op("@@")(group))),
                )
                for group in groups
            ),
            *(
                workshop_id.not_in(_workshops_matching(document.op("@@")(_tsquery(term))))
                for term in query.excluded
            ),
        )
        .order_by(sa.desc("title_hit"), sa.desc("phrase_hit"), sa.desc("score"), "workshop_id")
        .limit(limit)
        .subquery()
    )
    # The excerpt is made for the few rows shown only: ts_headline re-reads the whole text.
    whole = sa.func.concat_ws(
        "\n\n",
        _TEXT.c.title,
        _TEXT.c.problem,
        _TEXT.c.purpose,
        _TEXT.c.cards,
        _TEXT.c.actions,
        _TEXT.c.takeaways,
    )
    return (
        sa.select(
            best.c.workshop_id,
            best.c.title,
            sa.func.ts_headline(CONFIG, whole, any_term, HEADLINE).label("snippet"),
            best.c.score,
        )
        .join_from(best, _TEXT, _TEXT.c.id == best.c.id)
        .order_by(
            best.c.title_hit.desc(),
            best.c.phrase_hit.desc(),
            best.c.score.desc(),
            best.c.workshop_id,
        )
    )
