"""Turning windows into a row: medians over windows, ratios app ÷ bare, targets with pass/fail.

A row is what `bench/results/latest.json` keeps per scenario: `id`, `title`, `load`, `arms`
(each with its `summary` and its `windows`), `ratios`, `targets`, `notes` and `status`.
"""

from __future__ import annotations

import math
import statistics
import traceback
from typing import TYPE_CHECKING

from .generator import GeneratorFailed
from .servers import NotAvailable

if TYPE_CHECKING:
    from .stage import Stage

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


def pct(sorted_vals, q: float) -> float | None:
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, max(0, math.ceil(q * len(sorted_vals)) - 1))]


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


def pctf(v) -> str:
    return "–" if v is None else f"{v:.0%}"


def fmt(v, nd: int = 2) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


# The floors' arms (scenarios/common.py) and the prefix of their ratios against bare.
FLOORS = {"bare-kept": "floor", "kept-uvicorn": "floor_uvicorn"}


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
    keys = ("p50_ms", "p99_ms", "cpu_us_per_delivery", "cpu_us_per_delivery_min",
            "rss_per_conn_kib", "write_p99_ms")  # fmt: skip
    if "app" in arms and "bare" in arms:
        a, b = arms["app"]["summary"], arms["bare"]["summary"]
        r["ratios"] = {k: ratio(a.get(k), b.get(k)) for k in keys}
    for floor, prefix in FLOORS.items():
        if floor in arms and "bare" in arms:
            # The floor under the same goal: the kept relay ÷ bare, beside the app's ratio.
            f, b = arms[floor]["summary"], arms["bare"]["summary"]
            r["ratios"].update({f"{prefix}_{k}": ratio(f.get(k), b.get(k)) for k in keys})
    for name, arm in arms.items():
        errs = arm["summary"]["write_errors"]
        if errs:
            r["notes"].append(f"{name}: writes that failed or got no answer: {errs}")
    if any(not arm["summary"]["valid"] for arm in arms.values()):
        r["status"] = "invalid"
    for name, arm in arms.items():
        faults = (arm.get("connect") or {}).get("generator_faults")
        if faults:
            r["status"] = "invalid"
            r["notes"].append(f"{name}: invalid, the generator failed: {'; '.join(faults)}")
    return r


def failed_row(sid: str, title: str, exc: BaseException) -> dict:
    if isinstance(exc, NotAvailable):
        status, detail = "not available", str(exc)
    elif isinstance(exc, GeneratorFailed):
        status, detail = "invalid", f"the generator, not the app, failed: {exc}"
    else:
        status = "error"
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
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
