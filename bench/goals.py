"""The goals of issue 14, read off a run's rows: one line each with its value, goal and ✓/✗.

Every goal is a ratio against a baseline measured in the same run (the bare relay, a health
check, the app itself in another configuration), so it travels between machines; a goal whose
scenario did not run in this run says so instead of passing or failing.

Beside a goal against the bare relay, two *floors* give the same ratio for the bare relay that
first keeps each card as the app's write must, on plain `sqlite3` (`keeper.py`): `bare-kept`, on
the bare relay's own HTTP, and `kept-uvicorn`, on uvicorn with no framework. For CPU an app that
keeps each card in its own commit can hardly score below the first, nor one on uvicorn below the
second, so a CPU goal under its floor is out of reach of changes to the app alone. For latency
they are a reference only: the relays write on the event loop, the app in a thread of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .stats import FLOORS


@dataclass(frozen=True)
class Goal:
    label: str
    scenarios: tuple[str, ...]  # the first of these that ran gives the value
    value: Callable[[dict], float | None]
    limit: float
    op: str = "<="
    unit: str = "×"
    detail: Callable[[dict], str] = lambda _r: ""
    # The ratio's key among a row's ratios, whose floors are read as `<prefix>_<key>` for each
    # floor's prefix in stats.FLOORS; None: no floor.
    floor: str | None = None


def summary(r: dict, arm: str) -> dict:
    return r.get("arms", {}).get(arm, {}).get("summary", {})


def num(v, nd: int = 0, unit: str = "") -> str:
    return "–" if v is None else f"{v:,.{nd}f}{unit}"


def app_vs_bare(key: str, unit: str, nd: int = 0) -> Callable[[dict], str]:
    def detail(r: dict) -> str:
        a, b = summary(r, "app").get(key), summary(r, "bare").get(key)
        return f"app {num(a, nd, unit)}, bare {num(b, nd, unit)}"

    return detail


def redis_detail(r: dict) -> str:
    m, x = summary(r, "app-pg").get("p50_ms"), summary(r, "app-pg-redis").get("p50_ms")
    return f"p50 in memory {num(m, 2, ' ms')}, through Redis {num(x, 2, ' ms')}"


def capacity_detail(r: dict) -> str:
    caps = r.get("capacity") or {}
    one, two = caps.get("app-pg-redis", {}), caps.get("app-pg-redis-2w", {})
    out = (
        f"1 worker {num(one.get('deliveries_per_s'), 0, '/s')}, "
        f"2 workers {num(two.get('deliveries_per_s'), 0, '/s')}"
    )
    limited = {c.get("limited_by") for c in (one, two)} - {None, "latency", "ladder"}
    return out + (f" (limited by the {', '.join(sorted(limited))})" if limited else "")


def connect_failures(r: dict) -> float | None:
    return (r.get("arms", {}).get("app", {}).get("connect") or {}).get("failed")


def connect_detail(r: dict) -> str:
    c = r.get("arms", {}).get("app", {}).get("connect") or {}
    return f"{num(c.get('connected'))} connected of {num(connected_wanted(r))}"


def connected_wanted(r: dict) -> float | None:
    c = r.get("arms", {}).get("app", {}).get("connect") or {}
    if c.get("connected") is None:
        return None
    return c["connected"] + c.get("failed", 0)


def ratio_of(key: str) -> Callable[[dict], float | None]:
    return lambda r: r.get("ratios", {}).get(key)


def floors(g: Goal, r: dict) -> tuple[float | None, ...]:
    """The goal's ratio for each floor, in FLOORS' order (None: no floor, or not run)."""
    ratios = r.get("ratios", {}) if g.floor else {}
    return tuple(ratios.get(f"{prefix}_{g.floor}") for prefix in FLOORS.values())


GOALS = [
    Goal("CPU per delivery ÷ bare, rooms at 1 card/s", ("1",),
         ratio_of("cpu_us_per_delivery"), 1.5,
         detail=app_vs_bare("cpu_us_per_delivery", " µs"),
         floor="cpu_us_per_delivery"),
    Goal("CPU per delivery ÷ bare, capacity rate", ("2",),
         ratio_of("cpu_us_per_delivery"), 1.5,
         detail=app_vs_bare("cpu_us_per_delivery", " µs"),
         floor="cpu_us_per_delivery"),
    Goal("p99 POST→delivery ÷ bare, typical load", ("1",), ratio_of("p99_ms"), 1.5,
         detail=app_vs_bare("p99_ms", " ms", 1), floor="p99_ms"),
    Goal("RSS per socket ÷ bare", ("4", "1"), ratio_of("rss_per_conn_kib"), 2.0,
         detail=app_vs_bare("rss_per_conn_kib", " KiB", 1)),
    Goal("slow readers: healthy p99 ÷ nobody stalled", ("5",),
         ratio_of("p99_vs_reference"), 1.2, unit=""),
    Goal("400 writes/s on SQLite: write p99 ÷ bare", ("9",), ratio_of("write_p99_ms"), 3.0,
         detail=app_vs_bare("write_p99_ms", " ms", 1), floor="write_p99_ms"),
    Goal("card POST CPU ÷ GET /healthz", ("0",), ratio_of("post_vs_healthz_cpu"), 2.5,
         detail=lambda r: f"POST {num(summary(r, 'app').get('post_cpu_us'), 0, ' µs')}, "
         f"healthz {num(summary(r, 'app').get('healthz_cpu_us'), 0, ' µs')}"),
    Goal("Redis hop: p50 through Redis − in memory", ("8",),
         ratio_of("p50_redis_minus_memory_ms"), 1.0, unit=" ms", detail=redis_detail),
    Goal("capacity 2 workers ÷ 1 worker", ("8",), ratio_of("capacity_2w_vs_1w"), 1.6, ">=",
         detail=capacity_detail),
    Goal("connect failures at 19,500 sockets per worker", ("4",), connect_failures, 0, unit="",
         detail=connect_detail),
]  # fmt: skip


def evaluate(rows: list[dict]) -> list[dict]:
    """Each goal's value in this run, from the first of its scenarios that ran."""
    by_id = {r["id"]: r for r in rows}
    out = []
    for g in GOALS:
        r = next((by_id[s] for s in g.scenarios if s in by_id and by_id[s].get("arms")), None)
        v = g.value(r) if r else None
        ok = None if v is None else (v <= g.limit if g.op == "<=" else v >= g.limit)
        out.append(
            {
                "goal": g.label,
                "scenario": r["id"] if r else None,
                "value": v,
                "limit": g.limit,
                "op": g.op,
                "unit": g.unit,
                "pass": ok,
                "valid": r is None or r.get("status") != "invalid",
                "detail": g.detail(r) if r else "",
                "floors": floors(g, r or {}),
                "ran": r is not None,
                "wanted": g.scenarios,
            }
        )
    return out


def table(rows: list[dict]) -> str:
    lines = [
        "| goal | value | goal | ✓/✗ | floor: kept | floor: kept on uvicorn | scenario | app and"
        " baseline |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in evaluate(rows):
        if not e["ran"]:
            lines.append(
                f"| {e['goal']} | – | {e['op']} {e['limit']:g}{e['unit']} | not run | – | – | "
                f"{' or '.join(e['wanted'])} | – |"
            )
            continue
        mark = "–" if e["pass"] is None else ("✓" if e["pass"] else "✗")
        if not e["valid"]:
            mark += " (invalid run)"
        nd = 0 if e["unit"] == "" and e["limit"] == 0 else 2
        kept, on_uvicorn = e["floors"]
        lines.append(
            f"| {e['goal']} | {num(e['value'], nd, e['unit'])} | {e['op']} {e['limit']:g}"
            f"{e['unit']} | {mark} | {num(kept, 2, e['unit'])} | {num(on_uvicorn, 2, e['unit'])} | "
            f"{e['scenario']} | "
            f"{e['detail'] or '–'} |"
        )
    return "\n".join(lines)
