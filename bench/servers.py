"""The servers under test: which cores they get, how each arm is started and stopped.

An *arm* is one server configuration under test (the app with some settings, or the bare relay).
The app is started as `make run` does (`python -m app.cli migrate`, then `serve`) on a fresh
database; several workers are several `serve` processes on their own ports, as behind a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .procstat import rss_bytes, tree

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# The first admin's bearer token on servers the bench starts; an external server (BASE_URL)
# is given its own through BENCH_ADMIN_TOKEN, the same value as that server's ADMIN_TOKEN.
BENCH_ADMIN_TOKEN = os.environ.get("BENCH_ADMIN_TOKEN") or secrets.token_urlsafe(32)
# Open files wanted by the servers and the generator: 19,500 sockets per worker and room to spare.
NOFILE = int(os.environ.get("BENCH_NOFILE", "65536"))


class NotAvailable(Exception):
    """The app lacks what an arm needs (an endpoint, a backend); the row says so and moves on."""


def raise_nofile(want: int = NOFILE) -> int:
    """Raise this process's open-file limit to `want` (the hard limit too when we may: root, or
    a hard limit already that high). Children inherit it, so the servers and the generator
    started after this get it. Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(OSError, ValueError), open("/proc/sys/fs/nr_open") as f:
        want = min(want, int(f.read()))
    if soft < want:
        for new in ((want, max(hard, want)), (min(want, hard), hard)):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, new)
                break
            except (OSError, ValueError):
                continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def open_files_limit(pid: int) -> int | None:
    """The soft open-file limit a running process really has (from /proc/<pid>/limits)."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return int(line.split()[3])
    except (OSError, ValueError, IndexError):
        return None
    return None


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
    keep: bool = False  # a bare relay that keeps each card first (bare.py --keep)
    uvicorn: bool = False  # a bare relay whose HTTP is uvicorn's (bare.py --uvicorn)
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
    if arm.keep:
        # A fresh database each start, as the app's arms get fresh workshops: the relay opens
        # its rooms (w0, w1, …) at their first card.
        data = scratch / f"{arm.name}-data"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        env = dict(os.environ, DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{data / 'bench.db'}")
        await migrate(env, scratch / f"{arm.name}-migrate.log")
        cmd += ["--keep", str(data / "bench.db")]
    if arm.uvicorn:
        cmd.append("--uvicorn")
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


async def migrate(env: dict, log: Path) -> None:
    """The app's migrations on the database `env` names, as `make run` runs them."""
    mig = await asyncio.to_thread(
        subprocess.run,
        [PY, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=180,
    )
    log.write_bytes(mig.stdout + mig.stderr)
    if mig.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{tail(log)}")


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
    if arm.redis:
        env["REDIS_URL"] = REDIS_URL
    else:  # unset, not empty: in memory is the app's default, measured as it ships
        env.pop("REDIS_URL", None)
    env.update(arm.env)
    try:
        await migrate(env, scratch / f"{arm.name}-migrate.log")
    except Exception:
        if schema:
            drop_schema(schema)
        raise
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
