"""Keep the benchmark from rotting: a tiny run of the generator against the real app.

Nothing here is timed; it checks that the harness starts the app and the bare relay, that every
card reaches every receiver once, and that the report has the fields the docs read.
"""

from __future__ import annotations

import pytest

from bench import run

pytestmark = pytest.mark.slow


def test_the_generator_delivers_every_card_once_on_a_tiny_room() -> None:
    result = run.smoke()
    (row,) = result["rows"]
    assert set(row["arms"]) == {"app", "bare"}
    for name, arm in row["arms"].items():
        summary = arm["summary"]
        assert summary["posts"] > 0, name
        assert summary["expected"] > 0, name
        assert summary["delivered"] == summary["expected"], name
        assert (summary["missing"], summary["dupes"], summary["misrouted"]) == (0, 0, 0), name
        for field in ("p50_ms", "p99_ms", "cpu_us_per_delivery", "server_rss_mb"):
            assert summary[field] is not None, (name, field)
    assert result["machine"]["cores"] >= 1
    assert result["git"]["commit"]
