"""The load generator as the run process sees it: several `bench.worker` processes pinned to the
generator's cores, driven by one JSON line per command, and an arm that is up with its receivers
connected (`Live`).

When a run fails it matters who failed. The generator's own failures (a worker process that died
or answered an error, the client side out of open files or local ports, its CPU saturated while
connecting) make a run *invalid*: it measured the generator, not the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .procstat import machine_busy_ns, ticks_ns
from .rooms import Room
from .servers import HOST, PY, ROOT, Server, pin

# A run whose generator is this busy, or whose event loop lags this much, measured itself.
GEN_CPU_LIMIT = 0.85
GEN_LAG_P99_LIMIT_MS = 10.0


class GeneratorFailed(RuntimeError):
    """A generator worker died or answered an error: whatever the run shows, it is not the app."""


# --- the generator -------------------------------------------------------------------------------
class Generator:
    """Several worker processes pinned to the generator's cores; connections spread over them."""

    def __init__(self, n: int, cpus: list[int], scratch: Path):
        self.n, self.cpus, self.scratch = n, cpus, scratch
        self.procs: list[asyncio.subprocess.Process] = []
        self.lock = asyncio.Lock()

    async def __aenter__(self) -> Generator:
        for i in range(self.n):
            log = open(self.scratch / f"worker-{i}.log", "ab")  # noqa: SIM115
            p = await asyncio.create_subprocess_exec(
                *pin([PY, "-m", "bench.worker", str(i), str(self.scratch)], self.cpus),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
                limit=2**26,
            )
            log.close()
            self.procs.append(p)
        return self

    async def __aexit__(self, exc_type=None, *exc) -> None:
        await self.close(fast=exc_type is not None)

    async def close(self, fast: bool = False) -> None:
        """Ask the workers to quit (or, fast, terminate them: one may be mid-window)."""
        for p in self.procs:
            if p.returncode is None:
                with contextlib.suppress(Exception):
                    if fast:
                        p.terminate()
                    else:
                        p.stdin.write(b'{"cmd": "quit"}\n')
                        await p.stdin.drain()
        for p in self.procs:
            try:
                await asyncio.wait_for(p.wait(), 3 if fast else 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    p.kill()
                await p.wait()

    async def call(self, i: int, cmd: dict, timeout: float) -> dict:
        p = self.procs[i]
        p.stdin.write(json.dumps(cmd).encode() + b"\n")
        await p.stdin.drain()
        try:
            line = await asyncio.wait_for(p.stdout.readline(), timeout)
        except TimeoutError:
            raise GeneratorFailed(f"generator worker {i} did not answer {cmd['cmd']}") from None
        if not line:
            raise GeneratorFailed(f"generator worker {i} died; see {self.scratch}/worker-{i}.log")
        reply = json.loads(line)
        if "error" in reply:
            raise GeneratorFailed(f"generator worker {i}: {reply['error']}")
        return reply

    async def all(self, cmds: list[dict], timeout: float) -> list[dict]:
        async with self.lock:
            return await asyncio.gather(*(self.call(i, c, timeout) for i, c in enumerate(cmds)))

    def split(self, items: list) -> list[list]:
        parts: list[list] = [[] for _ in range(self.n)]
        for i, item in enumerate(items):
            parts[i % self.n].append(item)
        return parts


# --- an arm that is up, with clients connected ---------------------------------------------------
@dataclass
class Live:
    server: Server
    rooms: list[Room]
    target: str
    check_seq: bool = True
    deflate: bool = False
    connect: dict = field(default_factory=dict)
    rss_before: int = 0
    rss_after: int = 0
    n_conns: int = 0

    @property
    def rss_per_conn(self) -> float | None:
        if not self.n_conns:
            return None
        return (self.rss_after - self.rss_before) / self.n_conns


async def connect(
    gen: Generator, live: Live, specs: list[dict], rate: float = 0.0, grace: float = 45.0
) -> dict:
    """Open every receiver (at `rate` per second overall, 0 = as fast as they go). Those not
    open `grace` seconds after the ramp's end count as failed."""
    deadline_s = (len(specs) / rate if rate else 0.0) + grace
    live.rss_before = live.server.rss()
    parts = gen.split(specs)
    cmds = [
        {
            "cmd": "connect",
            "target": live.target,
            "conns": part,
            "host": HOST,
            "rate": rate / gen.n if rate else 0,
            "deflate": live.deflate,
            "check_seq": live.check_seq,
            "deadline_s": deadline_s,
            # Handshakes in flight per process: at 1,000 a second, a slow server must not make
            # the generator's own cap the limit (it was 256, which a 1 s handshake reaches).
            "concurrency": 2048,
        }
        for part in parts
    ]
    t0, busy0 = time.monotonic(), machine_busy_ns()
    server0 = sum(ticks_ns(p) for p in live.server.pids)
    replies = await gen.all(cmds, timeout=deadline_s + 30)
    busy = (machine_busy_ns() - busy0) / 1e9
    server_s = (sum(ticks_ns(p) for p in live.server.pids) - server0) / 1e9
    await asyncio.sleep(0.5)
    live.rss_after = live.server.rss()
    seconds = time.monotonic() - t0
    errors: dict[str, int] = {}
    for r in replies:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    live.n_conns = sum(r["connected"] for r in replies)
    failed = sum(r["failed"] for r in replies)
    gen_util = sum(r.get("cpu_s", 0.0) for r in replies) / max(seconds, 1e-9) / len(gen.cpus or [0])
    live.connect = {
        "connected": live.n_conns,
        "failed": failed,
        "errors": errors,
        "seconds": round(seconds, 2),
        "rss_before_mb": live.rss_before / 2**20,
        "rss_after_mb": live.rss_after / 2**20,
        "gen_cpu_util": gen_util,
        "server_cpu_util": server_s / max(seconds, 1e-9),
        # Everyone else's jobs meanwhile, in cores: a starved server is slow to accept.
        "other_cpu_cores": max(0.0, busy - server_s - sum(r.get("cpu_s", 0.0) for r in replies))
        / max(seconds, 1e-9),
        "gen_open_files_limit": min((r.get("nofile") or 0 for r in replies), default=None),
        "generator_faults": generator_faults(replies, failed, gen_util),
    }
    return live.connect


def generator_faults(replies: list[dict], failed: int, gen_util: float) -> list[str]:
    """Why the connections that failed may be the generator's fault, not the app's."""
    faults = []
    client = sum(r.get("client_errors", 0) for r in replies)
    if client:
        faults.append(f"{client} connects failed on the client side (open files, local ports)")
    if failed and gen_util > GEN_CPU_LIMIT:
        faults.append(f"generator CPU {gen_util:.0%} of its cores while connecting")
    return faults


async def disconnect(gen: Generator, live: Live) -> None:
    await gen.all([{"cmd": "close", "target": live.target}] * gen.n, timeout=60)
