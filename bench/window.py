"""One measured window: the writers of one arm post for a few seconds while every receiver times
the arrivals; the server's CPU, the generator's health and everyone else's load are recorded."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from array import array

from .generator import GEN_CPU_LIMIT, GEN_LAG_P99_LIMIT_MS, Generator, Live
from .procstat import CpuMeter, machine_busy_ns, ticks_ns
from .servers import Server
from .stats import pct


def load(path: str) -> array:
    a = array("d")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    with contextlib.suppress(OSError):
        os.unlink(path)
    return a


_WIN = [0]
QUIET_CORES = 0.35  # the rest of the machine counts as quiet below this many busy cores
NOISY_CORES = 0.5  # a window during which other work used more than this is marked noisy
QUIET = {"max_wait": float(os.environ.get("BENCH_QUIET_MAX_WAIT", "3")), "in_vain": 0}
DRAIN_MAX = {"s": 6.0}  # how long a window waits for late deliveries after its last post


async def wait_quiet() -> tuple[float, float]:
    """Before a window, wait (briefly) for other people's jobs to calm down.

    Between windows our own servers and generator are idle, so what /proc/stat shows busy is
    mostly someone else. After three waits in vain the machine is taken as busy for good and
    windows stop waiting (their `other_cpu_cores` says how busy). Returns (seconds waited,
    busy cores seen last).
    """
    max_wait = QUIET["max_wait"] if QUIET["in_vain"] < 3 else 0.0
    t0 = time.monotonic()
    load = 0.0
    for _ in range(int(max_wait / 0.5) + 1):
        b0, t = machine_busy_ns(), time.monotonic()
        await asyncio.sleep(0.5)
        load = (machine_busy_ns() - b0) / 1e9 / max(1e-9, time.monotonic() - t)
        if load < QUIET_CORES or time.monotonic() - t0 >= max_wait:
            break
    QUIET["in_vain"] = QUIET["in_vain"] + 1 if load >= QUIET_CORES else 0
    return time.monotonic() - t0, load


async def window(
    gen: Generator,
    live: Live,
    writers: list[dict],
    duration: float,
    drain: float = 1.0,
    pause_slow: bool = False,
    quiet: bool = True,
    idle: list[Server] | None = None,
) -> dict:
    """One measured window on one arm: writers post for `duration` s, receivers time arrivals."""
    waited, load_before = await wait_quiet() if quiet else (0.0, 0.0)
    _WIN[0] += 1
    win = _WIN[0]
    server = live.server
    meter = CpuMeter(server.refresh_pids())
    start_at = time.monotonic() + 0.3
    parts = gen.split(writers)
    cmds = [
        {
            "cmd": "window",
            "target": live.target,
            "win": win,
            "start_at": start_at,
            "duration": duration,
            "drain": drain,
            "drain_max": max(drain, DRAIN_MAX["s"]),
            "writers": part,
            "pause_slow": pause_slow,
        }
        for part in parts
    ]
    idle_pids = [p for sv in (idle or []) if sv is not server for p in sv.pids]
    idle0 = sum(ticks_ns(p) for p in idle_pids)
    meter.start()
    busy0, own0 = machine_busy_ns(), time.process_time()
    task = asyncio.ensure_future(gen.all(cmds, timeout=duration + DRAIN_MAX["s"] + 60))
    try:
        while not task.done():  # sample threads often, so one that ends loses little
            await asyncio.wait({task}, timeout=0.25)
            meter.poll()
    finally:
        if not task.done():
            task.cancel()
    replies = task.result()
    cpu_ns = meter.elapsed_ns()
    idle_ns = max(0, sum(ticks_ns(p) for p in idle_pids) - idle0)
    measured = bool(meter.pids)  # not for an app someone else started
    busy = machine_busy_ns() - busy0
    own = time.process_time() - own0
    wall = time.monotonic() - start_at
    rss = server.rss()
    lat = array("d")
    wlat = array("d")
    for r in replies:
        lat.extend(load(r["lat_file"]))
        wlat.extend(load(r["wlat_file"]))
    lat_s, wlat_s = sorted(lat), sorted(wlat)
    healthy: dict[str, int] = {}
    ok: dict[str, set] = {}
    counts: dict[str, dict[str, int]] = {}
    agg = {k: 0 for k in ("dupes", "stale", "misrouted", "bad", "seq_gaps", "seq_back", "lost")}
    write_errors: dict[str, int] = {}
    samples: list[str] = []
    gen_cpu = 0.0
    lag_p99 = lag_max = 0.0
    for r in replies:
        for room, n in r["healthy"].items():
            healthy[room] = healthy.get(room, 0) + n
        for room, ks in r["ok"].items():
            ok.setdefault(room, set()).update(ks)
        for room, c in r["counts"].items():
            d = counts.setdefault(room, {})
            for k, n in c.items():
                d[k] = d.get(k, 0) + n
        for k in agg:
            agg[k] += r[k]
        for k, v in r["write_errors"].items():
            write_errors[k] = write_errors.get(k, 0) + v
        samples.extend(r["write_error_samples"])
        gen_cpu += r["cpu_s"]
        lag_p99 = max(lag_p99, r["lag_p99_ms"])
        lag_max = max(lag_max, r["lag_max_ms"])
    expected = received_ok = unexpected = 0
    for room, ks in ok.items():
        expected += len(ks) * healthy.get(room, 0)
        c = counts.get(room, {})
        received_ok += sum(min(c.get(str(k), 0), healthy.get(room, 0)) for k in ks)
    for room, c in counts.items():
        oks = {str(k) for k in ok.get(room, ())}
        unexpected += sum(n for k, n in c.items() if k not in oks)
    posts = sum(len(ks) for ks in ok.values())
    delivered = len(lat)
    # Whatever else ran on the machine meanwhile (other people's jobs on a shared box).
    other = max(0.0, (busy - cpu_ns - idle_ns) / 1e9 - gen_cpu - own) / max(wall, 1e-9)
    gen_cores = max(1, len(gen.cpus))
    gen_util = gen_cpu / max(wall, 1e-9) / gen_cores
    invalid = []
    if gen_util > GEN_CPU_LIMIT:
        invalid.append(f"generator CPU {gen_util:.0%} of its cores")
    if lag_p99 > GEN_LAG_P99_LIMIT_MS:
        invalid.append(f"generator loop lag p99 {lag_p99:.1f} ms")
    shared = bool(set(gen.cpus) & {c for cpus in server.cpus for c in cpus})

    def ms(v):
        return None if v is None else v / 1000.0

    return {
        "arm": server.arm.name,
        "win": win,
        "duration_s": duration,
        "posts": posts,
        "write_errors": write_errors,
        "write_error_samples": samples[:3],
        "delivered": delivered,
        "expected": expected,
        "missing": max(0, expected - received_ok),
        "unexpected": unexpected,
        "deliveries_per_s": delivered / duration,
        "p50_ms": ms(pct(lat_s, 0.50)),
        "p99_ms": ms(pct(lat_s, 0.99)),
        "p999_ms": ms(pct(lat_s, 0.999)),
        "max_ms": ms(lat_s[-1] if lat_s else None),
        "write_p50_ms": ms(pct(wlat_s, 0.50)),
        "write_p99_ms": ms(pct(wlat_s, 0.99)),
        "write_max_ms": ms(wlat_s[-1] if wlat_s else None),
        "server_cpu_s": cpu_ns / 1e9,
        "server_cpu_util": cpu_ns / 1e9 / max(wall, 1e-9),
        "cpu_us_per_delivery": (cpu_ns / 1000 / delivered) if delivered and measured else None,
        "server_rss_mb": rss / 2**20,
        "rss_per_conn_kib": (live.rss_per_conn / 1024) if live.rss_per_conn is not None else None,
        "gen_cpu_util": gen_util,
        "other_cpu_cores": other,
        "idle_arms_cpu_cores": idle_ns / 1e9 / max(wall, 1e-9),
        "gen_lag_p99_ms": lag_p99,
        "gen_lag_max_ms": lag_max,
        "noisy": other > NOISY_CORES,
        "quiet_wait_s": waited,
        "load_before_cores": load_before,
        "valid": not invalid,
        "invalid_because": invalid,
        "shared_cores": shared,
        **agg,
    }
