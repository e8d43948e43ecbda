"""Run the benchmark: `python -m bench.run --full | --quick | --smoke [--base-url URL]`.

Writes bench/results/latest.json and bench/results/latest.md, and prints the table.
`smoke()` runs the generator for ~2 s on a tiny scenario and returns the result dict (tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from . import goals, report, scenarios
from .servers import ROOT, Arm, app_exists, core_plan, raise_nofile
from .window import DRAIN_MAX, QUIET

RESULTS = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "performance.md"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pin_self(plan: dict) -> None:
    if plan["pinned"]:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, plan["generator"])


async def run(
    mode: str,
    only: list[str] | None = None,
    out_dir: Path = RESULTS,
    deadline_s: float | None = None,
    arms: set[str] | None = None,
) -> dict:
    plan = core_plan()
    pin_self(plan)
    raise_nofile()  # before any server or generator starts: they inherit it
    if mode == "quick":
        DRAIN_MAX["s"] = 2.0
        if "BENCH_QUIET_MAX_WAIT" not in os.environ:
            QUIET["max_wait"] = 1.0
    started, load_at_start = time.monotonic(), os.getloadavg()
    ids = only or (scenarios.QUICK if mode == "quick" else scenarios.ORDER)
    deadline_s = deadline_s or (175 if mode == "quick" else 1170) * scenarios.budget_scale()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        ctx = scenarios.Ctx(plan=plan, scratch=Path(tmp), quick=mode == "quick", log=log, arms=arms)
        if not app_exists():
            log("note: app/cli.py is not there yet; measuring the bare relay only")
        for group in scenarios.plan_groups(ids):
            left = deadline_s - (time.monotonic() - started)
            if left < 20:
                for sid in group:
                    ctx.rows.append(
                        scenarios.failed_row(
                            sid,
                            scenarios.TITLES[sid],
                            RuntimeError("skipped: the run's time budget is spent"),
                        )
                    )
                continue
            log(f"scenario {', '.join(group)}")
            t0 = time.monotonic()
            ctx.rows.extend(await scenarios.run_group(ctx, group, left - 5))
            log(f"  done in {time.monotonic() - t0:.0f}s")
        if os.environ.get("BENCH_KEEP_LOGS"):
            keep = out_dir / "logs"
            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp, keep, ignore=shutil.ignore_patterns("*.db*", "*.bin"))
    result = {
        "mode": mode,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": time.monotonic() - started,
        "machine": report.machine(plan),
        "git": report.git(),
        "rows": scenarios.sort_rows(ctx.rows),
    }
    result["machine"]["load_average_at_start"] = load_at_start
    result["machine"]["load_average_at_end"] = os.getloadavg()
    result["goals"] = goals.evaluate(result["rows"])
    out_dir.mkdir(parents=True, exist_ok=True)
    name = "latest" if mode in ("full", "quick") else mode
    (out_dir / f"{name}.json").write_text(json.dumps(result, indent=1, default=str))
    (out_dir / f"{name}.md").write_text(report.markdown(result))
    full_run = mode == "full" and not only and out_dir == RESULTS
    if full_run and report.update_docs(result, DOCS):
        log("updated the table in docs/performance.md")
    return result


async def smoke_async(base_url: str | None = None, duration: float = 2.0) -> dict:
    """A tiny run (2 rooms × 3 clients, 2 cards/s) of the app, or of the bare relay alone if the
    app is not there; against `base_url` if given (an app someone else started)."""
    plan = core_plan()
    if base_url:
        arms = [Arm("app", kind="external", env={"BASE_URL": base_url})]
    elif app_exists():
        arms = [Arm("app"), Arm("bare", kind="bare")]
    else:
        arms = [Arm("bare", kind="bare")]
    started = time.monotonic()
    saved = dict(QUIET), dict(DRAIN_MAX)
    QUIET["max_wait"], DRAIN_MAX["s"] = 0.0, 2.0  # a smoke test measures nothing precisely
    try:
        with tempfile.TemporaryDirectory(prefix="bench-smoke-") as tmp:
            ctx = scenarios.Ctx(plan=plan, scratch=Path(tmp), quick=True, log=lambda _m: None)
            r = await asyncio.wait_for(scenarios.smoke(ctx, arms, duration), 120)
    finally:
        QUIET.update(saved[0])
        DRAIN_MAX.update(saved[1])
    return {
        "mode": "smoke",
        "seconds": time.monotonic() - started,
        "machine": report.machine(plan),
        "git": report.git(),
        "rows": [r],
    }


def smoke(base_url: str | None = None, duration: float = 2.0) -> dict:
    """Sync wrapper for tests; safe to call from inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(smoke_async(base_url, duration))
    box: dict = {}

    def target() -> None:
        try:
            box["r"] = asyncio.run(smoke_async(base_url, duration))
        except BaseException as exc:
            box["e"] = exc

    t = threading.Thread(target=target, name="bench-smoke")
    t.start()
    t.join(180)
    if "e" in box:
        raise box["e"]
    return box["r"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--full", action="store_true", help="all ten scenarios (< 20 minutes)")
    g.add_argument("--quick", action="store_true", help="a reduced set (< 3 minutes)")
    g.add_argument("--smoke", action="store_true", help="~2 s tiny run, prints its JSON")
    p.add_argument("--only", help="comma-separated scenario ids, e.g. 1,3")
    p.add_argument("--arms", help="comma-separated arm names to measure, e.g. app,bare")
    p.add_argument("--base-url", help="with --smoke: an app already running there")
    p.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    p.add_argument(
        "--docs-from", type=Path, help="only put the tables of this results JSON into the docs"
    )
    a = p.parse_args(argv)
    if a.docs_from:
        ok = report.update_docs(json.loads(a.docs_from.read_text()), DOCS)
        print("updated docs/performance.md" if ok else "docs/performance.md has no markers")
        return 0 if ok else 1
    if a.smoke:
        print(json.dumps(smoke(a.base_url), indent=1, default=str))
        return 0
    mode = "quick" if a.quick else "full"
    only = [s.strip() for s in a.only.split(",")] if a.only else None
    if only and any(s not in scenarios.ORDER for s in only):
        p.error(f"--only takes ids among {', '.join(scenarios.ORDER)}")
    arms = {s.strip() for s in a.arms.split(",")} if a.arms else None
    result = asyncio.run(run(mode, only, a.out, arms=arms))
    print(report.markdown(result))
    print(f"written: {a.out / 'latest.json'} and {a.out / 'latest.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
