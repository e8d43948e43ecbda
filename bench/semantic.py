"""How long the optional semantic search takes to index 1,000 past peer assists of 100 cards
each, and to answer a question once they are indexed.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.semantic                  # full size
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.semantic --workshops 100  # a quick look

It fills a fresh SQLite database the way bench/search.py does, writes the search text, then
runs `semantic.search` with an empty index: the first call reads and embeds every peer assist,
later calls embed only the question. Needs `pip install '.[semantic]'`. It asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from alembic import command

from app.cli import alembic_config
from app.db.engine import make_engine
from app.search import EVERY_WORKSHOP, semantic
from app.search.documents import rebuild
from bench.search import fill

QUESTIONS = ("patients waiting to go home", "not enough nurses at night", "infection control")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=1000)
    parser.add_argument("--cards", type=int, default=100)
    args = parser.parse_args()
    if not semantic.available():
        raise SystemExit(f"Semantic search is not installed: {semantic.INSTALL_HINT}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        fill(engine, workshops=args.workshops, cards=args.cards)
        with engine.begin() as conn:
            rebuild(conn)
        started = time.perf_counter()
        semantic.embed(["load the model"])
        loaded = time.perf_counter() - started
        index = semantic.Index()
        with engine.connect() as conn:
            started = time.perf_counter()
            semantic.search(conn, QUESTIONS[0], visible=EVERY_WORKSHOP, index=index)
            indexed = time.perf_counter() - started
            times = []
            for _ in range(10):
                for question in QUESTIONS:
                    started = time.perf_counter()
                    semantic.search(conn, question, visible=EVERY_WORKSHOP, index=index)
                    times.append(time.perf_counter() - started)
        engine.dispose()
    n = args.workshops
    print(f"model load: {loaded:.1f} s")
    each = indexed / n * 1000
    print(f"index {n} peer assists of {args.cards} cards: {indexed:.1f} s ({each:.1f} ms each)")
    print(f"a question once indexed: median {statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
