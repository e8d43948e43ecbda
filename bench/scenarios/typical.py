"""The typical rooms: scenarios 1, 6, 7, 2 and 5, which share one stage.

Setting up and connecting a thousand clients to the app takes longer than measuring them, so
these five scenarios use the same servers, rooms and connections, in this order (5 comes last:
its slow readers stop reading for good). 10 % of each room's clients are the slow readers of
scenario 5; until then they read like everyone else.
"""

from __future__ import annotations

import time

from ..servers import NotAvailable
from ..stage import Ctx, Stage, climb, interleave, reps_and_duration
from ..stats import failed_row, fmt, ratio, row, summarize, target
from .common import APP, APP_DEFLATE, BARE, BARE_DEFLATE, FLOORS, HTML, TITLES

FAMILY = ["1", "6", "7", "2", "5"]


async def typical_family(ctx: Ctx, ids: list[str]) -> list[dict]:
    """Rows are added to ctx.rows one by one (scenario 5 compares with 1's)."""
    W, M = ctx.size((20, 50), (10, 20))
    floors = [] if ctx.quick else FLOORS  # the quick run keeps to its three minutes
    arms = [APP, BARE, *floors]
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


# --- 1 typical -----------------------------------------------------------------------------------
async def s1_typical(ctx: Ctx, st: Stage, W: int, M: int) -> list[dict]:
    dur, reps = reps_and_duration(ctx)
    names = ["app", "bare", *(f.name for f in FLOORS if f.name in st.lives)]
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
    names += [f.name for f in FLOORS if f.name in st.lives]  # not climbed: at the same rate
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


PARTS = {"1": s1_typical, "2": s2_capacity, "5": s5_slow_readers, "6": s6_htmx,
         "7": s7_compression}  # fmt: skip
