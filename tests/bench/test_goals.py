"""The benchmark's bookkeeping, without running anything: goals, invalid runs, file sizes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from bench import goals
from bench.generator import GeneratorFailed, generator_faults
from bench.scenarios.cost import cost_row
from bench.stats import failed_row, row

BENCH = Path(__file__).resolve().parents[2] / "bench"


def window(**kw) -> dict:
    w = {
        "valid": True,
        "invalid_because": [],
        "write_errors": {},
        "rss_per_conn_kib": 40.0,
        "max_ms": 5.0,
        "p50_ms": 2.0,
        "p99_ms": 4.0,
        "cpu_us_per_delivery": 100.0,
    }
    w.update(kw)
    return w


def test_the_goals_table_reads_each_goal_from_its_scenario_and_says_what_did_not_run() -> None:
    typical = row("1", "typical", None, {"app": [window()], "bare": [window(p99_ms=2.0)]}, "")
    typical["ratios"]["cpu_us_per_delivery"] = 1.4
    cost = {"id": "0", "status": "ok", "arms": {"app": {"summary": {}}}, "ratios": {}}
    cost["ratios"]["post_vs_healthz_cpu"] = 3.0
    by_goal = {e["goal"]: e for e in goals.evaluate([typical, cost])}

    assert by_goal["CPU per delivery ÷ bare, rooms at 1 card/s"]["pass"] is True
    assert by_goal["p99 POST→delivery ÷ bare, typical load"]["value"] == 2.0
    assert by_goal["p99 POST→delivery ÷ bare, typical load"]["pass"] is False
    assert by_goal["card POST CPU ÷ GET /healthz"]["pass"] is False
    assert by_goal["RSS per socket ÷ bare"]["scenario"] == "1"  # 4 did not run: 1 stands in
    assert by_goal["capacity 2 workers ÷ 1 worker"]["ran"] is False
    text = goals.table([typical, cost])
    assert "not run" in text and "✓" in text and "✗" in text
    assert len({line.count("|") for line in text.splitlines()}) == 1  # every row has each column


def test_a_goal_against_bare_shows_the_kept_relays_ratio_as_its_floor() -> None:
    arms = {
        "app": [window(cpu_us_per_delivery=300.0, p99_ms=9.0)],
        "bare": [window(cpu_us_per_delivery=100.0, p99_ms=3.0)],
        "bare-kept": [window(cpu_us_per_delivery=180.0, p99_ms=4.5)],
        "kept-uvicorn": [window(cpu_us_per_delivery=250.0, p99_ms=6.0)],
    }
    by_goal = {e["goal"]: e for e in goals.evaluate([row("1", "typical", None, arms, "")])}

    cpu = by_goal["CPU per delivery ÷ bare, rooms at 1 card/s"]
    assert (cpu["value"], cpu["floors"]) == (3.0, (1.8, 2.5))
    assert by_goal["p99 POST→delivery ÷ bare, typical load"]["floors"] == (1.5, 2.0)
    assert by_goal["RSS per socket ÷ bare"]["floors"] == (None, None)  # a card holds no socket
    line = next(
        x for x in goals.table([row("1", "", None, arms, "")]).splitlines() if "1 card" in x
    )
    assert "| 3.00× | <= 1.5× | ✗ | 1.80× | 2.50× |" in line


def test_a_capacity_goal_is_met_from_above() -> None:
    redis = {"id": "8", "status": "ok", "arms": {"app-pg": {}}, "ratios": {}}
    redis["ratios"] = {"capacity_2w_vs_1w": 1.7, "p50_redis_minus_memory_ms": 1.5}
    by_goal = {e["goal"]: e for e in goals.evaluate([redis])}
    assert by_goal["capacity 2 workers ÷ 1 worker"]["pass"] is True
    assert by_goal["Redis hop: p50 through Redis − in memory"]["pass"] is False


def test_connect_failures_of_the_client_side_or_a_saturated_generator_are_its_own() -> None:
    assert generator_faults([{"client_errors": 3}], failed=3, gen_util=0.2)
    assert generator_faults([{"client_errors": 0}], failed=5, gen_util=0.95)
    assert generator_faults([{"client_errors": 0}], failed=5, gen_util=0.3) == []
    assert generator_faults([{"client_errors": 0}], failed=0, gen_util=0.95) == []


def test_a_row_whose_generator_failed_is_invalid_not_a_verdict_on_the_app() -> None:
    live = SimpleNamespace(
        connect={"failed": 10, "generator_faults": ["10 connects failed on the client side"]}
    )
    stage = SimpleNamespace(lives={"app": live}, cut_short=False, unavailable={})

    r = row("4", "connections", stage, {"app": [window()]}, "")  # type: ignore[arg-type]
    assert r["status"] == "invalid"
    assert any("generator failed" in n for n in r["notes"])
    assert failed_row("4", "connections", GeneratorFailed("worker 2 died"))["status"] == "invalid"


def test_every_bench_file_stays_under_500_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in BENCH.rglob("*.py")}
    assert sizes and all(n < 500 for n in sizes.values()), sizes


def test_scenario_0_divides_a_cards_server_cpu_by_a_health_checks() -> None:
    def batch(kind: str, cpu_us: float) -> dict:
        return {"kind": kind, "errors": {}, "cpu_us_per_request": cpu_us, "p50_ms": 1.0,
                "p99_ms": 2.0, "server_cpu_util": 0.5, "other_cpu_cores": 0.1}  # fmt: skip

    windows = {
        "post": [batch("post", 2000.0), batch("post", 1800.0), batch("post", 2200.0)],
        "healthz": [batch("healthz", 200.0), batch("healthz", 250.0), batch("healthz", 150.0)],
    }
    r = cost_row(windows, 1500, 3)
    assert r["ratios"]["post_vs_healthz_cpu"] == 10.0
    assert r["targets"][0]["pass"] is False
    assert r["arms"]["app"]["summary"]["windows"] == 3
