"""Scenario 9: many writers at once, 400 cards/s, on SQLite and PostgreSQL."""

from __future__ import annotations

from ..servers import Arm
from ..stage import Ctx, Stage, interleave, reps_and_duration
from ..stats import fmt, ratio, row, target
from .common import APP, BARE, FLOORS


async def s9_writes(ctx: Ctx) -> list[dict]:
    W, M, rate = 20, 2, 20.0  # 400 writes/s, in the quick run too: the goal is set at that rate
    dur, reps = reps_and_duration(ctx)
    arms = [APP, BARE] if ctx.quick else [APP, Arm("app-pg", db="postgres"), BARE, *FLOORS]
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
        target("SQLite write p99 ÷ bare", r["ratios"].get("write_p99_ms"), 3.0),
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
