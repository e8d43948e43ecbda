"""Instructions per card POST and per GET /healthz, counted by callgrind: repeatable on a noisy VM.

    .venv/bin/python -m bench.instructions [--few 50] [--many 250] [--connect] [--floor]

CPU time on a shared VM moves by ±30 % from one run to the next, which hides a change of 5 or
10 %. Instructions do not move with the neighbours' load: valgrind's callgrind counts them, the
same for the same code and inputs. Each figure needs two server runs under callgrind, one
making `--few` requests and one `--many`, after the same start-up and warm-up; the difference
divided by the difference in requests is one request's instructions, start-up and shut-down
cancelled out. The four runs go two at a time (counts do not depend on the load) and take
about five minutes. With --connect, a live socket's connect, snapshot and close too (the cost
that decides how fast a crowd gets in, scenario 4). With --floor, the same two counts for the
floor server of `floor.py` (uvicorn, a bare ASGI function, and a card kept by `keeper.py`): what
a card and a health check cost on this stack before the app does anything, so the app's excess
over it is a difference of two repeatable counts. It needs Debian's valgrind.

Compare two commits by running it in a checkout of each; `profile_write` gives the same ratio
in CPU time, and py-spy's view of where it goes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from websockets.sync.client import connect as ws_connect

from .keeper import Keeper
from .profile_write import SERVE, Client, answering, card_room, migrated_env
from .servers import free_port

ROOT = Path(__file__).resolve().parent.parent


def floor_server(env: dict, database: Path) -> tuple[list[str], str, str]:
    """The floor server's command, with a room and a token of its own in `database`."""
    keeper = Keeper(str(database), checkpoints=False)
    seat = keeper.open_room("floor")
    keeper.db.close()
    token = "f" * 40
    env.update(FLOOR_DB=str(database), FLOOR_TOKENS=json.dumps({token: seat}))
    return [sys.executable, "-m", "bench.floor", "--serve"], "/api/v1/workshops/floor/cards", token


def counted(kind: str, n: int, floor: bool = False) -> int:
    """All instructions of one server run under callgrind: start, warm up, n requests, stop."""
    tmp = Path(tempfile.mkdtemp(prefix="instructions-"))
    port = free_port()
    admin = "a" * 40
    out = tmp / "callgrind.out"
    try:
        env = migrated_env(tmp, port, f"sqlite:///{tmp / 'bench.db'}", admin, secret_key="k" * 40)
        # The same hashes in every run, so dicts and sets do the same work.
        env["PYTHONHASHSEED"] = "0"
        serve = SERVE
        if floor:
            serve, path, token = floor_server(env, tmp / "bench.db")
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *serve],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Start-up under valgrind takes a minute or two.
            if floor:
                answering(port, wait_s=600)
                client = Client(port)
            else:
                client, path, token = card_room(port, admin, wait_s=600)
            numbers = iter(range(10**9))

            def card() -> None:
                # Same-length texts: the work must not depend on which run this is.
                client.call(
                    "POST", path, {"kind": "insight", "text": f"card {next(numbers):06d}"}, token
                )

            def health() -> None:
                client.call("GET", "/healthz")

            events = f"ws://127.0.0.1:{port}{path.removesuffix('/cards')}/events"

            def connect() -> None:
                # A live socket's whole life: the upgrade, admission, the snapshot, the close.
                bearer = {"Authorization": f"Bearer {token}"}
                with ws_connect(events, additional_headers=bearer, open_timeout=600) as ws:
                    ws.recv(timeout=600)

            for _ in range(30):
                card()
                health()
                if kind == "connect":
                    connect()
            step = {"card": card, "health": health, "connect": connect}[kind]
            for _ in range(n):
                step()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(300)
            except subprocess.TimeoutExpired:
                server.kill()
                raise
        for line in out.read_text(errors="replace").splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
        raise RuntimeError("callgrind wrote no total")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--few", type=int, default=50)
    ap.add_argument("--many", type=int, default=250)
    ap.add_argument(
        "--connect", action="store_true", help="also a live socket's connect, snapshot and close"
    )
    ap.add_argument("--floor", action="store_true", help="also the floor server's two counts")
    args = ap.parse_args()
    if not shutil.which("valgrind"):
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    # (what is asked, of the floor server?)
    kinds = [("health", False), ("card", False), *([("connect", False)] if args.connect else [])]
    if args.floor:
        kinds += [("health", True), ("card", True)]
    runs = [(kind, n) for kind in kinds for n in (args.few, args.many)]
    with ThreadPoolExecutor(2) as pool:
        counts = pool.map(lambda r: counted(r[0][0], r[1], floor=r[0][1]), runs)
        totals = dict(zip(runs, counts, strict=True))
    per = {
        kind: (totals[(kind, args.many)] - totals[(kind, args.few)]) / (args.many - args.few)
        for kind in kinds
    }
    app = {kind: n for (kind, floor), n in per.items() if not floor}
    out = {
        "healthz_instructions": round(app["health"]),
        "card_post_instructions": round(app["card"]),
        "ratio": round(app["card"] / app["health"], 2),
    }
    if args.connect:
        out["connect_instructions"] = round(app["connect"])
    if args.floor:
        floor_health, floor_card = per[("health", True)], per[("card", True)]
        out["floor_healthz_instructions"] = round(floor_health)
        out["floor_card_post_instructions"] = round(floor_card)
        out["floor_card_vs_app_healthz"] = round(floor_card / app["health"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
