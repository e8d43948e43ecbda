"""The least a card POST can cost on this stack, against the app's, in the same run.

    .venv/bin/python -m bench.floor [--n 1000] [--paced 200] [--gap 0.05] [--rounds 3]

Issue 14 asks for ratios against a bare relay that keeps nothing. A card must be kept, so some of
its cost is not the app's to remove: uvicorn's HTTP, SQLite's statements and commit, the search
index's row. This measures that floor. Beside the app (started as `make run` does), it starts a
*floor server*: uvicorn with uvloop and httptools as the app runs it, a bare ASGI function with
no framework, no ORM, no writer thread, no middleware and no access log (SQLite's checkpoints
run in a thread of their own, as the app's do), whose card `POST` checks a
bearer token in a dict, parses the JSON, and runs on one `sqlite3` connection the same seven
statements the app's write sends (`BEGIN IMMEDIATE`, the workshop's row, the card with its
author, its event, the workshop's head, its search row, `COMMIT`), with the app's pragmas, on
the app's migrated database; then answers the card as JSON. It checks no rule, keeps no
Idempotency-Key and publishes nothing (nobody listens in scenario 0 either).

Both servers run at once on CPU 0, each with a workshop of its own in the same database, the
client on CPU 1; batches alternate between them. Back to back (`--n` requests a batch) and
paced (`--paced` requests, one every `--gap` s, as rooms at 1 card/s are: caches go cold
between requests, bench/README.md). Server CPU from /proc, as scenario 0 reads it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .bare import answer, read_body
from .keeper import Keeper
from .procstat import thread_ns, tree
from .profile_write import SERVE, Client, answering, card_room, migrated_env
from .servers import free_port

ROOT = Path(__file__).resolve().parent.parent


def floor_app(database: str, tokens: dict[bytes, int]):  # type: ignore[no-untyped-def]
    """The floor server's ASGI function: `tokens` maps a bearer header to its participant."""
    keeper = Keeper(database)
    healthy = b'{"status":"ok"}'

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        status, body = 200, healthy
        if scope["method"] == "POST":
            raw = await read_body(receive)
            author = tokens.get(dict(scope["headers"]).get(b"authorization", b""))
            workshop_id = scope["path"].split("/")[4]
            if author is None:
                status, body = 401, b'{"detail":"Unknown token."}'
            else:
                new = json.loads(raw)
                _, _, card = keeper.add_card(workshop_id, author, new["kind"], new["text"])
                status, body = 201, card.encode()
        await answer(send, status, body)

    return app


def serve_floor() -> None:
    import uvicorn

    tokens = {f"Bearer {k}".encode(): v for k, v in json.loads(os.environ["FLOOR_TOKENS"]).items()}
    app = floor_app(os.environ["FLOOR_DB"], tokens)
    port = int(os.environ["PORT"])
    uvicorn.run(
        app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning"
    )


