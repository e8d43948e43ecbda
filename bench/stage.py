"""A stage: the arms of a scenario started side by side, their rooms set up and receivers
connected; then the measurements run on it: A/B/A/B windows, and the capacity climb."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .generator import Generator, Live, connect, disconnect
from .procstat import ticks_ns
from .rooms import conn_specs, setup_rooms, writer_specs
from .servers import Arm, NotAvailable, Server, start_server, tail
from .stats import fmt
from .window import window


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


def reps_and_duration(ctx: Ctx) -> tuple[float, int]:
    return ctx.size((4.0, 3), (2.0, 1))


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
                # Its loop lags when its core is busy, with our work or someone else's.
                caps[name]["why"] = (
                    f"at {rate}/s per room the generator could not keep up ("
                    + "; ".join(w["invalid_because"])
                    + f"; {state})"
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
