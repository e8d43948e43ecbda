"""The baseline: a bare relay, the best plain `websockets` does, with no app, no database, no auth.

WS  /api/v1/workshops/{id}/events   a snapshot frame, then every card posted to that workshop
POST /api/v1/workshops/{id}/cards   on the HTTP port (websockets' server speaks only GET), builds
                                    a `card.added` event shaped like the app's, encodes it once and
                                    hands it to websockets.broadcast(); answers 201 with the card.

    python -m bench.bare --port 9001 --http-port 9002 [--deflate] [--keep bench.db] [--uvicorn]

With `--keep` (the arm `bare-kept`) it first keeps each card as the app must, on a migrated
SQLite database (`keeper.py`: the app's seven statements on plain `sqlite3`, on the event loop),
and sends the kept card: the least any app that keeps its cards could cost in the same rooms.
With `--uvicorn` as well (the arm `floor`) its HTTP side is uvicorn with httptools, as the app's
is, serving a bare ASGI function (no framework, no middleware, no access log): the least the
brief's fixed stack could cost. Its sockets stay websockets', as the bare relay's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from websockets.asyncio.server import broadcast, serve

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from .keeper import Keeper

ROOMS: dict[str, set] = {}
SEQ: dict[str, int] = {}
KEEPER: Keeper | None = None  # with --keep
SEATS: dict[str, int] = {}  # with --keep: each room's writer, made at its first card


def now() -> str:
    return datetime.now(UTC).isoformat()


def add_card(wid: str, body: dict) -> tuple[bytes, str]:
    if KEEPER is not None:
        return keep_card(wid, body)
    seq = SEQ[wid] = SEQ.get(wid, 0) + 1
    card = {  # the same fields and sizes as the app's card
        "id": str(uuid.uuid4()),
        "workshop_id": wid,
        "kind": body.get("kind", "insight"),
        "text": body.get("text", ""),
        "evidence": body.get("evidence"),
        "source_url": body.get("source_url"),
        "anonymous": bool(body.get("anonymous", False)),
        "author": {"id": "00000000-0000-0000-0000-000000000000", "name": "Bench", "role": "x"},
        "phase": "welcome",
        "theme": None,
        "hidden": False,
        "votes": 0,
        "created_at": now(),
        "updated_at": None,
    }
    return json.dumps(card).encode(), json.dumps(
        {"seq": seq, "type": "card.added", "at": now(), "data": card}
    )


def keep_card(wid: str, body: dict) -> tuple[bytes, str]:
    author = SEATS.get(wid)
    if author is None:
        author = SEATS[wid] = KEEPER.open_room(wid)
    seq, at, card = KEEPER.add_card(wid, author, body.get("kind", "insight"), body.get("text", ""))
    SEQ[wid] = seq
    return card.encode(), f'{{"seq":{seq},"type":"card.added","at":"{at}","data":{card}}}'


async def events(ws) -> None:
    wid = ws.request.path.split("/")[4]
    room = ROOMS.setdefault(wid, set())
    state = {"seq": SEQ.get(wid, 0), "cards": []}
    await ws.send(json.dumps({"seq": state["seq"], "type": "snapshot", "at": now(), "data": state}))
    room.add(ws)
    try:
        await ws.wait_closed()
    finally:
        room.discard(ws)


async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        for _ in range(10_000_000):  # keep-alive, one request after another
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            size = next((int(h[15:]) for h in head if h.lower().startswith("content-length:")), 0)
            body = json.loads(await reader.readexactly(size)) if size else {}
            parts = path.split("?")[0].split("/")
            if method == "POST" and len(parts) == 6 and parts[5] == "cards":
                card, message = add_card(parts[4], body)
                broadcast(ROOMS.get(parts[4], ()), message)
                status, out = "201 Created", card
            else:
                status, out = "404 Not Found", b'{"detail": "Not found.", "code": "not_found"}'
            writer.write(
                f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(out)}\r\n\r\n".encode()
                + out
            )
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def read_body(receive: Receive) -> bytes:
    """A request's whole body, for the bare ASGI functions here and in floor.py."""
    raw, more = b"", True
    while more:
        message = await receive()
        raw += message.get("body", b"")
        more = message.get("more_body", False)
    return raw


async def answer(send: Send, status: int, body: bytes) -> None:
    """A JSON answer from a bare ASGI function."""
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def asgi_http(scope: Scope, receive: Receive, send: Send) -> None:
    """`http` as a bare ASGI function, for uvicorn."""
    parts = scope["path"].split("/")
    status, out = 404, b'{"detail": "Not found.", "code": "not_found"}'
    if scope["method"] == "POST" and len(parts) == 6 and parts[5] == "cards":
        raw = await read_body(receive)
        card, message = add_card(parts[4], json.loads(raw) if raw else {})
        broadcast(ROOMS.get(parts[4], ()), message)
        status, out = 201, card
    await answer(send, status, out)


async def main(host: str, port: int, http_port: int, deflate: bool, on_uvicorn: bool) -> None:
    compression = "deflate" if deflate else None
    async with serve(events, host, port, compression=compression, backlog=4096):
        if on_uvicorn:
            import uvicorn

            config = uvicorn.Config(
                asgi_http, host=host, port=http_port, http="httptools", lifespan="off",
                access_log=False, log_level="warning", backlog=4096,
            )  # fmt: skip
            await uvicorn.Server(config).serve()
            return
        server = await asyncio.start_server(http, host, http_port, backlog=4096)
        async with server:
            await server.serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--deflate", action="store_true")
    p.add_argument("--keep", help="keep each card in this migrated SQLite database first")
    p.add_argument("--uvicorn", action="store_true", help="answer HTTP through uvicorn")
    a = p.parse_args()
    if a.keep:
        from .keeper import Keeper

        KEEPER = Keeper(a.keep)
    try:
        import uvloop  # the same event loop uvicorn picks

        uvloop.run(main(a.host, a.port, a.http_port, a.deflate, a.uvicorn))
    except ImportError:
        asyncio.run(main(a.host, a.port, a.http_port, a.deflate, a.uvicorn))
