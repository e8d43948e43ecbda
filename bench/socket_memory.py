"""How much one idle live socket costs a server, and how fast a crowd gets in.

Starts one arm (the app or the bare relay) as the benchmark does, sets up rooms of 50, opens
N sockets from several generator processes at a given rate, and prints what scenario 4 would:
connected, failed, seconds, RSS per socket. With --trace the server runs under tracemalloc
(through a sitecustomize on PYTHONPATH, nothing in the app) and the allocations that grew
over the ramp are printed by traceback.

    .venv/bin/python -m bench.socket_memory --arm app --sockets 2000 [--rate 1000] [--trace]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
import tracemalloc
from pathlib import Path

from .generator import Generator, Live, connect
from .procstat import ticks_ns
from .rooms import conn_specs, setup_rooms
from .servers import Arm, core_plan, start_server

HOOK = """import os
if os.environ.get("SOCKMEM_DUMP"):
    import gc, signal, tracemalloc
    _n = [0]
    def _dump(*_):
        # The first signal starts tracing (tracing from start-up would slow imports tenfold),
        # each later one writes a snapshot.
        if not tracemalloc.is_tracing():
            tracemalloc.start(int(os.environ.get("SOCKMEM_FRAMES", "12")))
            open(os.environ["SOCKMEM_DUMP"] + ".0", "w").close()
            return
        gc.collect()
        _n[0] += 1
        tracemalloc.take_snapshot().dump(f"{os.environ['SOCKMEM_DUMP']}.{_n[0]}")
    signal.signal(signal.SIGUSR1, _dump)
"""


async def dump(pid: int, path: str, n: int, load: bool = True) -> tracemalloc.Snapshot | None:
    os.kill(pid, signal.SIGUSR1)
    for _ in range(600):
        await asyncio.sleep(0.1)
        if os.path.exists(f"{path}.{n}"):
            await asyncio.sleep(1.0)  # let the dump finish writing
            return tracemalloc.Snapshot.load(f"{path}.{n}") if load else None
    raise RuntimeError("the server wrote no snapshot")


async def main(a: argparse.Namespace) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="sockmem-"))
    env: dict = {}
    if a.trace:
        (scratch / "hook").mkdir()
        (scratch / "hook" / "sitecustomize.py").write_text(HOOK)
        env = {
            "PYTHONPATH": str(scratch / "hook"),
            "SOCKMEM_DUMP": str(scratch / "snap"),
            "SOCKMEM_FRAMES": str(a.frames),
        }
    arm = Arm(a.arm, kind="bare" if a.arm == "bare" else "app", env=env)
    plan = core_plan()
    server = await start_server(arm, plan, scratch)
    try:
        rooms = await setup_rooms(server, a.sockets // 50, 50, tokens=2)
        n_gen = max(2, -(-a.sockets // 5000))
        async with Generator(n_gen, plan["generator"], scratch) as gen:
            live = Live(server, rooms, target=a.arm)
            pid = server.procs[0].pid
            specs = conn_specs(server, rooms)
            if a.trace:
                # A first tenth warms every cache up; the growth over the rest is per socket.
                await dump(pid, str(scratch / "snap"), 0, load=False)
                warm = Live(server, rooms, target=a.arm)
                await connect(gen, warm, specs[: len(specs) // 10], rate=a.rate)
                before = await dump(pid, str(scratch / "snap"), 1)
                specs = specs[len(specs) // 10 :]
            t0 = time.time()
            load0 = os.getloadavg()
            spy = None
            if a.profile:  # py-spy's collapsed stacks of the server during the ramp
                spy = await asyncio.create_subprocess_exec(
                    a.py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--threads",
                    "--rate",
                    "200",
                    "--output",
                    a.profile,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            cpu0 = sum(ticks_ns(p) for p in server.refresh_pids())
            c = await connect(gen, live, specs, rate=a.rate)
            cpu = sum(ticks_ns(p) for p in server.refresh_pids()) - cpu0
            c["server_cpu_ms_per_conn"] = round(cpu / 1e6 / max(1, c["connected"]), 2)
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
            c["rss_per_conn_kib"] = round((live.rss_per_conn or 0) / 1024, 1)
            c["load_avg_before_after"] = [load0[0], os.getloadavg()[0]]
            c["wall_s"] = round(time.time() - t0, 1)
            if a.trace:
                after = await dump(pid, str(scratch / "snap"), 2)
                n = max(1, c["connected"])
                stats = after.compare_to(before, "traceback")
                print(f"traced growth {sum(s.size_diff for s in stats) / n:.0f} B per socket")
                for s in stats[: a.top]:
                    print(
                        f"\n{s.size_diff / n:8.0f} B/socket {s.count_diff / n:6.2f} blocks/socket"
                    )
                    for line in s.traceback.format()[-2 * a.frames :]:
                        print("   ", line)
                print("\nby line:")
                for s in after.compare_to(before, "lineno")[: a.top]:
                    print(f"{s.size_diff / n:8.0f} B/socket {s.count_diff / n:6.2f}  {s.traceback}")
            await gen.all([{"cmd": "close", "target": a.arm}] * gen.n, timeout=60)
        return c
    finally:
        await server.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arm", choices=["app", "bare"], default="app")
    p.add_argument("--sockets", type=int, default=2000)
    p.add_argument("--rate", type=float, default=1000.0)
    p.add_argument("--trace", action="store_true")
    p.add_argument("--frames", type=int, default=12)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--profile", help="write py-spy's raw stacks of the ramp to this file")
    p.add_argument("--py-spy", default="py-spy")
    print(json.dumps(asyncio.run(main(p.parse_args()))))
