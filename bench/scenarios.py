"""The nine scenarios of issue 5. Each returns one row (scenario 3 returns two: 1 and 5 cards/s).

Every scenario starts its arms side by side (the app on a fresh database, and the bare relay),
connects each arm's clients, then alternates measured windows A/B/A/B/A/B. A row holds each
arm's medians over its windows, the ratios app ÷ bare, and the targets with pass/fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
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
    tail,
    window,
    writer_specs,
)
from .procstat import ticks_ns

MEDIAN_KEYS = (
    "p50_ms",
    "p99_ms",
    "p999_ms",
    "max_ms",
    "deliveries_per_s",
    "write_p50_ms",
    "write_p99_ms",
    "cpu_us_per_delivery",
    "server_cpu_util",
    "gen_cpu_util",
    "gen_lag_p99_ms",
    "server_rss_mb",
    "other_cpu_cores",
)
SUM_KEYS = (
    "posts",
    "delivered",
    "expected",
    "missing",
    "unexpected",
    "dupes",
    "misrouted",
    "seq_gaps",
    "seq_back",
    "lost",
    "stale",
)


@dataclass
class Ctx:
    plan: dict
    scratch: Path
    quick: bool
    rows: list[dict] = field(default_factory=list)
    log: object = print
    arms: set[str] | None = None  # measure only these arms (debugging)
    deadline: float = float("inf")  # monotonic time by which the current group must be done

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def size(self, full, quick):
        return quick if self.quick else full


def usable(windows: list[dict]) -> list[dict]:
    """The windows to take medians over: the valid ones, or all if none is. (Not only the quiet
    ones: arms compared with each other should be measured under the same kind of noise.)"""
    return [w for w in windows if w["valid"]] or windows


def summarize(all_windows: list[dict]) -> dict:
    windows = usable(all_windows)
    out: dict = {
        "windows": len(windows),
        "windows_run": len(all_windows),
        "noisy_windows": sum(1 for w in all_windows if w.get("noisy")),
        "invalid_windows": sum(1 for w in all_windows if not w["valid"]),
    }
    for k in MEDIAN_KEYS:
        vals = [w[k] for w in windows if w.get(k) is not None]
        out[k] = statistics.median(vals) if vals else None
    if windows:
        out["max_ms"] = max((w["max_ms"] for w in windows if w["max_ms"] is not None), default=None)
    cpu = [w["cpu_us_per_delivery"] for w in windows if w.get("cpu_us_per_delivery")]
    # Noise only adds CPU time (a busy sibling core slows every instruction), so the least of
    # the windows is the best estimate of the intrinsic cost; the median is what the table shows.
    out["cpu_us_per_delivery_min"] = min(cpu) if cpu else None
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

    def __init__(
        self,
        ctx: Ctx,
        arms: list[Arm],
        rooms: int,
        clients: int,
        n_workers: int = 2,
        tokens: int | None = None,
    ):
        self.ctx, self.arms, self.n_rooms, self.clients = ctx, arms, rooms, clients
        self.tokens = tokens
        self.servers: list[Server] = []
        self.lives: dict[str, Live] = {}
        self.unavailable: dict[str, str] = {}
        self.warm: set[str] = set()
        self.cut_short = False
        n_workers = int(os.environ.get("BENCH_WORKERS", "0")) or n_workers
        self.gen = Generator(n_workers, ctx.plan["generator"], ctx.scratch)

    async def __aenter__(self) -> Stage:
        await self.gen.__aenter__()
        try:
            for arm in self.arms:
                if self.ctx.arms is None or arm.name in self.ctx.arms:
                    await self._start(arm)
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, None)
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
            rooms = await setup_rooms(server, self.n_rooms, self.clients, tokens=self.tokens)
        except Exception as exc:
            why = f"setup failed: {exc}"
            log = "".join(tail(p, 1200) for p in server.logs)
            last = [ln for ln in log.splitlines() if ln.strip() and "INFO" not in ln][-6:]
            if last:
                why += " — server log: " + " / ".join(last)
            self.unavailable[arm.name] = why[-1500:]
            self.ctx.log(f"    {arm.name}: {why}")
            return
        self.ctx.log(
            f"    {arm.name}: up, {self.n_rooms} rooms × {self.clients} set up in "
            f"{time.monotonic() - t0:.1f}s"
        )
        self.lives[arm.name] = Live(
            server, rooms, target=arm.name, deflate=arm.deflate, check_seq=arm.socket == "json"
        )

    async def connect_all(self, slow_frac: float = 0.0, rate: float = 500.0) -> None:
        for name, live in list(self.lives.items()):
            try:
                specs = conn_specs(live.server, live.rooms, slow_frac)
            except NotAvailable as exc:
                self.unavailable[name] = str(exc)
                del self.lives[name]
                continue
            c = await connect(self.gen, live, specs, rate=rate)
            self.ctx.log(
                f"    {name}: {c['connected']} connected, {c['failed']} failed in "
                f"{c['seconds']}s {c['errors'] or ''}"
            )
        await self.settle()

    async def settle(self, limit: float = 30.0) -> None:
        """Wait (bounded) until no server is still busy with the connection storm: a server
        catching up on abandoned connections would steal the core from the arm measured next."""
        t0 = time.monotonic()
        pids = [p for s in self.servers for p in s.refresh_pids()]
        busy = 0.0
        for _ in range(int(limit / 0.5)):
            c0, t = sum(ticks_ns(p) for p in pids), time.monotonic()
            await asyncio.sleep(0.5)
            busy = (sum(ticks_ns(p) for p in pids) - c0) / 1e9 / (time.monotonic() - t)
            if busy < 0.15 or time.monotonic() - t0 > min(limit, self.ctx.time_left() / 4):
                break
        if time.monotonic() - t0 > 1:
            self.ctx.log(f"    servers settled for {time.monotonic() - t0:.0f}s ({busy:.0%} busy)")

    async def __aexit__(self, exc_type=None, *exc) -> None:
        failed = exc_type is not None  # cancelled or broken: no politeness, just stop fast
        if not failed:
            for live in self.lives.values():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(disconnect(self.gen, live), 30)
        await asyncio.gather(
            self.gen.close(fast=failed),
            *(s.stop(grace=2.0 if failed else 10.0) for s in self.servers),
            return_exceptions=True,
        )


async def interleave(
    ctx: Ctx,
    st: Stage,
    rate: float,
    duration: float,
    reps: int,
    text_len: int = 120,
    pause_slow: bool = False,
    drain: float = 1.0,
    arms: list[str] | None = None,
) -> dict[str, list[dict]]:
    """A/B/A/B…: each rep measures every arm (or the named ones) once, in turn."""
    names = [n for n in (arms or list(st.lives)) if n in st.lives]
    out: dict[str, list[dict]] = {name: [] for name in names}
    retries_left = [0 if ctx.quick else 2]  # bounded: a hiccup may be retried, noise is not
    await warm_up(st, rate, text_len)
    for rep in range(reps):
        if rep and ctx.time_left() < (duration + 4) * len(names) + 10:
            ctx.log(f"    out of time: {rep} of {reps} reps done")
            st.cut_short = True
            break
        for name in names:
            live = st.lives[name]
            if not live.server.alive():
                continue
            ws = writer_specs(live.server, live.rooms, rate, text_len)
            kw = {"drain": drain, "pause_slow": pause_slow, "idle": st.servers}
            w = await window(st.gen, live, ws, duration, **kw)
            if not w["valid"] and retries_left[0] > 0 and ctx.time_left() > 60:
                retries_left[0] -= 1  # once more, after waiting for quiet; both are kept
                log_window(ctx, f"rep {rep + 1}/{reps} {name} (retrying)", w)
                out[name].append(w)
                w = await window(st.gen, live, ws, duration, **kw)
            out[name].append(w)
            log_window(ctx, f"rep {rep + 1}/{reps} {name}", w)
    return out


def log_window(ctx: Ctx, label: str, w: dict) -> None:
    ctx.log(
        f"    {label}: p50 {fmt(w['p50_ms'])} p99 {fmt(w['p99_ms'])} ms, "
        f"{w['deliveries_per_s']:.0f}/s, missing {w['missing']}, cpu "
        f"{fmt(w['cpu_us_per_delivery'])} µs/deliv, gen {w['gen_cpu_util']:.0%} lag "
        f"{w['gen_lag_p99_ms']:.1f} ms, write p99 {fmt(w['write_p99_ms'])}, other load "
        f"{w['other_cpu_cores']:.2f}{'' if w['valid'] else ' INVALID'}"
        f"{' NOISY' if w['noisy'] else ''}"
    )


async def warm_up(st: Stage, rate: float, text_len: int = 120) -> None:
    """One short unrecorded window per arm: opens the writers' HTTP connections, warms caches."""
    for name, live in st.lives.items():
        if name in st.warm or not live.server.alive():
            continue
        ws = writer_specs(live.server, live.rooms, min(rate, 2.0), text_len)
        await window(st.gen, live, ws, 1.0, drain=0.5, quiet=False)
        st.warm.add(name)


