"""PostgreSQL: a weighted tsvector under a GIN index, websearch_to_tsquery, ts_rank_cd."""

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


def statement(
    query: SearchQuery, text: str, *, visible: sa.ColumnElement[bool], limit: int
) -> sa.Select:
    tsquery = sa.func.websearch_to_tsquery(CONFIG, text)
    document = _INDEX.c.document
    # The title's lexemes carry weight A; ts_filter keeps just those.
    title_hit = sa.func.ts_filter(document, sa.literal_column("""'{a}'::"char"[]""")).op("@@")(
        tsquery
    )
    phrase_hit = (
        document.op("@@")(sa.func.phraseto_tsquery(CONFIG, query.phrase))
        if query.phrase
        else sa.literal(False)
    )
    # Normalisation 1: divide by 1 + log(length), so a long text does not win by its bulk.
    score = sa.func.ts_rank_cd(document, tsquery, 1)
    best = (
        sa.select(
            _TEXT.c.id,
            _TEXT.c.workshop_id,
            _WORKSHOP.c.title,
            title_hit.label("title_hit"),
            phrase_hit.label("phrase_hit"),
            score.label("score"),
        )
        .select_from(_INDEX)
        .join(_TEXT, _TEXT.c.id == _INDEX.c.id)
        .join(_WORKSHOP, _WORKSHOP.c.id == _TEXT.c.workshop_id)
        .where(document.op("@@")(tsquery), visible)
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
            sa.func.ts_headline(CONFIG, whole, tsquery, HEADLINE).label("snippet"),
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
