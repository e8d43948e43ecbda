"""How long a search takes over 1,000 past peer assists of 100 cards each, on both engines.

    .venv/bin/python -m bench.search                      # SQLite and PostgreSQL, full size
    .venv/bin/python -m bench.search --workshops 100 --engines sqlite   # a quick look

It fills a fresh database through SQL (the write path is measured elsewhere), builds the index
the way the migration does (`documents.rebuild`), then times each query many times and prints
the median and the 95th percentile. It asserts nothing: the figures are for reading.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from app.cli import alembic_config
from app.db.engine import make_engine
from app.db.models import Card, Participant, Workshop
from app.search import EVERY_WORKSHOP, search
from app.search.documents import rebuild

POSTGRES_URL = "postgresql+psycopg://127.0.0.1:5432/test"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# The domain's words, used one time in five; the rest come from a long tail of others, so a
# query matches some peer assists, not all of them (a worst case nobody searches in).
DOMAIN = (
    "patient ward bed discharge transport pharmacy medicine nurse doctor rota shift night "
    "handover delay queue clinic letter referral theatre list overrun infection audit hand "
    "hygiene sepsis screening falls mats budget agency staff training induction mentor "
    "volunteer family carer lounge lift porter kitchen meal appointment booking phone text "
    "reminder portal data dashboard report board meeting huddle safety incident learning "
    "review pathway protocol guideline escalation frailty dementia stroke cardiology outpatient"
)
WORDS = DOMAIN.split()
TAIL = [f"{a}{b}{c}" for a in "bdfgklmnprst" for b in "aeiou" for c in ("ndo", "lis", "mar", "ket")]
KINDS = ("context", "question", "surprise", "gap", "insight", "option", "worked_elsewhere")
QUERIES = (
    "discharge",
    "discharge lounge",
    '"night shift handover"',
    "sepsis or stroke",
    "pharmacy -agency",
    "zebra crossing",  # nothing matches: the cost of looking
)


def sentence(rng: random.Random, n: int) -> str:
    words = (rng.choice(WORDS) if rng.random() < 0.2 else rng.choice(TAIL) for _ in range(n))
    return " ".join(words).capitalize() + "."


def fill(engine: sa.Engine, *, workshops: int, cards: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with engine.begin() as conn:
        for w in range(workshops):
            wid = f"bench{w:05d}"
            conn.execute(
                sa.insert(Workshop.__table__).values(
                    id=wid,
                    title=sentence(rng, 5),
                    problem=" ".join(sentence(rng, 12) for _ in range(4)),
                    purpose=sentence(rng, 10),
                    duration_minutes=240,
                    facilitator_name="Ada",
                    created_at=NOW,
                    phase="closed",
                    agenda=[],
                    timer_status="stopped",
                    timer_duration_s=0,
                    speakers=[],
                    room_code=f"B{w:06d}",
                )
            )
            author = conn.execute(
                sa.insert(Participant.__table__)
                .values(
                    workshop_id=wid,
                    role="facilitator",
                    name="Ada",
                    token_hash=uuid.uuid4().hex,
                    joined_at=NOW,
                )
                .returning(Participant.__table__.c.id)
            ).scalar_one()
            conn.execute(
                sa.insert(Card.__table__),
                [
                    {
                        "workshop_id": wid,
                        "author_id": author,
                        "kind": rng.choice(KINDS),
                        "text": sentence(rng, rng.randint(6, 25)),
                        "phase": "analysis",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for _ in range(cards)
                ],
            )


def measure(url: str, *, workshops: int, cards: int, repeats: int) -> None:
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    started = time.perf_counter()
    fill(engine, workshops=workshops, cards=cards)
    filled = time.perf_counter()
    with engine.begin() as conn:
        rebuild(conn)
    indexed = time.perf_counter()
    print(f"  {workshops} peer assists x {cards} cards: filled in {filled - started:.1f} s,")
    each = (indexed - filled) / workshops * 1e3
    print(f"  indexed in {indexed - filled:.1f} s ({each:.1f} ms each)")
    print(f"  {'query':28} {'hits':>5} {'median ms':>10} {'p95 ms':>8}")
    with engine.connect() as conn:
        for query in QUERIES:
            times = []
            hits = search(conn, query, visible=EVERY_WORKSHOP)
            for _ in range(repeats):
                t0 = time.perf_counter()
                search(conn, query, visible=EVERY_WORKSHOP)
                times.append((time.perf_counter() - t0) * 1e3)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"  {query:28} {len(hits):>5} {statistics.median(times):>10.1f} {p95:>8.1f}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    size = {"workshops": args.workshops, "cards": args.cards, "repeats": args.repeats}
    if "sqlite" in args.engines:
        with tempfile.TemporaryDirectory() as tmp:
            print("SQLite (FTS5, bm25):")
            measure(f"sqlite:///{Path(tmp) / 'bench.db'}", **size)
    if "postgres" in args.engines:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            print("PostgreSQL (tsvector + GIN, ts_rank_cd):")
            measure(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", **size)
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    main()