def fmt(v, nd: int = 2) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def row(
    sid: str,
    title: str,
    st: Stage | None,
    results: dict[str, list[dict]],
    load: str,
    wanted: list[str] | None = None,
) -> dict:
    arms = {}
    for name, ws in results.items():
        live = st.lives.get(name) if st else None
        arms[name] = {
            "summary": summarize(ws),
            "windows": ws,
            "connect": live.connect if live else None,
        }
    r = {
        "id": sid,
        "title": title,
        "load": load,
        "arms": arms,
        "ratios": {},
        "targets": [],
        "notes": [],
        "status": "ok",
    }
    if st and st.cut_short:
        r["notes"].append("cut short by its time budget: fewer windows than planned")
    if st:
        for name, why in st.unavailable.items():
            if wanted is None or name in wanted:
                r["notes"].append(f"{name}: not available ({why})")
    if "app" in arms and "bare" in arms:
        a, b = arms["app"]["summary"], arms["bare"]["summary"]
        r["ratios"] = {
            k: ratio(a.get(k), b.get(k))
            for k in (
                "p50_ms", "p99_ms", "cpu_us_per_delivery", "cpu_us_per_delivery_min",
                "rss_per_conn_kib",
            )
        }  # fmt: skip
    for name, arm in arms.items():
        errs = arm["summary"]["write_errors"]
        if errs:
            r["notes"].append(f"{name}: writes that failed or got no answer: {errs}")
    if any(not arm["summary"]["valid"] for arm in arms.values()):
        r["status"] = "invalid"
    return r


