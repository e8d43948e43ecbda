"""The machinery under the scenarios: servers, the generator processes, rooms, one measured window.

An *arm* is one server configuration under test (the app with some settings, or the bare relay).
All arms of a scenario run side by side, each with its own clients connected; measurement windows
then alternate between arms (A/B/A/B/A/B), so both see the same machine at nearly the same time.
Only the arm being measured has writers; the others sit idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .procstat import CpuMeter, machine_busy_ns, rss_bytes, ticks_ns, tree

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# The first admin's bearer token on servers the bench starts; an external server (BASE_URL)
# is given its own through BENCH_ADMIN_TOKEN, the same value as that server's ADMIN_TOKEN.
BENCH_ADMIN_TOKEN = os.environ.get("BENCH_ADMIN_TOKEN") or secrets.token_urlsafe(32)

# A run whose generator is this busy, or whose event loop lags this much, measured itself.
GEN_CPU_LIMIT = 0.85
GEN_LAG_P99_LIMIT_MS = 10.0


class NotAvailable(Exception):
    """The app lacks what an arm needs (an endpoint, a backend); the row says so and moves on."""


# --- cores ---------------------------------------------------------------------------------------
def core_plan() -> dict:
    """Server on the first half of our cores, generator on the rest (taskset), if there are two."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return {"server": cpus, "generator": cpus, "pinned": False, "all": cpus}
    half = len(cpus) // 2
    return {"server": cpus[:half], "generator": cpus[half:], "pinned": True, "all": cpus}


def pin(cmd: list[str], cpus: list[int]) -> list[str]:
    if not cpus or not shutil.which("taskset"):
        return cmd
    return ["taskset", "-c", ",".join(map(str, cpus)), *cmd]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


