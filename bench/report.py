"""What a run records about the machine, and the Markdown tables it prints."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from importlib import metadata

from . import goals
from .servers import ROOT
from .stats import pctf

LIBS = (
    "websockets",
    "uvicorn",
    "fastapi",
    "starlette",
    "httpx",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "redis",
    "pydantic",
    "jinja2",
)


def machine(plan: dict) -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), ""
            )
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            mem_kib = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    versions = {}
    for lib in LIBS:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(plan["all"]),
        "cpu": model,
        "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "libraries": versions,
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "server_cores": plan["server"],
        "generator_cores": plan["generator"],
        "pinned": plan["pinned"],
        "load_average_at_start": os.getloadavg(),
    }


def git() -> dict:
    def run(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = run("rev-parse", "HEAD")
    return {
        "commit": commit or None,
        "dirty": bool(run("status", "--porcelain")),
        "branch": run("rev-parse", "--abbrev-ref", "HEAD") or None,
    }


def f(v, nd: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and abs(v) >= 1000:
        return f"{v:,.0f}"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


PRIMARY = {"6": ("app-html", "app"), "7": ("app-deflate", "app"), "8": ("app-pg-redis", "app-pg")}


def primary(r: dict) -> tuple[str | None, str | None]:
    arms = r.get("arms", {})
    if r["id"] in PRIMARY and PRIMARY[r["id"]][0] in arms:
        return PRIMARY[r["id"]]
    if "app" in arms:
        return "app", "bare"
    return (next(iter(arms), None), None)


def verdict(r: dict) -> str:
    if r["status"] in ("not available", "error"):
        return r["status"]
    ts = [t for t in r.get("targets", []) if t.get("pass") is not None]
    if not ts:
        return r["status"] if r["status"] != "ok" else "reported"
    fails = [t for t in ts if not t["pass"]]
    v = "pass" if not fails else f"FAIL {len(fails)}/{len(ts)}"
    return v + (" (invalid)" if r["status"] == "invalid" else "")


def main_table(rows: list[dict]) -> str:
    head = (
        "| # | scenario | p50 ms | p99 ms | p99.9 ms | max ms | deliv/s | missing | "
        "write p99 ms | µs/deliv | ×bare CPU | KiB/conn | targets | verdict |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in rows:
        name, _ = primary(r)
        s = r.get("arms", {}).get(name, {}).get("summary", {}) if name else {}
        cap = (r.get("capacity") or {}).get(name or "", {}).get("deliveries_per_s")
        deliv = f"{f(cap, 0)} max" if cap is not None else f(s.get("deliveries_per_s"), 0)
        targets = "; ".join(
            f"{t['name']} {f(t['value'])}"
            + (
                ""
                if t.get("pass") is None
                else (f" {t['op']} {f(t['limit'])} " + ("✓" if t["pass"] else "✗"))
            )
            for t in r.get("targets", [])
        )
        if not targets:
            targets = " ".join("; ".join(r.get("notes", [])).split())[:160].replace("|", "/")
        title = r["title"] + (f" [{name}]" if name and name != "app" else "")
        lines.append(
            f"| {r['id']} | {title} | {f(s.get('p50_ms'))} | {f(s.get('p99_ms'))} | "
            f"{f(s.get('p999_ms'))} | {f(s.get('max_ms'))} | {deliv} | {f(s.get('missing'))} | "
            f"{f(s.get('write_p99_ms'))} | {f(s.get('cpu_us_per_delivery'), 1)} | "
            f"{f(r.get('ratios', {}).get('cpu_us_per_delivery'))} | "
            f"{f(s.get('rss_per_conn_kib'), 1)} | {targets} | {verdict(r)} |"
        )
    return "\n".join(lines)


def arm_table(rows: list[dict]) -> str:
    head = (
        "| # | arm | windows used/run | p50 ms | p99 ms | p99.9 ms | deliv/s | missing | "
        "seq gaps | write p99 ms | µs/deliv | µs/deliv min | server CPU | KiB/conn | gen CPU | "
        "gen lag p99 ms | other load (cores) | valid |"
    )
    lines = [head, "|" + "---|" * 18]
    for r in rows:
        for name, arm in r.get("arms", {}).items():
            s = arm["summary"]
            lines.append(
                f"| {r['id']} | {name} | {s['windows']}/{s.get('windows_run', s['windows'])} | "
                f"{f(s.get('p50_ms'))} | "
                f"{f(s.get('p99_ms'))} | {f(s.get('p999_ms'))} | {f(s.get('deliveries_per_s'), 0)} "
                f"| {f(s.get('missing'))} | {f(s.get('seq_gaps'))} | {f(s.get('write_p99_ms'))} "
                f"| {f(s.get('cpu_us_per_delivery'), 1)} | "
                f"{f(s.get('cpu_us_per_delivery_min'), 1)} | {pctf(s.get('server_cpu_util'))} | "
                f"{f(s.get('rss_per_conn_kib'), 1)} | {pctf(s.get('gen_cpu_util'))} | "
                f"{f(s.get('gen_lag_p99_ms'))} | {f(s.get('other_cpu_cores'))} | "
                f"{'yes' if s['valid'] else 'no: ' + ', '.join(s['invalid_because'])} |"
            )
    return "\n".join(lines)


def markdown(result: dict) -> str:
    m, g = result["machine"], result["git"]
    libs = ", ".join(f"{k} {v}" for k, v in m["libraries"].items() if v)
    out = [
        f"# Benchmark: `{result['mode']}` run, {result['started_at']}",
        "",
        f"Machine: {m['usable_cores']} of {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}; server on cores "
        f"{m['server_cores']}, generator on {m['generator_cores']}"
        f"{'' if m['pinned'] else ' (not pinned)'}; open files {m['open_files_limit']}.",
        f"Libraries: {libs}.",
        f"Commit: {g['commit'] or 'none yet'}{' (with local changes)' if g['dirty'] else ''}. "
        f"Took {result['seconds']:.0f} s.",
        "",
        f"Load average at the start: {', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}"
        " (other people's jobs make windows noisy; see 'other load' below).",
        "",
        "Latency is POST sent → frame read by each receiver, over every (card, receiver) pair.",
        "Each value is the median over the interleaved windows (valid ones when there are any);",
        "×bare CPU = server CPU per delivery of the arm ÷ the bare relay's, in the same run.",
        "",
        main_table(result["rows"]),
        "",
        "## Every arm",
        "",
        arm_table(result["rows"]),
    ]
    notes = [(r["id"], n) for r in result["rows"] for n in r.get("notes", [])]
    if notes:
        out += ["", "## Notes", ""] + [f"- {sid}: {' '.join(n.split())}" for sid, n in notes]
    out += ["", "## The goals", "", goals_block(result)]
    return "\n".join(out) + "\n"


def goals_block(result: dict) -> str:
    """The goals table, with what it takes to read it: how busy the machine was."""
    load = ", ".join(f"{x:.1f}" for x in result["machine"]["load_average_at_start"])
    end = result["machine"].get("load_average_at_end")
    if end:
        load += " (at the end: " + ", ".join(f"{x:.1f}" for x in end) + ")"
    return (
        f"Each goal against its baseline in this run; load average at the start {load} on "
        f"{result['machine']['usable_cores']} cores.\n\n" + goals.table(result["rows"])
    )


DOCS_START, DOCS_END = "<!-- bench:table -->", "<!-- /bench:table -->"


def update_docs(result: dict, path) -> bool:
    """Put a full run's tables between the markers of docs/performance.md."""
    try:
        text = path.read_text()
    except OSError:
        return False
    if DOCS_START not in text or DOCS_END not in text:
        return False
    m, g = result["machine"], result["git"]
    block = "\n".join(
        [
            DOCS_START,
            f"Full run of {result['started_at']}, commit {(g['commit'] or 'none')[:12]}"
            f"{' (with local changes)' if g['dirty'] else ''}, {m['usable_cores']} cores "
            f"({m['cpu']}), Python {m['python']}, websockets {m['libraries'].get('websockets')}, "
            f"uvicorn {m['libraries'].get('uvicorn')}; server on core(s) {m['server_cores']}, "
            f"generator on {m['generator_cores']}; load average at the start "
            f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}. "
            f"Took {result['seconds'] / 60:.1f} minutes.",
            "",
            goals_block(result),
            "",
            main_table(result["rows"]),
            "",
            "<details><summary>Every arm, and the notes</summary>",
            "",
            arm_table(result["rows"]),
            "",
            *[
                f"- {r['id']}: {' '.join(n.split())}"
                for r in result["rows"]
                for n in r.get("notes", [])
            ],
            "",
            "</details>",
            DOCS_END,
        ]
    )
    head, rest = text.split(DOCS_START, 1)
    tail_ = rest.split(DOCS_END, 1)[1]
    path.write_text(head + block + tail_)
    return True