def failed_row(sid: str, title: str, exc: BaseException) -> dict:
    status = "not available" if isinstance(exc, NotAvailable) else "error"
    detail = (
        str(exc)
        if isinstance(exc, NotAvailable)
        else "".join(traceback.format_exception_only(type(exc), exc)).strip()
    )
    return {
        "id": sid,
        "title": title,
        "status": status,
        "arms": {},
        "ratios": {},
        "targets": [],
        "notes": [detail[-2000:]],
        "load": "",
    }


APP, BARE = Arm("app"), Arm("bare", kind="bare")


APP, BARE = Arm("app"), Arm("bare", kind="bare")
HTML = Arm("app-html", socket="html")
APP_DEFLATE = Arm("app-deflate", deflate=True)
BARE_DEFLATE = Arm("bare-deflate", kind="bare", deflate=True)


# --- the typical rooms: scenarios 1, 6, 7, 2 and 5 share one stage --------------------------------
# Setting up and connecting a thousand clients to the app takes longer than measuring them, so
# these five scenarios use the same servers, rooms and connections, in this order (5 comes last:
# its slow readers stop reading for good). 10 % of each room's clients are the slow readers of
# scenario 5; until then they read like everyone else.
FAMILY = ["1", "6", "7", "2", "5"]


async def typical_family(ctx: Ctx, ids: list[str]) -> list[dict]:
    """Rows are added to ctx.rows one by one (scenario 5 compares with 1's)."""
    W, M = ctx.size((20, 50), (10, 20))
    arms = [APP, BARE]
    if "6" in ids:
        arms.append(HTML)
    if "7" in ids:
        arms += [APP_DEFLATE, BARE_DEFLATE]
    # 10 visitor tokens per room, each used by 5 connections: a thousand joins per app arm
    # would take most of the group's time budget.
    async with Stage(ctx, arms, W, M, tokens=ctx.size(10, None)) as st:
        await st.connect_all(slow_frac=0.10 if "5" in ids else 0.0)
        for sid in FAMILY:
            if sid not in ids:
                continue
            if ctx.time_left() < ctx.size(25, 8):
                why = RuntimeError("skipped: its group's time budget is spent")
                ctx.rows.append(failed_row(sid, TITLES[sid], why))
                continue
            ctx.log(f"  scenario {sid} ({TITLES[sid]})")
            st.cut_short = False
            t0 = time.monotonic()
            try:
                ctx.rows += await PARTS[sid](ctx, st, W, M)
            except Exception as exc:
                ctx.log(f"  scenario {sid}: {type(exc).__name__}: {exc}")
                ctx.rows.append(failed_row(sid, TITLES[sid], exc))
            ctx.log(f"  scenario {sid} done in {time.monotonic() - t0:.0f}s")
    return []  # the rows went into ctx.rows as they came


def reps_and_duration(ctx: Ctx) -> tuple[float, int]:
    return ctx.size((4.0, 3), (2.0, 1))