async def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{tail(log)}")
        try:
            _, w = await asyncio.open_connection(HOST, port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s:\n{tail(log)}")


def tail(path: Path, n: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def app_exists() -> bool:
    return (ROOT / "app" / "cli.py").exists()


# --- servers -------------------------------------------------------------------------------------
@dataclass
class Arm:
    name: str
    kind: str = "app"  # "app" or "bare"
    workers: int = 1
    db: str = "sqlite"  # "sqlite" or "postgres"
    redis: bool = False
    deflate: bool = False
    socket: str = "json"  # "json" or "html"
    env: dict = field(default_factory=dict)


@dataclass
class Server:
    arm: Arm
    procs: list[subprocess.Popen]
    ws_ports: list[int]
    http_bases: list[str]
    logs: list[Path]
    cpus: list[list[int]]
    schema: str | None = None
    pids: list[int] = field(default_factory=list)

    def refresh_pids(self) -> list[int]:
        self.pids = tree([p.pid for p in self.procs if p.poll() is None])
        return self.pids

    def rss(self) -> int:
        return rss_bytes(self.refresh_pids())

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    async def stop(self, grace: float = 10.0) -> None:
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)  # its own session: it and its children
        deadline = time.monotonic() + grace
        while any(p.poll() is None for p in self.procs) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
        if self.schema:
            drop_schema(self.schema)


def spawn(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as f:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


async def start_bare(arm: Arm, cpus: list[int], scratch: Path) -> Server:
    port, http_port = free_port(), free_port()
    log = scratch / f"{arm.name}.log"
    cmd = [PY, "-m", "bench.bare", "--port", str(port), "--http-port", str(http_port)]
    if arm.deflate:
        cmd.append("--deflate")
    proc = spawn(pin(cmd, cpus), dict(os.environ), log)
    s = Server(arm, [proc], [port], [f"http://{HOST}:{http_port}"], [log], [cpus])
    try:
        await wait_port(port, proc, log, 20)
        await wait_port(http_port, proc, log, 20)
    except Exception:
        await s.stop()
        raise
    s.refresh_pids()
    return s


def pg_url(schema: str) -> str:
    base = PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}?options=-csearch_path%3D{schema}"


def create_schema() -> str:
    import psycopg

    name = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as c:
        c.execute(f'CREATE SCHEMA "{name}"')
    return name


def drop_schema(name: str) -> None:
    import psycopg

    with (
        contextlib.suppress(Exception),
        psycopg.connect(PG_BASE, autocommit=True, connect_timeout=5) as c,
    ):
        c.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def redis_up() -> bool:
    try:
        host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
        host, _, port = host_port.rpartition(":")
        with socket.create_connection((host or HOST, int(port or 6379)), timeout=1):
            return True
    except (OSError, ValueError, IndexError):
        return False


def app_supports_redis() -> bool:
    backends = ROOT / "app" / "realtime" / "backends"
    return any("redis" in p.name for p in backends.glob("*.py"))


async def start_app(arm: Arm, cpus: list[list[int]], scratch: Path) -> Server:
    """Start the app as `make run` does (migrate, then serve) on a fresh database."""
    if not app_exists():
        raise NotAvailable("the app (app/cli.py) is not there yet")
    if arm.redis and not (app_supports_redis() and redis_up()):
        raise NotAvailable("no Redis backend in the app, or no Redis on 127.0.0.1:6379")
    data = scratch / f"{arm.name}-data"
    data.mkdir(parents=True, exist_ok=True)
    schema = None
    if arm.db == "postgres" or arm.workers > 1:
        try:
            schema = create_schema()
        except Exception as exc:
            raise NotAvailable(f"PostgreSQL not reachable at {PG_BASE}: {exc}") from exc
        db_url = pg_url(schema)
    else:
        db_url = f"sqlite:///{data / 'bench.db'}"
    ports = [free_port() for _ in range(arm.workers)]
    env = dict(os.environ)
    env.update(
        {
            "HOST": HOST,
            "PORT": str(ports[0]),
            "DATA_DIR": str(data),
            "DATABASE_URL": db_url,
            "REDIS_URL": REDIS_URL if arm.redis else "",
            "SECRET_KEY": secrets.token_urlsafe(32),
            # Creating a workshop needs an account: the bench acts as the first admin.
            "ADMIN_TOKEN": BENCH_ADMIN_TOKEN,
            "ALLOWED_ORIGINS": ",".join(f"http://{HOST}:{p}" for p in ports),
            "WS_PER_MESSAGE_DEFLATE": "true" if arm.deflate else "false",
            "PYTHONUNBUFFERED": "1",
            # One writer per room posts hundreds of cards a second: far past any person.
            "WRITE_RATE_LIMIT": "",
        }
    )
    env.update(arm.env)
    log0 = scratch / f"{arm.name}-migrate.log"
    mig = await asyncio.to_thread(
        subprocess.run,
        [PY, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=180,
    )
    log0.write_bytes(mig.stdout + mig.stderr)
    if mig.returncode != 0:
        if schema:
            drop_schema(schema)
        raise RuntimeError(f"migrate failed:\n{tail(log0)}")
    procs, logs = [], []
    for i, port in enumerate(ports):
        log = scratch / f"{arm.name}-{i}.log"
        penv = dict(env, PORT=str(port))
        procs.append(spawn(pin([PY, "-m", "app.cli", "serve"], cpus[i % len(cpus)]), penv, log))
        logs.append(log)
    s = Server(
        arm,
        procs,
        ports,
        [f"http://{HOST}:{p}" for p in ports],
        logs,
        [cpus[i % len(cpus)] for i in range(len(ports))],
        schema,
    )
    try:
        for port, proc, log in zip(ports, procs, logs, strict=True):
            await wait_port(port, proc, log, 90)
    except Exception:
        await s.stop()
        raise
    await asyncio.sleep(0.3)
    s.refresh_pids()
    return s


async def start_server(arm: Arm, plan: dict, scratch: Path) -> Server:
    if arm.kind == "external":  # an app someone else started: measured from outside only
        base = arm.env["BASE_URL"].rstrip("/")
        port = int(base.rsplit(":", 1)[1].split("/")[0])
        return Server(arm, [], [port], [base], [], [[]])
    if arm.kind == "bare":
        return await start_bare(arm, plan["server"], scratch)
    if arm.workers > 1 and len(plan["all"]) >= 2 and arm.workers > len(plan["server"]):
        cpus = [[c] for c in plan["all"]]  # more workers than server cores: spread over all
    elif arm.workers > 1:
        cpus = [[c] for c in plan["server"]]
    else:
        cpus = [plan["server"]]
    return await start_app(arm, cpus, scratch)


# --- rooms ---------------------------------------------------------------------------------------
@dataclass
class Room:
    index: int
    workshop_id: str
    writer_token: str
    tokens: list[str]
    clients: int = 0  # receivers; they share the tokens round-robin when there are fewer


class ApiError(RuntimeError):
    pass


async def api(client: httpx.AsyncClient, method: str, url: str, **kw) -> dict:
    """One setup call; retries 429 and connection trouble a bounded number of times."""
    last = ""
    for attempt in range(30):
        try:
            r = await client.request(method, url, **kw)
        except httpx.TransportError as exc:
            last = repr(exc)
            await asyncio.sleep(min(2.0, 0.1 * (attempt + 1)))
            continue
        if r.status_code == 429:
            last = r.text[:200]
            await asyncio.sleep(min(5.0, float(r.headers.get("retry-after", 0.5) or 0.5)))
            continue
        if r.status_code >= 400:
            raise ApiError(f"{method} {url} → {r.status_code}: {r.text[:300]}")
        return r.json()
    raise ApiError(f"{method} {url} kept failing: {last}")


async def setup_rooms(
    server: Server, rooms: int, clients: int, concurrency: int = 12, tokens: int | None = None
) -> list[Room]:
    """Create the workshops and join the receivers as visitors (before any timing): one token
    each, or `tokens` per room shared round-robin (one person, several tabs)."""
    if server.arm.kind == "bare":
        return [Room(i, f"w{i}", "bare", ["bare"], clients) for i in range(rooms)]
    n_tokens = min(clients, tokens or clients)
    sem = asyncio.Semaphore(concurrency)
    base = server.http_bases[0]
    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as c:

        async def create(i: int) -> Room:
            async with sem:
                body = {
                    "title": f"Bench room {i}",
                    "problem": "How fast is the room?",
                    "duration_minutes": 90,
                    "facilitator_name": f"Facilitator {i}",
                }
                w = await api(
                    c,
                    "POST",
                    "/api/v1/workshops",
                    json=body,
                    headers={"Authorization": f"Bearer {BENCH_ADMIN_TOKEN}"},
                )
            room = Room(i, w["workshop"]["id"], w["facilitator_token"], [], clients)
            return room, w["invites"]["visitor"]["code"]

        made = await asyncio.gather(*(create(i) for i in range(rooms)))

        async def join(room: Room, code: str, j: int) -> None:
            name = f"Visitor {room.index}-{j}"
            async with sem:
                if server.arm.socket == "html":
                    room.tokens.append(await browser_join(c, code, name))
                    return
                r = await api(
                    c,
                    "POST",
                    f"/api/v1/join/{code}",
                    json={"name": name, "accept_ground_rules": True},
                )
            room.tokens.append(r["token"])

        await asyncio.gather(*(join(room, code, j) for room, code in made for j in range(n_tokens)))
        return [room for room, _ in made]


async def browser_join(c: httpx.AsyncClient, code: str, name: str) -> str:
    """Join as a browser does (the form at /j/{code}); returns the session cookie `name=value`."""
    for attempt in range(30):
        r = await c.post(f"/j/{code}", data={"name": name, "accept": "on"})
        if r.status_code == 429:
            await asyncio.sleep(min(5.0, 0.2 * (attempt + 1)))
            continue
        if r.status_code == 404:
            raise NotAvailable("the app has no browser join form at /j/{code}")
        cookie = r.headers.get("set-cookie", "")
        if r.status_code in (302, 303) and cookie:
            return cookie.split(";", 1)[0]
        raise ApiError(f"browser join → {r.status_code}: {r.text[:300]}")
    raise ApiError("browser join kept answering 429")


def conn_specs(server: Server, rooms: list[Room], slow_frac: float = 0.0) -> list[dict]:
    """One spec per receiver: which port and path, which headers, whether it stops reading."""
    out = []
    for room in rooms:
        n_slow = round(room.clients * slow_frac)
        for j in range(room.clients):
            token = room.tokens[j % len(room.tokens)]
            port = server.ws_ports[j % len(server.ws_ports)]
            spec = {"room": room.index, "port": port, "slow": j < n_slow}
            if server.arm.socket == "html":  # the browsers' socket: cookie and Origin
                spec["path"] = f"/w/{room.workshop_id}/live"
                spec["headers"] = {"Cookie": token, "Origin": server.http_bases[0]}
            else:
                spec["path"] = f"/api/v1/workshops/{room.workshop_id}/events"
                spec["headers"] = {"Authorization": f"Bearer {token}"}
            out.append(spec)
    return out


def writer_specs(server: Server, rooms: list[Room], rate: float, text_len: int = 120) -> list[dict]:
    """One writer per room (the facilitator), posting `rate` cards/s; with several workers the
    rooms' writers take turns between them."""
    rnd = random.Random(7)
    return [
        {
            "room": room.index,
            "base": server.http_bases[room.index % len(server.http_bases)],
            "token": room.writer_token,
            "path": f"/api/v1/workshops/{room.workshop_id}/cards",
            "rate": rate,
            "phase": rnd.random(),
            "text_len": text_len,
        }
        for room in rooms
    ]


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
        line = await asyncio.wait_for(p.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"generator worker {i} died; see {self.scratch}/worker-{i}.log")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"generator worker {i}: {reply['error']}")
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
        }
        for part in parts
    ]
    t0 = time.monotonic()
    replies = await gen.all(cmds, timeout=deadline_s + 30)
    await asyncio.sleep(0.5)
    live.rss_after = live.server.rss()
    errors: dict[str, int] = {}
    for r in replies:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    live.n_conns = sum(r["connected"] for r in replies)
    live.connect = {
        "connected": live.n_conns,
        "failed": sum(r["failed"] for r in replies),
        "errors": errors,
        "seconds": round(time.monotonic() - t0, 2),
        "rss_before_mb": live.rss_before / 2**20,
        "rss_after_mb": live.rss_after / 2**20,
    }
    return live.connect


async def disconnect(gen: Generator, live: Live) -> None:
    await gen.all([{"cmd": "close", "target": live.target}] * gen.n, timeout=60)


def pct(sorted_vals, q: float) -> float | None:
    if not sorted_vals:
        return None
    return sorted_vals[min(len(sorted_vals) - 1, max(0, math.ceil(q * len(sorted_vals)) - 1))]


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
