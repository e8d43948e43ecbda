"""The nine scenarios of issue 5. Each returns one row (scenario 3 returns two: 1 and 5 cards/s).

Every scenario starts its arms side by side (the app on a fresh database, and the bare relay),
connects each arm's clients, then alternates measured windows A/B/A/B/A/B. A row holds each
arm's medians over its windows, the ratios app ÷ bare, and the targets with pass/fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .harness import (
    Arm,
    Generator,
    Live,
    NotAvailable,
    Server,
    conn_specs,
    connect,
    disconnect,
    setup_rooms,
    start_server,
    window,
    writer_specs,
)

MEDIAN_KEYS = (
    "p50_ms", "p99_ms", "p999_ms", "max_ms", "deliveries_per_s", "write_p50_ms", "write_p99_ms",
    "cpu_us_per_delivery", "server_cpu_util", "gen_cpu_util", "gen_lag_p99_ms", "server_rss_mb",
)
SUM_KEYS = ("posts", "delivered", "expected", "missing", "unexpected", "dupes", "misrouted",
            "seq_gaps", "seq_back", "lost", "stale")


@dataclass
class Ctx:
    plan: dict
    scratch: Path
    quick: bool
    rows: list[dict] = field(default_factory=list)
    log: object = print

    def size(self, full, quick):
        return quick if self.quick else full


def summarize(windows: list[dict]) -> dict:
    out: dict = {"windows": len(windows)}
    for k in MEDIAN_KEYS:
        vals = [w[k] for w in windows if w.get(k) is not None]
        out[k] = statistics.median(vals) if vals else None
    if windows:
        out["max_ms"] = max((w["max_ms"] for w in windows if w["max_ms"] is not None),
                            default=None)
    for k in SUM_KEYS:
        out[k] = sum(w.get(k, 0) for w in windows)
    errs: dict[str, int] = {}
    for w in windows:
        for k, v in w["write_errors"].items():
            errs[k] = errs.get(k, 0) + v
    out["write_errors"] = errs
    out["valid"] = all(w["valid"] for w in windows)
    out["invalid_because"] = sorted({r for w in windows for r in w["invalid_because"]})
    out["shared_cores"] = any(w.get("shared_cores") for w in windows)
    if windows:
        out["rss_per_conn_kib"] = windows[0]["rss_per_conn_kib"]
    return out


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return a / b


def target(name: str, value, limit, ok_if: str = "<=") -> dict:
    if value is None or limit is None:
        return {"name": name, "value": value, "limit": limit, "pass": None}
    ok = value <= limit if ok_if == "<=" else value >= limit
    return {"name": name, "value": value, "limit": limit, "op": ok_if, "pass": ok}


class Stage:
    """Start arms, set up rooms, connect clients; stop everything on the way out."""

    def __init__(self, ctx: Ctx, arms: list[Arm], rooms: int, clients: int, n_workers: int = 4):
        self.ctx, self.arms, self.n_rooms, self.clients = ctx, arms, rooms, clients
        self.servers: list[Server] = []
        self.lives: dict[str, Live] = {}
        self.unavailable: dict[str, str] = {}
        self.gen = Generator(n_workers, ctx.plan["generator"], ctx.scratch)

    async def __aenter__(self) -> Stage:
        await self.gen.__aenter__()
        try:
            for arm in self.arms:
                await self._start(arm)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self, arm: Arm) -> None:
        try:
            server = await start_server(arm, self.ctx.plan, self.ctx.scratch)
        except NotAvailable as exc:
            self.unavailable[arm.name] = str(exc)
            return
        except Exception as exc:
            self.unavailable[arm.name] = f"failed to start: {exc}"[-1500:]
            self.ctx.log(f"    {arm.name}: failed to start: {exc}")
            return
        self.servers.append(server)
        t0 = time.monotonic()
        try:
            rooms = await setup_rooms(server, self.n_rooms, self.clients)
        except Exception as exc:
            self.unavailable[arm.name] = f"setup failed: {exc}"[-1500:]
            self.ctx.log(f"    {arm.name}: setup failed: {exc}")
            return
        self.ctx.log(f"    {arm.name}: up, {self.n_rooms} rooms × {self.clients} set up in "
                     f"{time.monotonic() - t0:.1f}s")
        self.lives[arm.name] = Live(server, rooms, target=arm.name, deflate=arm.deflate,
                                    check_seq=arm.socket == "json")

    async def connect_all(self, slow_frac: float = 0.0, rate: float = 0.0) -> None:
        for name, live in list(self.lives.items()):
            try:
                specs = conn_specs(live.server, live.rooms, slow_frac)
            except NotAvailable as exc:
                self.unavailable[name] = str(exc)
                del self.lives[name]
                continue
            c = await connect(self.gen, live, specs, rate=rate)
            self.ctx.log(f"    {name}: {c['connected']} connected, {c['failed']} failed in "
                         f"{c['seconds']}s {c['errors'] or ''}")

    async def __aexit__(self, *exc) -> None:
        for live in self.lives.values():
            with contextlib.suppress(Exception):
                await disconnect(self.gen, live)
        await self.gen.__aexit__(*exc)
        for s in self.servers:
            await s.stop()


async def interleave(ctx: Ctx, st: Stage, rate: float, duration: float, reps: int,
                     text_len: int = 120, pause_slow: bool = False, drain: float = 1.0,
                     writers_per_room: int = 1) -> dict[str, list[dict]]:
    """A/B/A/B…: each rep measures every arm once, in turn."""
    out: dict[str, list[dict]] = {name: [] for name in st.lives}
    for rep in range(reps):
        for name, live in st.lives.items():
            if not live.server.alive():
                continue
            ws = writer_specs(live.server, live.rooms, rate, text_len, writers_per_room)
            w = await window(st.gen, live, ws, duration, drain=drain, pause_slow=pause_slow)
            out[name].append(w)
            ctx.log(f"    rep {rep + 1}/{reps} {name}: p50 {fmt(w['p50_ms'])} p99 "
                    f"{fmt(w['p99_ms'])} ms, {w['deliveries_per_s']:.0f}/s, missing "
                    f"{w['missing']}, cpu {fmt(w['cpu_us_per_delivery'])} µs/deliv, gen "
                    f"{w['gen_cpu_util']:.0%}{'' if w['valid'] else ' INVALID'}")
    return out


def fmt(v, nd: int = 2) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def row(sid: str, title: str, st: Stage | None, results: dict[str, list[dict]],
        load: str) -> dict:
    arms = {}
    for name, ws in results.items():
        live = st.lives.get(name) if st else None
        arms[name] = {"summary": summarize(ws), "windows": ws,
                      "connect": live.connect if live else None}
    r = {"id": sid, "title": title, "load": load, "arms": arms, "ratios": {}, "targets": [],
         "notes": [], "status": "ok"}
    if st:
        for name, why in st.unavailable.items():
            r["notes"].append(f"{name}: not available ({why})")
    if "app" in arms and "bare" in arms:
        a, b = arms["app"]["summary"], arms["bare"]["summary"]
        r["ratios"] = {k: ratio(a.get(k), b.get(k))
                       for k in ("p50_ms", "p99_ms", "cpu_us_per_delivery", "rss_per_conn_kib")}
    if any(not arm["summary"]["valid"] for arm in arms.values()):
        r["status"] = "invalid"
    return r


def failed_row(sid: str, title: str, exc: BaseException) -> dict:
    status = "not available" if isinstance(exc, NotAvailable) else "error"
    detail = str(exc) if isinstance(exc, NotAvailable) else "".join(
        traceback.format_exception_only(type(exc), exc)).strip()
    return {"id": sid, "title": title, "status": status, "arms": {}, "ratios": {},
            "targets": [], "notes": [detail[-2000:]], "load": ""}


APP, BARE = Arm("app"), Arm("bare", kind="bare")


# --- 1 typical -----------------------------------------------------------------------------------
async def s1_typical(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    async with Stage(ctx, [APP, BARE], W, M) as st:
        await st.connect_all()
        res = await interleave(ctx, st, 1.0, dur, reps)
        r = row("1", "typical", st, res, f"{W}×{M} clients, 1 card/s per room")
    app = r["arms"].get("app", {}).get("summary", {})
    r["targets"] = [target("app p99 POST→delivery (ms)", app.get("p99_ms"), 5.0),
                    target("missing deliveries", app.get("missing"), 0)]
    return [r]


# --- 2 capacity ----------------------------------------------------------------------------------
async def s2_capacity(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    steps = ctx.size([2, 4, 8, 16, 24, 32, 40, 48, 64, 80], [4, 16, 32, 48])
    dur, reps = ctx.size((3.0, 3), (2.0, 1))
    async with Stage(ctx, [APP, BARE], W, M) as st:
        await st.connect_all()
        ladder, caps = await climb(ctx, st, steps, dur, p99_limit=10.0)
        best_common = min((caps[n]["rate"] or steps[0]) for n in caps) if caps else steps[0]
        ctx.log(f"    CPU per delivery at {best_common} cards/s per room, interleaved")
        res = await interleave(ctx, st, best_common, dur + 1, reps)
        r = row("2", "capacity", st, res,
                f"{W}×{M} clients, cards/s per room rising {steps[0]}…{steps[-1]} until p99 > "
                f"10 ms; CPU measured at {best_common}/s per room")
    r["capacity"] = caps
    r["ladder"] = ladder
    app_cap = caps.get("app", {}).get("deliveries_per_s")
    r["ratios"]["capacity"] = ratio(app_cap, caps.get("bare", {}).get("deliveries_per_s"))
    r["targets"] = [target("app deliveries/s at p99 ≤ 10 ms (1 worker)", app_cap, 40_000, ">="),
                    target("CPU/delivery app ÷ bare", r["ratios"].get("cpu_us_per_delivery"), 1.5)]
    for name, c in caps.items():
        if c.get("limited_by"):
            r["notes"].append(f"{name}: capacity limited by {c['limited_by']}")
    return [r]


async def climb(ctx: Ctx, st: Stage, steps: list[float], dur: float, p99_limit: float,
                arms: list[str] | None = None) -> tuple[dict, dict]:
    """Raise the rate step by step, each arm in turn, until its p99 passes the limit."""
    alive = [n for n in (arms or list(st.lives)) if n in st.lives]
    ladder: dict[str, list[dict]] = {n: [] for n in alive}
    caps: dict[str, dict] = {n: {"rate": None, "deliveries_per_s": None, "limited_by": None}
                             for n in alive}
    for rate in steps:
        for name in list(alive):
            live = st.lives[name]
            ws = writer_specs(live.server, live.rooms, rate)
            w = await window(st.gen, live, ws, dur, drain=1.0)
            ladder[name].append({"rate": rate, **{k: w[k] for k in (
                "p50_ms", "p99_ms", "deliveries_per_s", "missing", "cpu_us_per_delivery",
                "server_cpu_util", "gen_cpu_util", "gen_lag_p99_ms", "valid", "write_errors",
                "write_p99_ms")}})
            ctx.log(f"    {name} @ {rate}/s/room: {w['deliveries_per_s']:.0f} deliv/s p99 "
                    f"{fmt(w['p99_ms'])} ms, server {w['server_cpu_util']:.0%} gen "
                    f"{w['gen_cpu_util']:.0%} lag {w['gen_lag_p99_ms']:.1f} ms, missing "
                    f"{w['missing']}")
            ok = (w["p99_ms"] is not None and w["p99_ms"] <= p99_limit
                  and w["missing"] <= 0.001 * max(1, w["expected"]) and not w["write_errors"])
            if not w["valid"]:
                caps[name]["limited_by"] = "the generator (" + "; ".join(
                    w["invalid_because"]) + ")"
                alive.remove(name)
            elif ok:
                caps[name].update(rate=rate, deliveries_per_s=w["deliveries_per_s"])
            else:
                caps[name]["limited_by"] = "the server"
                alive.remove(name)
        if not alive:
            break
    for c in caps.values():
        if c["limited_by"] is None:
            c["limited_by"] = "the top of the ladder"
    return ladder, caps


# --- 3 big room ----------------------------------------------------------------------------------
async def s3_big_room(ctx: Ctx) -> list[dict]:
    M = ctx.size(1000, 300)
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    rows = []
    async with Stage(ctx, [APP, BARE], 1, M) as st:
        await st.connect_all()
        for rate, sid in ((1.0, "3a"), (5.0, "3b")):
            res = await interleave(ctx, st, rate, dur, reps)
            r = row(sid, f"big room, {rate:g} card/s", st, res, f"1×{M} clients, {rate:g} card/s")
            app = r["arms"].get("app", {}).get("summary", {})
            r["targets"] = [target("app p99 (ms)", app.get("p99_ms"), 30.0),
                            target("missing deliveries", app.get("missing"), 0)]
            rows.append(r)
    return rows


# --- 4 connections -------------------------------------------------------------------------------
async def s4_connections(ctx: Ctx) -> list[dict]:
    total = ctx.size(19_500, 3_000)
    M = 50
    W = total // M
    dur, reps = ctx.size((5.0, 3), (3.0, 1))
    n_workers = max(4, math.ceil(2 * total / 5000))
    async with Stage(ctx, [APP, BARE], W, M, n_workers=n_workers) as st:
        await st.connect_all(rate=1000.0)
        res = await interleave(ctx, st, 1.0, dur, reps)
        r = row("4", "connections", st, res, f"ramp to {W * M} at 1,000/s, then {W}×{M} at "
                                            f"1 card/s per room")
    app = r["arms"].get("app", {})
    conn = app.get("connect") or {}
    s = app.get("summary", {})
    r["targets"] = [target("connect failures", conn.get("failed"), 0),
                    target("server RSS per connection (KiB)", s.get("rss_per_conn_kib"), 35.0),
                    target("app p99 (ms)", s.get("p99_ms"), 50.0)]
    return [r]


# --- 5 slow readers ------------------------------------------------------------------------------
async def s5_slow_readers(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    rate, text_len = 5.0, 1500  # enough bytes to fill the stalled sockets' buffers
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    async with Stage(ctx, [APP, BARE], W, M) as st:
        await st.connect_all(slow_frac=0.10)
        ctx.log("    reference window, everyone reading")
        ref = await interleave(ctx, st, rate, dur, 1, text_len=text_len)
        rss0 = {n: live.server.rss() for n, live in st.lives.items()}
        res = await interleave(ctx, st, rate, dur, reps, text_len=text_len, pause_slow=True)
        r = row("5", "slow readers", st, res, f"{W}×{M}, {rate:g} cards/s of ~{text_len} chars, "
                                            f"10% of each room stop reading")
        for name, ws in res.items():
            live = st.lives[name]
            growth = [(w["server_rss_mb"] * 2**20 - rss0[name]) / 2**20 for w in ws]
            arm = r["arms"][name]
            arm["reference"] = summarize(ref[name])
            arm["rss_growth_mb"] = growth
            n_slow = sum(1 for room in live.rooms for j in range(len(room.tokens))
                         if j < round(len(room.tokens) * 0.10))
            arm["slow_connections"] = n_slow
            arm["memory_bounded"] = bounded(growth)
    app = r["arms"].get("app", {})
    s, ref_s = app.get("summary", {}), app.get("reference", {})
    s1 = next((x for x in ctx.rows if x["id"] == "1"), None)
    s1_p99 = (s1 or {}).get("arms", {}).get("app", {}).get("summary", {}).get("p99_ms")
    r["ratios"]["p99_vs_reference"] = ratio(s.get("p99_ms"), ref_s.get("p99_ms"))
    r["ratios"]["p99_vs_scenario_1"] = ratio(s.get("p99_ms"), s1_p99)
    r["targets"] = [
        target("healthy readers: missing deliveries", s.get("missing"), 0),
        target("p99 ÷ same load with nobody stalled", r["ratios"]["p99_vs_reference"], 1.2),
        target("app memory bounded (1 = yes)", 1 if app.get("memory_bounded") else 0, 1, ">="),
    ]
    r["notes"].append("p99 ÷ scenario 1 (lighter cards) = "
                      f"{fmt(r['ratios']['p99_vs_scenario_1'])}")
    return [r]


def bounded(growth_mb: list[float]) -> bool:
    """RSS stops growing: the last window adds under 2 MiB or a tenth of the first's growth."""
    if len(growth_mb) < 2:
        return len(growth_mb) == 1 and growth_mb[0] < 8
    last = growth_mb[-1] - growth_mb[-2]
    return last < max(2.0, 0.1 * growth_mb[0])


