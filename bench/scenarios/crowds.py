"""Crowds: one room of a thousand (scenario 3), and 19,500 sockets on one worker (scenario 4)."""

from __future__ import annotations

from ..servers import open_files_limit
from ..stage import Ctx, Stage, interleave, reps_and_duration
from ..stats import fmt, pctf, ratio, row, target
from .common import APP, BARE


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
GENERATOR_PROCESSES = 4  # each holds a quarter of every arm's sockets, well under its file limit


async def s4_connections(ctx: Ctx) -> list[dict]:
    """19,500 sockets on one worker: a ramp at 1,000 new connections a second, then cards.

    The generator runs in several processes, each with a raised RLIMIT_NOFILE (as the servers,
    see `servers.raise_nofile`), so the client side is never what runs out; if it does anyway
    (open files, local ports, its CPU while connecting), the row is marked invalid."""
    total = ctx.size(19_500, 2_000)
    M = 50
    W = total // M
    dur, reps = reps_and_duration(ctx)
    # Two visitor tokens per room, each used by 25 connections (people with many tabs): 19,500
    # joins would take the app minutes before anything is measured.
    # The bare relay connects first: an app that cannot keep up with the ramp stays busy with
    # the abandoned connections for a while, and would slow the bare relay's ramp on its core.
    async with Stage(ctx, [BARE, APP], W, M, n_workers=GENERATOR_PROCESSES, tokens=2) as st:
        await st.connect_all(rate=1000.0)
        limits = {n: open_files_limit(lv.server.procs[0].pid) for n, lv in st.lives.items()}
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
    r["ratios"]["rss_per_conn_kib"] = ratio(
        s.get("rss_per_conn_kib"),
        r["arms"].get("bare", {}).get("summary", {}).get("rss_per_conn_kib"),
    )
    r["targets"] = [
        target("connect failures", conn.get("failed"), 0),
        target("server RSS per connection ÷ bare", r["ratios"]["rss_per_conn_kib"], 2.0),
        target("server RSS per connection (KiB)", s.get("rss_per_conn_kib"), 35.0),
        target("app p99 (ms)", s.get("p99_ms"), 50.0),
    ]
    faults = [n for n, a in r["arms"].items() if (a.get("connect") or {}).get("generator_faults")]
    if not faults and r["status"] == "invalid":
        # The connections stand on their own: a window that saturated the generator only
        # makes its latency the generator's, so say so instead of voiding the connect figures.
        r["status"] = "ok"
        r["notes"].append(
            "the card windows saturated the generator: their p99 is an upper bound, not the app's"
        )
    base = r["arms"].get("bare", {}).get("connect") or {}
    if base.get("failed"):
        # The same generator and ramp could not carry the bare relay either: what failed is
        # the generator or the machine under it (someone else's jobs), so no verdict on the app.
        r["status"] = "invalid"
        r["notes"].append(
            f"invalid: the bare relay also failed {base['failed']} of "
            f"{base['failed'] + base.get('connected', 0)} connects on the same generator "
            f"(other load while it connected {fmt(base.get('other_cpu_cores'))} cores)"
        )
    for name, a in r["arms"].items():
        c = a.get("connect") or {}
        gen_util = c.get("gen_cpu_util")
        r["notes"].append(
            f"{name}: {c.get('connected')} connected, {c.get('failed')} failed in "
            f"{c.get('seconds')} s {c.get('errors') or ''} (server open-file limit "
            f"{limits.get(name)}, generator's {c.get('gen_open_files_limit')}; while "
            f"connecting: generator CPU {'–' if gen_util is None else f'{gen_util:.0%}'}, "
            f"server CPU {pctf(c.get('server_cpu_util'))}, other load "
            f"{fmt(c.get('other_cpu_cores'))} cores)"
        )
    r["notes"].append("2 visitor tokens per room, each used by 25 connections")
    r["notes"].append(f"generator: {GENERATOR_PROCESSES} processes")
    return [r]
