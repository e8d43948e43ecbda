"""The scenarios of issues 5 and 14, and the order and time budget they run in.

Each scenario returns rows (scenario 3 returns two: 1 and 5 cards/s). Every scenario starts its
arms side by side (the app on a fresh database, and the bare relay), connects each arm's
clients, then alternates measured windows A/B/A/B/A/B; scenario 0 times requests without
receivers. A row holds each arm's medians over its windows, the ratios app ÷ bare, and the
targets with pass/fail (`bench/stats.py`).
"""

from __future__ import annotations

import asyncio
import os
import time

from ..servers import Arm
from ..stage import Ctx, Stage, interleave
from ..stats import failed_row, row
from .common import TITLES
from .cost import s0_request_cost
from .crowds import s3_big_room, s4_connections
from .typical import FAMILY, PARTS, typical_family
from .workers import s8_redis
from .writes import s9_writes

__all__ = ["ORDER", "QUICK", "TITLES", "Ctx", "failed_row", "plan_groups", "run_group", "smoke",
           "sort_rows"]  # fmt: skip

ALONE = {"0": s0_request_cost, "3": s3_big_room, "4": s4_connections, "8": s8_redis,
         "9": s9_writes}  # fmt: skip
ORDER = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
QUICK = ["0", "1", "2", "5", "9"]
assert set(ORDER) == set(ALONE) | set(PARTS) == set(TITLES)

# Run order and the most each group may take (full, quick), in seconds: the sum stays under the
# run's budget, so a slow app shortens rows instead of pushing the run past 20 minutes. The
# typical rooms carry the two floors' arms as well in the full run (about a minute more, which
# skipped the slow readers at 370 s; the quick run has no floors); 8 and 4 use about 90 and
# 100 s of theirs.
GROUPS = [(["0"], (50, 45)), (FAMILY, (430, 78)), (["9"], (110, 45)), (["8"], (200, 60)),
          (["3"], (140, 60)), (["4"], (230, 60))]  # fmt: skip


def plan_groups(ids: list[str]) -> list[list[str]]:
    """Scenarios 1, 2, 5, 6, 7 run as one group on shared rooms; the others alone."""
    return [[s for s in g if s in ids] for g, _ in GROUPS if any(s in ids for s in g)]


def group_cap(ctx: Ctx, group: list[str]) -> float:
    caps = next((caps for g, caps in GROUPS if group[0] in g), (300, 60))
    return ctx.size(*caps) * budget_scale()


def budget_scale() -> float:
    """BENCH_BUDGET_SCALE=2 doubles every time budget: for a machine others keep busy, where
    starting servers and connecting take several times longer than measuring."""
    try:
        return max(0.1, float(os.environ.get("BENCH_BUDGET_SCALE", "1")))
    except ValueError:
        return 1.0


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


async def smoke(ctx: Ctx, arms: list[Arm], duration: float = 2.0) -> dict:
    """A tiny scenario for the smoke test: 2 rooms × 3 clients, 2 cards/s."""
    async with Stage(ctx, arms, 2, 3, n_workers=2) as st:
        await st.connect_all()
        res = await interleave(ctx, st, 2.0, duration, 1, drain=0.5)
        return row("smoke", "smoke", st, res, "2×3 clients, 2 cards/s")