# --- 6 htmx --------------------------------------------------------------------------------------
async def s6_htmx(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    html = Arm("app-html", socket="html")
    async with Stage(ctx, [APP, html, BARE], W, M) as st:
        await st.connect_all()
        if "app-html" not in st.lives:
            raise NotAvailable(st.unavailable.get("app-html", "no HTML socket"))
        res = await interleave(ctx, st, 1.0, dur, reps)
        r = row("6", "htmx HTML socket", st, res, f"{W}×{M}, 1 card/s, HTML socket vs JSON")
    h = r["arms"].get("app-html", {}).get("summary", {})
    j = r["arms"].get("app", {}).get("summary", {})
    r["ratios"]["html_p99_vs_json"] = ratio(h.get("p99_ms"), j.get("p99_ms"))
    r["ratios"]["html_cpu_vs_json"] = ratio(h.get("cpu_us_per_delivery"),
                                            j.get("cpu_us_per_delivery"))
    r["targets"] = [target("HTML p99 ÷ JSON p99", r["ratios"]["html_p99_vs_json"], 1.2)]
    return [r]


# --- 7 compression -------------------------------------------------------------------------------
async def s7_compression(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    arms = [APP, Arm("app-deflate", deflate=True), BARE, Arm("bare-deflate", "bare", deflate=True)]
    async with Stage(ctx, arms, W, M) as st:
        await st.connect_all()
        res = await interleave(ctx, st, 1.0, dur, reps)
        r = row("7", "permessage-deflate", st, res, f"{W}×{M}, 1 card/s, compression on")
    a = {n: v["summary"] for n, v in r["arms"].items()}
    d, p = a.get("app-deflate", {}), a.get("app", {})
    r["ratios"] = {
        "cpu_deflate_vs_plain": ratio(d.get("cpu_us_per_delivery"), p.get("cpu_us_per_delivery")),
        "p99_deflate_vs_plain": ratio(d.get("p99_ms"), p.get("p99_ms")),
        "cpu_us_per_delivery": ratio(d.get("cpu_us_per_delivery"),
                                     a.get("bare-deflate", {}).get("cpu_us_per_delivery")),
    }
    if d.get("rss_per_conn_kib") is not None and p.get("rss_per_conn_kib") is not None:
        r["ratios"]["extra_kib_per_conn"] = d["rss_per_conn_kib"] - p["rss_per_conn_kib"]
    r["targets"] = [target("app p99 with deflate (ms), for the record", d.get("p99_ms"), None)]
    r["notes"].append("cost only: CPU ×" + fmt(r["ratios"]["cpu_deflate_vs_plain"]) + ", "
                      + fmt(r["ratios"].get("extra_kib_per_conn"), 1) + " KiB more per connection")
    return [r]


# --- 8 Redis -------------------------------------------------------------------------------------
async def s8_redis(ctx: Ctx) -> list[dict]:
    W, M = 20, 50
    dur, reps = ctx.size((6.0, 3), (3.0, 1))
    mem = Arm("app-pg", db="postgres")
    r1 = Arm("app-pg-redis", db="postgres", redis=True)
    r2 = Arm("app-pg-redis-2w", db="postgres", redis=True, workers=2)
    async with Stage(ctx, [mem, r1, r2, BARE], W, M) as st:
        if "app-pg-redis" not in st.lives:
            raise NotAvailable(st.unavailable.get("app-pg-redis", "no Redis"))
        await st.connect_all()
        res = await interleave(ctx, st, 1.0, dur, reps)
        steps = ctx.size([4, 8, 16, 24, 32, 40, 48, 64], [8, 24, 48])
        ladder, caps = await climb(ctx, st, steps, ctx.size(3.0, 2.0), 10.0,
                                   arms=["app-pg-redis", "app-pg-redis-2w"])
        r = row("8", "Redis fan-out", st, res, f"{W}×{M}, 1 card/s via Redis, PostgreSQL; "
                                             "capacity 1 vs 2 workers")
    a = {n: v["summary"] for n, v in r["arms"].items()}
    p50_delta = None
    if a.get("app-pg-redis", {}).get("p50_ms") is not None and a.get("app-pg", {}).get("p50_ms"):
        p50_delta = a["app-pg-redis"]["p50_ms"] - a["app-pg"]["p50_ms"]
    cap1 = caps.get("app-pg-redis", {}).get("deliveries_per_s")
    cap2 = caps.get("app-pg-redis-2w", {}).get("deliveries_per_s")
    r["capacity"], r["ladder"] = caps, ladder
    r["ratios"] = {"p50_redis_minus_memory_ms": p50_delta, "capacity_2w_vs_1w": ratio(cap2, cap1)}
    r["targets"] = [target("p50 through Redis − in memory (ms)", p50_delta, 1.0),
                    target("capacity 2 workers ÷ 1 worker", ratio(cap2, cap1), 1.6, ">=")]
    if a.get("app-pg-redis-2w", {}).get("shared_cores"):
        r["notes"].append("2 workers on a 2-core machine share cores with the generator: "
                          "its capacity is indicative only")
    return [r]


# --- 9 writes ------------------------------------------------------------------------------------
async def s9_writes(ctx: Ctx) -> list[dict]:
    W, M, rate = 20, 2, 20.0
    dur, reps = ctx.size((5.0, 3), (3.0, 1))
    arms = [APP, Arm("app-pg", db="postgres"), BARE] if not ctx.quick else [APP, BARE]
    async with Stage(ctx, arms, W, M) as st:
        await st.connect_all()
        res = await interleave(ctx, st, rate, dur, reps)
        r = row("9", "writes", st, res, f"{W} writers × {rate:g} cards/s, SQLite"
                + ("" if ctx.quick else " and PostgreSQL") + f", {M} readers per room")
    a = {n: v["summary"] for n, v in r["arms"].items()}
    r["targets"] = [target("SQLite write p99 (ms)", a.get("app", {}).get("write_p99_ms"), 10.0),
                    target("seq gaps, SQLite", a.get("app", {}).get("seq_gaps"), 0)]
    if "app-pg" in a:
        r["targets"].append(target("seq gaps, PostgreSQL", a["app-pg"].get("seq_gaps"), 0))
        r["ratios"]["write_p99_pg_vs_sqlite"] = ratio(a["app-pg"].get("write_p99_ms"),
                                                      a.get("app", {}).get("write_p99_ms"))
    return [r]


# --- tiny scenario for the smoke test ------------------------------------------------------------
async def smoke(ctx: Ctx, arms: list[Arm], duration: float = 2.0) -> dict:
    async with Stage(ctx, arms, 2, 3, n_workers=2) as st:
        await st.connect_all()
        res = await interleave(ctx, st, 2.0, duration, 1, drain=0.5)
        return row("smoke", "smoke", st, res, "2×3 clients, 2 cards/s")


ALL = {
    "1": s1_typical, "2": s2_capacity, "3": s3_big_room, "4": s4_connections,
    "5": s5_slow_readers, "6": s6_htmx, "7": s7_compression, "8": s8_redis, "9": s9_writes,
}
QUICK = ["1", "2", "5", "9"]
TITLES = {"1": "typical", "2": "capacity", "3": "big room", "4": "connections",
          "5": "slow readers", "6": "htmx HTML socket", "7": "permessage-deflate",
          "8": "Redis fan-out", "9": "writes"}


async def run_one(ctx: Ctx, sid: str) -> list[dict]:
    try:
        return await asyncio.wait_for(ALL[sid](ctx), timeout=ctx.size(600, 120))
    except Exception as exc:
        ctx.log(f"  scenario {sid}: {type(exc).__name__}: {exc}")
        return [failed_row(sid, TITLES[sid], exc)]
