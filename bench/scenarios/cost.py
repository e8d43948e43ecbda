"""Scenario 0: what a card costs the server with nobody watching, against the framework's floor.

One app server and no receivers. After an unrecorded warm-up, rounds alternate a batch of
`GET /healthz` with a batch of card `POST`s (spread over a few rooms, the facilitator's token),
each sent over a few keep-alive connections at once; the server's CPU time (every thread of its
process tree, from /proc) is read around each batch. A card's CPU ÷ a health check's is the fixed
cost of a write above what any request pays, measured on the same server in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from ..procstat import CpuMeter, machine_busy_ns
from ..rooms import Room
from ..servers import NotAvailable, Server
from ..stage import Ctx, Stage
from ..stats import fmt, pct, ratio, target
from ..transport import LeanTransport
from ..window import NOISY_CORES
from .common import APP

ROOMS = 4
CONCURRENCY = 4  # requests in flight: enough to keep the server's core busy, not to queue long
WARM_UP = 200
KINDS = ("healthz", "post")


async def s0_request_cost(ctx: Ctx) -> list[dict]:
    n, rounds = ctx.size((2000, 4), (1000, 2))
    async with Stage(ctx, [APP], ROOMS, 0, n_workers=1) as st:
        live = st.lives.get("app")
        if live is None:
            raise NotAvailable(st.unavailable.get("app", "the app did not start"))
        server = live.server
        async with httpx.AsyncClient(
            base_url=server.http_bases[0], timeout=30, trust_env=False, transport=LeanTransport()
        ) as client:
            warm_until = time.monotonic() + ctx.time_left() / 6
            for kind in KINDS:
                await batch(client, live.rooms, kind, WARM_UP, warm_until)
            windows: dict[str, list[dict]] = {k: [] for k in KINDS}
            for rnd in range(rounds):
                # On a starved machine a round may not finish: each batch gets its share of
                # what time is left, and what it answered by then is what it measured.
                left = ctx.time_left() - 3
                if left < 4:
                    ctx.log(f"    out of time: {rnd} of {rounds} rounds done")
                    st.cut_short = True
                    break
                for i, kind in enumerate(KINDS):
                    until = time.monotonic() + left / (2 * (rounds - rnd) - i)
                    w = await measure(client, server, live.rooms, kind, n // rounds, until)
                    windows[kind].append(w)
                    ctx.log(
                        f"    round {rnd + 1}/{rounds} {kind}: {w['requests']} requests, "
                        f"{fmt(w['cpu_us_per_request'], 0)} µs server CPU each, "
                        f"errors {w['errors'] or 0}, other load {w['other_cpu_cores']:.2f}"
                    )
    r = cost_row(windows, n, rounds)
    if st.cut_short:
        r["notes"].append("cut short by its time budget: fewer requests than planned")
    return [r]


async def batch(
    client: httpx.AsyncClient, rooms: list[Room], kind: str, n: int, until: float
) -> tuple[list[float], dict[str, int]]:
    """Send n requests of one kind, CONCURRENCY at a time, none after `until` (monotonic);
    returns latencies (ms) and errors."""
    lat: list[float] = []
    errors: dict[str, int] = {}
    todo = iter(range(n))

    async def one_by_one() -> None:
        for i in todo:
            t0 = time.monotonic()
            if t0 > until:
                return
            try:
                if kind == "healthz":
                    r = await client.get("/healthz")
                else:
                    room = rooms[i % len(rooms)]
                    r = await client.post(
                        f"/api/v1/workshops/{room.workshop_id}/cards",
                        json={"kind": "insight", "text": f"What a card costs, number {i}. " * 3},
                        headers={"Authorization": f"Bearer {room.writer_token}"},
                    )
            except httpx.HTTPError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            if 200 <= r.status_code < 300:
                lat.append((time.monotonic() - t0) * 1000)
            else:
                errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1

    await asyncio.gather(*(one_by_one() for _ in range(CONCURRENCY)))
    return lat, errors


async def measure(
    client: httpx.AsyncClient, server: Server, rooms: list[Room], kind: str, n: int, until: float
) -> dict:
    meter = CpuMeter(server.refresh_pids())
    meter.start()
    busy0, own0, t0 = machine_busy_ns(), time.process_time(), time.monotonic()
    lat, errors = await batch(client, rooms, kind, n, until)
    cpu_ns = meter.elapsed_ns()
    wall = time.monotonic() - t0
    own = time.process_time() - own0
    other = max(0.0, (machine_busy_ns() - busy0 - cpu_ns) / 1e9 - own) / max(wall, 1e-9)
    lat.sort()
    return {
        "kind": kind,
        "requests": len(lat),
        "errors": errors,
        "seconds": wall,
        "server_cpu_s": cpu_ns / 1e9,
        "server_cpu_util": cpu_ns / 1e9 / max(wall, 1e-9),
        "cpu_us_per_request": cpu_ns / 1000 / len(lat) if lat and meter.pids else None,
        "p50_ms": pct(lat, 0.5),
        "p99_ms": pct(lat, 0.99),
        "other_cpu_cores": other,
        "valid": True,
        "invalid_because": [],
    }


def cost_row(windows: dict[str, list[dict]], n: int, rounds: int) -> dict:
    def med(kind: str, key: str):
        vals = [w[key] for w in windows[kind] if w.get(key) is not None]
        return statistics.median(vals) if vals else None

    def least(kind: str):
        return min((w["cpu_us_per_request"] for w in windows[kind] if w["cpu_us_per_request"]),
                   default=None)  # fmt: skip

    post, health = med("post", "cpu_us_per_request"), med("healthz", "cpu_us_per_request")
    errors: dict[str, int] = {}
    for w in windows["post"] + windows["healthz"]:
        for k, v in w["errors"].items():
            errors[f"{w['kind']} {k}"] = errors.get(f"{w['kind']} {k}", 0) + v
    summary = {
        "windows": len(windows["post"]),
        "windows_run": len(windows["post"]),
        "valid": True,
        "invalid_because": [],
        "post_cpu_us": post,
        "healthz_cpu_us": health,
        "post_cpu_us_min": least("post"),
        "healthz_cpu_us_min": least("healthz"),
        "write_p50_ms": med("post", "p50_ms"),
        "write_p99_ms": med("post", "p99_ms"),
        "server_cpu_util": med("post", "server_cpu_util"),
        "other_cpu_cores": med("post", "other_cpu_cores"),
        "write_errors": errors,
    }
    r = {
        "id": "0",
        "title": "request cost",
        "load": f"{n} card POSTs and {n} GET /healthz, no receivers, {CONCURRENCY} at a time",
        "arms": {"app": {"summary": summary, "windows": windows["post"] + windows["healthz"]}},
        "ratios": {
            "post_vs_healthz_cpu": ratio(post, health),
            "post_vs_healthz_cpu_min": ratio(least("post"), least("healthz")),
        },
        "targets": [target("card POST CPU ÷ GET /healthz", ratio(post, health), 2.5)],
        "notes": [
            f"server CPU per request: card POST {fmt(post, 0)} µs, GET /healthz "
            f"{fmt(health, 0)} µs (median of {len(windows['post'])} alternating rounds of up to "
            f"{n // rounds} each, "
            f"after {WARM_UP} of each unrecorded; least: {fmt(least('post'), 0)} and "
            f"{fmt(least('healthz'), 0)} µs)"
        ],
        "status": "ok",
    }
    if errors:
        r["notes"].append(f"requests that failed: {errors}")
    other = summary["other_cpu_cores"]
    if other is not None and other > NOISY_CORES:
        r["notes"].append(
            f"noisy: other people's jobs used {other:.2f} cores meanwhile; a busy sibling core "
            "slows every instruction, so both figures are upper bounds (the ratio less so)"
        )
    return r