# --- 1 typical -----------------------------------------------------------------------------------
async def s1_typical(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    dur, reps = reps_and_duration(ctx)
    names = ["app", "bare"]
    res = await interleave(ctx, st, 1.0, dur, reps, arms=names)
    r = row("1", "typical", st, res, f"{W}×{M} clients, 1 card/s per room", names)
    app = r["arms"].get("app", {}).get("summary", {})
    r["targets"] = [
        target("app p99 POST→delivery (ms)", app.get("p99_ms"), 5.0),
        target("missing deliveries", app.get("missing"), 0),
    ]
    return [r]


# --- 2 capacity ----------------------------------------------------------------------------------
async def s2_capacity(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    steps = ctx.size([2, 4, 8, 16, 24, 32, 48, 64, 80], [8, 32])
    dur, reps = ctx.size((3.0, 3), (2.0, 1))
    names = ["app", "bare"]
    ladder, caps = await climb(ctx, st, steps, dur, p99_limit=10.0, arms=names)
    common = min((caps[n]["rate"] or steps[0]) for n in caps) if caps else steps[0]
    ctx.log(f"    CPU per delivery at {common} cards/s per room, interleaved")
    res = await interleave(ctx, st, common, dur + 1, reps, arms=names)
    r = row(
        "2",
        "capacity",
        st,
        res,
        f"{W}×{M} clients, cards/s per room rising {steps[0]}…{steps[-1]} until p99 > 10 ms; "
        f"CPU measured at {common}/s per room",
        names,
    )
    r["capacity"], r["ladder"] = caps, ladder
    app_cap = caps.get("app", {}).get("deliveries_per_s")
    r["ratios"]["capacity"] = ratio(app_cap, caps.get("bare", {}).get("deliveries_per_s"))
    r["targets"] = [
        target("app deliveries/s at p99 ≤ 10 ms (1 worker)", app_cap, 40_000, ">="),
        target("CPU/delivery app ÷ bare", r["ratios"].get("cpu_us_per_delivery"), 1.5),
    ]
    for name, c in caps.items():
        r["notes"].append(f"{name}: capacity {fmt(c['deliveries_per_s'], 0)}/s, then {c['why']}")
    return [r]


async def climb(
    ctx: Ctx,
    st: Stage,
    steps: list[float],
    dur: float,
    p99_limit: float,
    arms: list[str] | None = None,
) -> tuple[dict, dict]:
    """Raise the rate step by step, each arm in turn, until its p99 passes the limit."""
    alive = [n for n in (arms or list(st.lives)) if n in st.lives]
    ladder: dict[str, list[dict]] = {n: [] for n in alive}
    caps: dict[str, dict] = {
        n: {"rate": None, "deliveries_per_s": None, "limited_by": None, "why": ""} for n in alive
    }
    retries = {n: 0 if ctx.quick else 1 for n in alive}
    await warm_up(st, steps[0])
    for rate in steps:
        if ctx.time_left() < (dur + 4) * len(alive) + ctx.size(45, 8):
            ctx.log("    out of time: the climb stops here")
            st.cut_short = True
            for name in alive:
                caps[name]["limited_by"], caps[name]["why"] = "time", "the run's time budget"
            break
        for name in list(alive):
            live = st.lives[name]
            ws = writer_specs(live.server, live.rooms, rate)
            w = await window(st.gen, live, ws, dur, drain=1.0, idle=st.servers)
            if not w["valid"] and retries[name] > 0 and ctx.time_left() > 60:
                retries[name] -= 1  # a hiccup (someone else's job?): this step once more
                log_window(ctx, f"{name} @ {rate}/s/room (retrying)", w)
                w = await window(st.gen, live, ws, dur, drain=1.0, idle=st.servers)
            keys = (
                "p50_ms", "p99_ms", "deliveries_per_s", "missing", "cpu_us_per_delivery",
                "server_cpu_util", "gen_cpu_util", "gen_lag_p99_ms", "other_cpu_cores", "valid",
                "write_errors", "write_p99_ms",
            )  # fmt: skip
            ladder[name].append({"rate": rate, **{k: w[k] for k in keys}})
            ctx.log(
                f"    {name} @ {rate}/s/room: {w['deliveries_per_s']:.0f} deliv/s p99 "
                f"{fmt(w['p99_ms'])} ms, server {w['server_cpu_util']:.0%} gen "
                f"{w['gen_cpu_util']:.0%} lag {w['gen_lag_p99_ms']:.1f} ms, missing "
                f"{w['missing']}, other load {w['other_cpu_cores']:.2f} cores"
            )
            ok = (
                w["p99_ms"] is not None
                and w["p99_ms"] <= p99_limit
                and w["missing"] <= 0.001 * max(1, w["expected"])
                and not w["write_errors"]
            )
            state = (
                f"server CPU {w['server_cpu_util']:.0%}, generator CPU {w['gen_cpu_util']:.0%}, "
                f"generator lag p99 {w['gen_lag_p99_ms']:.1f} ms, other load "
                f"{w['other_cpu_cores']:.2f} cores"
            )
            if not w["valid"]:
                caps[name]["limited_by"] = "generator"
                caps[name]["why"] = (
                    f"at {rate}/s per room the generator saturated ("
                    + "; ".join(w["invalid_because"])
                    + ")"
                )
                alive.remove(name)
            elif ok:
                caps[name].update(rate=rate, deliveries_per_s=w["deliveries_per_s"])
            else:
                caps[name]["limited_by"] = "latency"
                caps[name]["why"] = (
                    f"at {rate}/s per room p99 {fmt(w['p99_ms'])} ms, missing {w['missing']}, "
                    f"write errors {w['write_errors'] or 0} ({state})"
                )
                alive.remove(name)
        if not alive:
            break
        await asyncio.sleep(0.5)
    for c in caps.values():
        if c["limited_by"] is None:
            c["limited_by"], c["why"] = "ladder", "the top of the ladder"
        if c["limited_by"] == "latency" and c["deliveries_per_s"] is None:
            c["deliveries_per_s"] = 0.0  # not even the first step: below it
    await asyncio.sleep(1.0)  # let a saturated generator drain before what comes next
    return ladder, caps


# --- 5 slow readers ------------------------------------------------------------------------------
async def s5_slow_readers(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    rate, text_len = 5.0, 1500  # enough bytes to fill the stalled sockets' buffers
    dur, reps = reps_and_duration(ctx)
    names = ["app", "bare"]
    ctx.log("    reference window, everyone reading")
    ref = await interleave(ctx, st, rate, dur, 1, text_len=text_len, arms=names)
    rss0 = {n: st.lives[n].server.rss() for n in names if n in st.lives}
    res = await interleave(ctx, st, rate, dur, reps, text_len=text_len, pause_slow=True, arms=names)
    r = row(
        "5",
        "slow readers",
        st,
        res,
        f"{W}×{M}, {rate:g} cards/s of ~{text_len} chars, 10% of each room stop reading",
        names,
    )
    for name, ws in res.items():
        live = st.lives[name]
        growth = [(w["server_rss_mb"] * 2**20 - rss0[name]) / 2**20 for w in ws]
        arm = r["arms"][name]
        arm["reference"] = summarize(ref[name])
        arm["rss_growth_mb"] = growth
        arm["slow_connections"] = sum(round(room.clients * 0.10) for room in live.rooms)
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
    frames = int(rate * dur * len(res.get("app", res.get("bare", []))))
    for name in names:
        a = r["arms"].get(name)
        if a:
            per = (
                (a["rss_growth_mb"][-1] * 1024 / a["slow_connections"])
                if a["rss_growth_mb"] and a["slow_connections"]
                else None
            )
            r["notes"].append(
                f"{name}: RSS growth over the stalled windows "
                + ", ".join(f"{g:.1f}" for g in a["rss_growth_mb"])
                + f" MiB with {a['slow_connections']} stalled readers, {fmt(per, 0)} KiB each, "
                f"after ~{frames} frames of ~{text_len + 400} bytes sent to each"
            )
    r["notes"].append(
        "the app drops a reader after WS_SEND_QUEUE frames (default 1,024) queued; a run this "
        "short may not reach that bound, so 'bounded' here means RSS stopped growing"
    )
    r["notes"].append(f"app p99 ÷ scenario 1's = {fmt(r['ratios']['p99_vs_scenario_1'])}")
    return [r]


def bounded(growth_mb: list[float]) -> bool:
    """RSS stops growing: the last window adds under 2 MiB or a tenth of the first's growth."""
    if len(growth_mb) < 2:
        return len(growth_mb) == 1 and growth_mb[0] < 8
    last = growth_mb[-1] - growth_mb[-2]
    return last < max(2.0, 0.1 * growth_mb[0])


# --- 6 htmx --------------------------------------------------------------------------------------
async def s6_htmx(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    if "app-html" not in st.lives:
        raise NotAvailable(st.unavailable.get("app-html", "no HTML socket"))
    dur, reps = ctx.size((3.0, 3), (2.0, 1))
    names = ["app", "app-html", "bare"]
    res = await interleave(ctx, st, 1.0, dur, reps, arms=names)
    r = row("6", "htmx HTML socket", st, res, f"{W}×{M}, 1 card/s, HTML socket vs JSON", names)
    h = r["arms"].get("app-html", {}).get("summary", {})
    j = r["arms"].get("app", {}).get("summary", {})
    b = r["arms"].get("bare", {}).get("summary", {})
    r["ratios"] = {
        "html_p99_vs_json": ratio(h.get("p99_ms"), j.get("p99_ms")),
        "html_cpu_vs_json": ratio(h.get("cpu_us_per_delivery"), j.get("cpu_us_per_delivery")),
        "cpu_us_per_delivery": ratio(h.get("cpu_us_per_delivery"), b.get("cpu_us_per_delivery")),
    }
    r["targets"] = [target("HTML p99 ÷ JSON p99", r["ratios"]["html_p99_vs_json"], 1.2)]
    r["notes"].append(f"HTML CPU/delivery ÷ JSON = {fmt(r['ratios']['html_cpu_vs_json'])}")
    return [r]


# --- 7 compression -------------------------------------------------------------------------------
async def s7_compression(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    if "app-deflate" not in st.lives:
        raise NotAvailable(st.unavailable.get("app-deflate", "app-deflate did not start"))
    dur, reps = ctx.size((3.0, 3), (2.0, 1))
    names = ["app", "app-deflate", "bare", "bare-deflate"]
    res = await interleave(ctx, st, 1.0, dur, reps, arms=names)
    r = row("7", "permessage-deflate", st, res, f"{W}×{M}, 1 card/s, compression on", names)
    a = {n: v["summary"] for n, v in r["arms"].items()}
    d, p = a.get("app-deflate", {}), a.get("app", {})
    bd, bp = a.get("bare-deflate", {}), a.get("bare", {})
    r["ratios"] = {
        "cpu_deflate_vs_plain": ratio(d.get("cpu_us_per_delivery"), p.get("cpu_us_per_delivery")),
        "bare_cpu_deflate_vs_plain": ratio(
            bd.get("cpu_us_per_delivery"), bp.get("cpu_us_per_delivery")
        ),
        "p99_deflate_vs_plain": ratio(d.get("p99_ms"), p.get("p99_ms")),
        "cpu_us_per_delivery": ratio(d.get("cpu_us_per_delivery"), bd.get("cpu_us_per_delivery")),
    }
    if d.get("rss_per_conn_kib") is not None and p.get("rss_per_conn_kib") is not None:
        r["ratios"]["extra_kib_per_conn"] = d["rss_per_conn_kib"] - p["rss_per_conn_kib"]
    r["targets"] = [target("app p99 with deflate (ms), for the record", d.get("p99_ms"), None)]
    r["notes"].append(
        f"app: deflate costs CPU ×{fmt(r['ratios']['cpu_deflate_vs_plain'])} and "
        f"{fmt(r['ratios'].get('extra_kib_per_conn'), 1)} KiB more per connection; bare: CPU ×"
        f"{fmt(r['ratios']['bare_cpu_deflate_vs_plain'])}"
    )
    return [r]


# --- 3 big room ----------------------------------------------------------------------------------
async def s3_big_room(ctx: Ctx) -> list[dict]:
    M = ctx.size(1000, 200)
    dur, reps = ctx.size((3.0, 3), (2.0, 1))
    rows = []
    # 200 visitor tokens shared by the 1,000 connections: 1,000 joins would eat the budget.
    async with Stage(ctx, [APP, BARE], 1, M, tokens=M // 5) as st:
        await st.connect_all()
        for rate, sid in ((1.0, "3a"), (5.0, "3b")):
            res = await interleave(ctx, st, rate, dur, reps)
            r = row(sid, f"big room, {rate:g} card/s", st, res, f"1×{M} clients, {rate:g} card/s")
            app = r["arms"].get("app", {}).get("summary", {})
            r["targets"] = [
                target("app p99 (ms)", app.get("p99_ms"), 30.0),
                target("missing deliveries", app.get("missing"), 0),
            ]
            r["notes"].append(f"{M // 5} visitor tokens, each used by 5 connections")
            rows.append(r)
    return rows


# --- 4 connections -------------------------------------------------------------------------------
async def s4_connections(ctx: Ctx) -> list[dict]:
    total = ctx.size(19_500, 2_000)
    M = 50
    W = total // M
    dur, reps = reps_and_duration(ctx)
    n_workers = max(2, math.ceil(2 * total / 5000))
    # Two visitor tokens per room, each used by 25 connections (people with many tabs): 19,500
    # joins would take the app minutes before anything is measured.
    # The bare relay connects first: an app that cannot keep up with the ramp stays busy with
    # the abandoned connections for a while, and would slow the bare relay's ramp on its core.
    async with Stage(ctx, [BARE, APP], W, M, n_workers=n_workers, tokens=2) as st:
        await st.connect_all(rate=1000.0)
        res = await interleave(ctx, st, 1.0, dur, reps)
        r = row(
            "4",
            "connections",
            st,
            res,
            f"ramp to {W * M} at 1,000/s, then {W}×{M} at 1 card/s per room",
        )
    app = r["arms"].get("app", {})
    conn = app.get("connect") or {}
    s = app.get("summary", {})
    r["targets"] = [
        target("connect failures", conn.get("failed"), 0),
        target("server RSS per connection (KiB)", s.get("rss_per_conn_kib"), 35.0),
        target("app p99 (ms)", s.get("p99_ms"), 50.0),
    ]
    for name, a in r["arms"].items():
        c = a.get("connect") or {}
        r["notes"].append(
            f"{name}: {c.get('connected')} connected, {c.get('failed')} failed in "
            f"{c.get('seconds')} s {c.get('errors') or ''}"
        )
    r["notes"].append("2 visitor tokens per room, each used by 25 connections")
    return [r]


# --- 8 Redis -------------------------------------------------------------------------------------
async def s8_redis(ctx: Ctx) -> list[dict]:
    W, M = ctx.size((20, 50), (10, 20))
    dur, reps = reps_and_duration(ctx)
    mem = Arm("app-pg", db="postgres")
    r1 = Arm("app-pg-redis", db="postgres", redis=True)
    r2 = Arm("app-pg-redis-2w", db="postgres", redis=True, workers=2)
    reps = ctx.size(2, 1)  # four arms: A/B/C/D twice, to leave time for the capacity climb
    async with Stage(ctx, [mem, r1, r2, BARE], W, M, tokens=10) as st:
        if "app-pg-redis" not in st.lives:
            raise NotAvailable(st.unavailable.get("app-pg-redis", "no Redis"))
        await st.connect_all()
        res = await interleave(ctx, st, 1.0, dur, reps)
        steps = ctx.size([4, 8, 16, 24, 32, 48, 64], [8, 24, 48])
        ladder, caps = await climb(
            ctx, st, steps, ctx.size(3.0, 2.0), 10.0, arms=["app-pg-redis", "app-pg-redis-2w"]
        )
        r = row(
            "8",
            "Redis fan-out",
            st,
            res,
            f"{W}×{M}, 1 card/s via Redis, PostgreSQL; capacity 1 vs 2 workers",
        )
    a = {n: v["summary"] for n, v in r["arms"].items()}
    p50_delta = None
    if a.get("app-pg-redis", {}).get("p50_ms") is not None and a.get("app-pg", {}).get("p50_ms"):
        p50_delta = a["app-pg-redis"]["p50_ms"] - a["app-pg"]["p50_ms"]
    cap1 = caps.get("app-pg-redis", {}).get("deliveries_per_s")
    cap2 = caps.get("app-pg-redis-2w", {}).get("deliveries_per_s")
    r["capacity"], r["ladder"] = caps, ladder
    r["ratios"] = {
        "p50_redis_minus_memory_ms": p50_delta,
        "capacity_2w_vs_1w": ratio(cap2, cap1),
        "cpu_us_per_delivery": ratio(
            a.get("app-pg-redis", {}).get("cpu_us_per_delivery"),
            a.get("bare", {}).get("cpu_us_per_delivery"),
        ),
    }
    r["targets"] = [
        target("p50 through Redis − in memory (ms)", p50_delta, 1.0),
        target("capacity 2 workers ÷ 1 worker", ratio(cap2, cap1), 1.6, ">="),
    ]
    for name, c in caps.items():
        r["notes"].append(f"{name}: capacity {fmt(c['deliveries_per_s'], 0)}/s, then {c['why']}")
    if a.get("app-pg-redis-2w", {}).get("shared_cores"):
        r["notes"].append(
            "2 workers on a 2-core machine share cores with the generator: "
            "its capacity is indicative only"
        )
    return [r]


# --- 9 writes ------------------------------------------------------------------------------------
async def s9_writes(ctx: Ctx) -> list[dict]:
    W, M, rate = ctx.size(20, 10), 2, 20.0
    dur, reps = reps_and_duration(ctx)
    arms = [APP, BARE] if ctx.quick else [APP, Arm("app-pg", db="postgres"), BARE]
    async with Stage(ctx, arms, W, M) as st:
        await st.connect_all()
        res = await interleave(ctx, st, rate, dur, reps)
        r = row(
            "9",
            "writes",
            st,
            res,
            f"{W} writers × {rate:g} cards/s, SQLite"
            + ("" if ctx.quick else " and PostgreSQL")
            + f", {M} readers per room",
        )
    a = {n: v["summary"] for n, v in r["arms"].items()}
    failed = sum(a.get("app", {}).get("write_errors", {}).values()) if "app" in a else None
    r["targets"] = [
        target("SQLite write p99 (ms)", a.get("app", {}).get("write_p99_ms"), 10.0),
        target("SQLite writes failed or unanswered", failed, 0),
        target("seq gaps, SQLite", a.get("app", {}).get("seq_gaps"), 0),
    ]
    if "app-pg" in a:
        r["targets"].append(target("seq gaps, PostgreSQL", a["app-pg"].get("seq_gaps"), 0))
        r["ratios"]["write_p99_pg_vs_sqlite"] = ratio(
            a["app-pg"].get("write_p99_ms"), a.get("app", {}).get("write_p99_ms")
        )
        r["notes"].append(f"PostgreSQL write p99 {fmt(a['app-pg'].get('write_p99_ms'))} ms")
    return [r]


# --- tiny scenario for the smoke test ------------------------------------------------------------
async def smoke(ctx: Ctx, arms: list[Arm], duration: float = 2.0) -> dict:
    async with Stage(ctx, arms, 2, 3, n_workers=2) as st:
        await st.connect_all()
        res = await interleave(ctx, st, 2.0, duration, 1, drain=0.5)
        return row("smoke", "smoke", st, res, "2×3 clients, 2 cards/s")


PARTS = {"1": s1_typical, "2": s2_capacity, "5": s5_slow_readers, "6": s6_htmx,
         "7": s7_compression}  # fmt: skip
ALONE = {"3": s3_big_room, "4": s4_connections, "8": s8_redis, "9": s9_writes}
ORDER = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
QUICK = ["1", "2", "5", "9"]
TITLES = {
    "1": "typical",
    "2": "capacity",
    "3": "big room",
    "4": "connections",
    "5": "slow readers",
    "6": "htmx HTML socket",
    "7": "permessage-deflate",
    "8": "Redis fan-out",
    "9": "writes",
}


# Run order and the most each group may take (full, quick), in seconds: the sum stays under the
# run's budget, so a slow app shortens rows instead of pushing the run past 20 minutes.
GROUPS = [(FAMILY, (430, 78)), (["9"], (120, 28)), (["8"], (230, 60)), (["3"], (150, 60)),
          (["4"], (200, 60))]  # fmt: skip


def plan_groups(ids: list[str]) -> list[list[str]]:
    """Scenarios 1, 2, 5, 6, 7 run as one group on shared rooms; the others alone."""
    return [[s for s in g if s in ids] for g, _ in GROUPS if any(s in ids for s in g)]


def group_cap(ctx: Ctx, group: list[str]) -> float:
    for g, caps in GROUPS:
        if group[0] in g:
            return ctx.size(*caps)
    return ctx.size(300, 60)


def sort_rows(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (ORDER.index(r["id"][0]), r["id"]))


async def run_group(ctx: Ctx, group: list[str], budget: float) -> list[dict]:
    """Run one group within its cap and the run's budget; what did not finish gets a row."""
    limit = min(budget, group_cap(ctx, group))
    t0 = time.monotonic()
    ctx.deadline = t0 + limit - ctx.size(15, 6)  # leave time to stop servers and workers
    try:
        if group[0] in ALONE:
            return await asyncio.wait_for(ALONE[group[0]](ctx), timeout=limit)
        return await asyncio.wait_for(typical_family(ctx, group), timeout=limit)
    except Exception as exc:
        if isinstance(exc, TimeoutError) and time.monotonic() - t0 >= limit - 1:
            exc = TimeoutError(f"stopped at its time budget ({limit:.0f} s)")
        ctx.log(f"  scenarios {','.join(group)}: {type(exc).__name__}: {exc}")
        done = {r["id"][0] for r in ctx.rows}
        return [failed_row(s, TITLES[s], exc) for s in group if s not in done]
