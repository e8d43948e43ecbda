"""The server CPU of one card POST (nobody listening) against one GET /healthz, same server.

    .venv/bin/python -m bench.profile_write [--n 2000] [--postgres] [--pyspy out.txt]

Starts the app as `make run` does (migrate, then serve) on a fresh SQLite file (or a fresh
PostgreSQL schema), pinned to CPU 0 with the client on CPU 1, creates one workshop, warms up,
then sends N sequential requests of each kind on one keep-alive connection and reads the
server's CPU (utime + stime from /proc/<pid>/stat) around each batch, then splits one more
batch's CPU between the event loop's thread and the others (the writer, the thread pool) from
/proc/<pid>/task. With --pyspy, py-spy attaches to the server for one more batch of card POSTs
(raw, collapsed stacks); PYSPY_GIL=1 samples only the thread holding the GIL. Take the split
from /proc, not from py-spy: with --gil it has been seen to leave out the writer thread almost
entirely, and without it, it counts threads waiting on a queue as busy (`perf record -t` on the
writer's thread id agrees with /proc: about 65 % of it runs Python). "each other thread" lists
them one by one; on SQLite one thread, the writer, holds nearly all of it.

Cards are posted in batches so that a cost that grows with the room's size shows: the first
and the last batch of a long run should cost the same.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .procstat import thread_ns, ticks_ns, tree
from .servers import create_schema, drop_schema, free_port, pg_url

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SERVE = [PY, "-m", "app.cli", "serve"]


def server_ns(pids: list[int]) -> int:
    # utime + stime of the whole process: threads that ended meanwhile are counted too.
    return sum(ticks_ns(pid) for pid in pids)


class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None, token: str = "") -> dict:
        headers = {"content-type": "application/json"} if body is not None else {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.conn.request(
            method, path, body=json.dumps(body) if body is not None else None, headers=headers
        )
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path} → {r.status}: {data[:300]!r}")
        return json.loads(data)


def migrated_env(tmp: Path, port: int, db_url: str, admin: str, *, secret_key: str) -> dict:
    """The environment of one server as `make run` starts it, its database migrated first:
    no Redis, no write limit (a benchmark's writer is faster than any person)."""
    env = dict(os.environ)
    env.update(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATA_DIR": str(tmp),
            "DATABASE_URL": db_url,
            "REDIS_URL": "",
            "SECRET_KEY": secret_key,
            "ADMIN_TOKEN": admin,
            "WRITE_RATE_LIMIT": "",
            "PYTHONUNBUFFERED": "1",
        }
    )
    subprocess.run(
        [PY, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return env


def answering(port: int, *, wait_s: float) -> None:
    """Wait until a server on this port answers GET /healthz."""
    deadline = time.monotonic() + wait_s
    while True:
        client = Client(port)
        try:
            client.call("GET", "/healthz")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
        finally:
            client.conn.close()


def card_room(port: int, admin: str, *, wait_s: float) -> tuple[Client, str, str]:
    """Wait for the server to answer, then open a room: a client, its cards' path, a token."""
    answering(port, wait_s=wait_s)
    client = Client(port)
    made = client.call(
        "POST",
        "/api/v1/workshops",
        {
            "title": "Profile room",
            "problem": "How much does a card cost?",
            "duration_minutes": 90,
            "facilitator_name": "Facilitator",
        },
        token=admin,
    )
    path = f"/api/v1/workshops/{made['workshop']['id']}/cards"
    return client, path, made["facilitator_token"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--batches", type=int, default=2, help="batches of N card POSTs")
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--pyspy", help="write py-spy's raw stacks of one more batch here")
    ap.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="profile-write-"))
    schema = create_schema() if args.postgres else None
    db_url = pg_url(schema) if schema else f"sqlite:///{tmp / 'bench.db'}"
    port = free_port()
    admin = secrets.token_urlsafe(32)
    env = migrated_env(tmp, port, db_url, admin, secret_key=secrets.token_urlsafe(32))
    log = (tmp / "server.log").open("wb")
    spawned = subprocess.Popen(
        ["taskset", "-c", "0", *SERVE], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    os.sched_setaffinity(0, {1})
    pids: list[int] = []
    try:
        c, path, token = card_room(port, admin, wait_s=120)
        counter = iter(range(10**9))

        def card() -> None:
            c.call("POST", path, {"kind": "insight", "text": f"card {next(counter)}"}, token)

        def health() -> None:
            c.call("GET", "/healthz")

        pythons = [
            p for p in tree([spawned.pid]) if "python" in Path(f"/proc/{p}/exe").resolve().name
        ]
        pids = pythons[:1]

        def measure(step, n: int) -> float:
            before = server_ns(pids)
            for _ in range(n):
                step()
            return (server_ns(pids) - before) / n / 1000

        for _ in range(300):
            card()
            health()
        healthz = measure(health, args.n)
        posts = [measure(card, args.n) for _ in range(args.batches)]
        healthz2 = measure(health, args.n)
        floor = min(healthz, healthz2)
        out = {
            "db": "postgres" if schema else "sqlite",
            "n": args.n,
            "healthz_us": [round(healthz), round(healthz2)],
            "card_post_us": [round(p) for p in posts],
            "ratio": round(min(posts) / floor, 2),
        }
        # Which thread pays: the event loop (the main thread) or the writer and the pool.
        # py-spy's --gil view has been seen to miss the writer thread almost entirely.
        before = thread_ns(pids[0])
        for _ in range(args.n):
            card()
        after = thread_ns(pids[0])
        spent = {k: after[k] - before.get(k, 0) for k in after}
        loop = sum(v for (pid, tid), v in spent.items() if tid == pid)
        out["card_post_us_by_thread"] = {
            "event loop": round(loop / args.n / 1000),
            "other threads": round((sum(spent.values()) - loop) / args.n / 1000),
            "each other thread": sorted(
                (round(v / args.n / 1000) for (pid, tid), v in spent.items() if tid != pid),
                reverse=True,
            ),
        }
        print(json.dumps(out))
        if args.pyspy:
            # Attached for one more batch only. (py-spy 0.4.3, spawning the server as its
            # child, was seen never to exit once the server had stopped.)
            spy = subprocess.Popen(
                [
                    str(Path(PY).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(pids[0]),
                    *(["--gil"] if os.environ.get("PYSPY_GIL") else []),
                    "-r",
                    str(args.rate),
                    "--format",
                    "raw",
                    "-o",
                    args.pyspy,
                ],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1.5)  # attached before the batch begins
            for _ in range(args.n):
                card()
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
        spawned.wait(180)
        if schema:
            drop_schema(schema)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