def python_pid(spawned: subprocess.Popen) -> int:
    return next(p for p in tree([spawned.pid]) if "python" in Path(f"/proc/{p}/exe").resolve().name)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="requests a batch, back to back")
    ap.add_argument("--paced", type=int, default=200, help="requests a batch, paced")
    ap.add_argument("--gap", type=float, default=0.05, help="seconds between paced requests")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve_floor()
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    spawned: list[subprocess.Popen] = []
    stack = contextlib.ExitStack()
    failed = True
    try:
        database = tmp / "bench.db"
        app_port, floor_port = free_port(), free_port()
        admin = secrets.token_urlsafe(32)
        env = migrated_env(
            tmp, app_port, f"sqlite:///{database}", admin, secret_key=secrets.token_urlsafe(32)
        )
        log = stack.enter_context((tmp / "servers.log").open("wb"))
        spawned.append(
            subprocess.Popen(
                ["taskset", "-c", "0", *SERVE], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        )
        os.sched_setaffinity(0, {1})
        made = [card_room(app_port, admin, wait_s=120), card_room(app_port, admin, wait_s=5)]
        for client, _, _ in made:
            client.conn.close()
        (_, app_path, app_token), (_, floor_path, floor_token) = made
        with sqlite3.connect(database) as db:
            facilitator = db.execute(
                "SELECT id FROM participant WHERE workshop_id = ? AND role = 'facilitator'",
                (floor_path.split("/")[4],),
            ).fetchone()[0]
        floor_env = dict(
            env,
            PORT=str(floor_port),
            FLOOR_DB=str(database),
            FLOOR_TOKENS=json.dumps({floor_token: facilitator}),
        )
        spawned.append(
            subprocess.Popen(
                ["taskset", "-c", "0", sys.executable, "-m", "bench.floor", "--serve"],
                cwd=ROOT,
                env=floor_env,
                stdout=log,
                stderr=log,
            )
        )
        answering(floor_port, wait_s=60)
        pids = {"app": python_pid(spawned[0]), "floor": python_pid(spawned[1])}
        ports = {"app": app_port, "floor": floor_port}
        cards = {"app": (app_path, app_token), "floor": (floor_path, floor_token)}
        numbers = iter(range(10**9))

        def batch(server: str, request: str, n: int, gap: float) -> float:
            """Server CPU µs per request. A connection of its own: uvicorn closes one that
            has waited 5 s, as the other batches make it wait."""
            client = Client(ports[server])
            path, token = cards[server]

            def step() -> None:
                if request == "card":
                    text = f"card {next(numbers):06d}"
                    client.call("POST", path, {"kind": "insight", "text": text}, token)
                else:
                    client.call("GET", "/healthz")

            try:
                step()
                before = thread_ns(pids[server])
                for _ in range(n):
                    step()
                    if gap:
                        time.sleep(gap)
                after = thread_ns(pids[server])
            finally:
                client.conn.close()
            # Per thread, in ns (/proc's ticks are 10 ms). The app's writer thread ends after
            # 5 idle seconds and starts again with the next write: a thread is counted from
            # its start, and one that ended meanwhile (idle) is left out.
            spent = sum(ns - before.get(tid, 0) for tid, ns in after.items())
            return spent / n / 1000

        for server in pids:
            for request in ("card", "healthz"):
                batch(server, request, 300, 0.0)
        spent: dict[tuple[str, str, str], list[float]] = {}
        for _ in range(args.rounds):
            for pace, n, gap in (("back to back", args.n, 0.0), ("paced", args.paced, args.gap)):
                for server in pids:
                    for request in ("card", "healthz"):
                        us = batch(server, request, n, gap)
                        spent.setdefault((pace, server, request), []).append(us)
        report(spent, args)
        failed = False
    finally:
        for p in spawned:
            p.send_signal(signal.SIGINT)
        for p in spawned:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        stack.close()
        if failed and (tmp / "servers.log").exists():
            # What the servers said is the likeliest reason; the folder goes with it.
            print((tmp / "servers.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


def report(spent: dict[tuple[str, str, str], list[float]], args: argparse.Namespace) -> None:
    def best(pace: str, server: str, request: str) -> float:
        # A busy neighbour only ever makes a batch dearer: the least is the better estimate.
        return min(spent[(pace, server, request)])

    out: dict = {"n": args.n, "paced": args.paced, "gap_s": args.gap, "us": {}}
    for (pace, server, request), values in spent.items():
        out["us"][f"{pace}: {server} {request}"] = [round(v) for v in values]
    for pace in ("back to back", "paced"):
        app_health = best(pace, "app", "healthz")
        out[f"{pace}: ratios"] = {
            "app card ÷ app healthz": round(best(pace, "app", "card") / app_health, 2),
            "floor card ÷ app healthz": round(best(pace, "floor", "card") / app_health, 2),
            "floor card ÷ floor healthz": round(
                best(pace, "floor", "card") / best(pace, "floor", "healthz"), 2
            ),
        }
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
