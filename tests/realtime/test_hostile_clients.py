"""Clients that break the rules on the wire, against a real uvicorn: malformed websocket frames,
and request bodies that never finish. Each is closed cleanly, and the log stays clean."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect

from app.security import session_cookie_name, sign_session
from tests.conftest import ADMIN_TOKEN, SECRET_KEY, Server
from tests.factories import bearer, create_room, join
from tests.realtime.harness import open_raw_socket, raw_socket_outcome, refused_upgrade

pytestmark = pytest.mark.slow

TEXT, BINARY, CONT, CLOSE, PING = 0x1, 0x2, 0x0, 0x8, 0x9
SETTINGS = {"BODY_TIMEOUT_S": "1", "WS_MAX_MESSAGE_BYTES": "4096", "LOG_LEVEL": "info"}


def frame(
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    masked: bool = True,
    rsv: int = 0,
    declared: int | None = None,
) -> bytes:
    """A client frame built by hand, right or wrong as asked."""
    size = len(payload) if declared is None else declared
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 1 << 16:
        head += bytes([mask_bit | 126]) + size.to_bytes(2, "big")
    else:
        head += bytes([mask_bit | 127]) + size.to_bytes(8, "big")
    if masked:
        key = os.urandom(4)
        head += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


BIG = 64 * 1024
# name: (frames sent after the handshake, close codes that are a clean answer)
HOSTILE = {
    "binary frame": ([frame(BINARY, b"\x00\x01\x02")], {1003}),
    "invalid UTF-8": ([frame(TEXT, b"caf\xc3\x28 \xff\xfe")], {1007}),
    "UTF-8 cut between fragments": (
        [frame(TEXT, b"abc\xe2\x82", fin=False), frame(CONT, b"xyz")],
        {1007},
    ),
    "one huge frame": ([frame(TEXT, b"a" * BIG, declared=10 * 1024 * 1024)], {1009}),
    "a message growing past the limit": (
        [frame(TEXT, b"a" * 1000, fin=False)] + [frame(CONT, b"a" * 1000, fin=False)] * 8,
        {1009},
    ),
    "an unmasked frame": ([frame(TEXT, b"hello", masked=False)], {1002}),
    "reserved bits": ([frame(TEXT, b"hello", rsv=0b100)], {1002}),
    "an unknown opcode": ([frame(0x3, b"hello")], {1002}),
    "a fragmented ping": ([frame(PING, b"x", fin=False)], {1002}),
    "a ping over 125 bytes": ([frame(PING, b"x" * 200)], {1002}),
    "a continuation out of the blue": ([frame(CONT, b"hello")], {1002}),
    "a close with a bad code": ([frame(CLOSE, (999).to_bytes(2, "big"))], {1002}),
    "a close with invalid UTF-8": ([frame(CLOSE, (1000).to_bytes(2, "big") + b"\xff")], {1007}),
}


@pytest.fixture
def server(server_factory, sqlite_url: str) -> Server:  # type: ignore[no-untyped-def]
    return server_factory(sqlite_url, extra_env=SETTINGS)


def clean_log(log: Path) -> list[str]:
    """Lines that say something went wrong inside the server."""
    bad = ("Traceback", "Exception", "ERROR", "unexpected error")
    return [line for line in log.read_text().splitlines() if any(b in line for b in bad)]


async def refusal(url: str, **options: object) -> tuple[int, dict]:
    """The refused upgrade's status and JSON body."""
    answer = await refused_upgrade(url, **options)
    return answer.status_code, json.loads(answer.body)


async def test_a_refused_upgrade_says_why(server: Server) -> None:
    """Every refusal before the upgrade answers with the API's error body, as the 404 does:
    closed before the upgrade, uvicorn answered a bare 403 with nothing in it. Credentials get
    the status HTTP gives them (API.md: "authenticated like HTTP"); a bad token got 403."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        room, other = await create_room(http), await create_room(http)
        visitor = await join(http, room, "visitor", "Vic")
    events = f"{server.ws_url}/api/v1/workshops/{room.id}/events"
    cookie = f"{session_cookie_name(room.id)}={sign_session(SECRET_KEY, visitor.token)}"
    credentials = {  # who presents what: (the headers, words the refusal must hold)
        "another peer assist's token": (bearer(other.facilitator.token), "another peer assist"),
        "a token nobody was given": (bearer("not-a-token-anyone-was-given"), "Join again"),
        "an account's token": (bearer(ADMIN_TOKEN), "participant's token"),
        "nothing": ({}, "Join the peer assist first"),
    }
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        for name, (headers, said) in credentials.items():
            status, body = await refusal(events, additional_headers=headers)
            over_http = await http.get(f"/api/v1/workshops/{room.id}", headers=headers)
            assert (status, body["code"]) == (
                over_http.status_code,
                over_http.json()["code"],
            ), name
            assert said in body["detail"] and body["detail"].endswith("."), (name, body)
    # A page's cookie without a page's Origin: told to send a bearer token, not to join again.
    status, body = await refusal(events, additional_headers={"Cookie": cookie})
    assert status == 401 and "Authorization: Bearer" in body["detail"], body
    foreign = await refusal(
        events, origin="https://evil.example", additional_headers=bearer(visitor.token)
    )
    # The room's HTML stream, asked for a view that is not the visitor's.
    view = await refusal(
        f"{server.ws_url}/w/{room.id}/live?view=console",
        origin=server.base_url,
        additional_headers={"Cookie": cookie},
    )
    assert foreign[0] == 403 and "ALLOWED_ORIGINS" in foreign[1]["detail"]
    assert view[0] == 403 and "view" in view[1]["detail"]
    # And the visitor's own socket opens.
    async with ws_connect(events, additional_headers=bearer(visitor.token)) as ws:
        assert '"snapshot"' in await ws.recv()
    assert clean_log(server.log) == []


async def test_malformed_frames_close_the_socket_cleanly(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        room = await create_room(http)
    outcomes = {}
    for name, (frames, _) in HOSTILE.items():
        sock = open_raw_socket(server.port, room.id, room.facilitator.token, rcvbuf=1 << 20)
        # The server may close before it has read all of a huge frame.
        with contextlib.suppress(OSError):
            sock.sendall(b"".join(frames))
        outcomes[name] = raw_socket_outcome(sock, timeout=15)
    expected = {name: ("close", code) for name, (_, codes) in HOSTILE.items() for code in codes}
    assert outcomes == expected
    assert clean_log(server.log) == []
    # The server is still serving.
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200


def send_short_body(port: int, path: str, content_type: str, sent: bytes) -> bytes:
    """Declare 100 bytes, send fewer, and read the answer until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: 100\r\n"
                # Signed in, so the start form reads the body rather than sending to sign-in.
                f"Authorization: Bearer {ADMIN_TOKEN}\r\n\r\n"
            ).encode()
            + sent
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


SHORT_BODIES = [
    ("/api/v1/workshops", "application/json", b'{"title": '),
    ("/api/v1/workshops", "application/json", b""),
    ("/start", "application/x-www-form-urlencoded", b"title=Ward+7&"),
    ("/j/some-code", "application/x-www-form-urlencoded", b"name=Vera&ac"),
]


def test_a_body_that_stops_short_is_answered_408_and_closed(server: Server) -> None:
    for path, content_type, sent in SHORT_BODIES:
        answer = send_short_body(server.port, path, content_type, sent)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), (path, answer)
        assert b"connection: close" in head.lower()
        assert b'"code":"request_timeout"' in body.replace(b" ", b"")
    assert clean_log(server.log) == []


async def test_an_upgrade_to_no_peer_assist_is_a_404_and_no_error_in_the_log(
    server: Server,
) -> None:
    """A refused upgrade answers 404 with our own HTTP response (ASGI's denial extension);
    uvicorn took that for an app that had answered nothing and logged an ERROR each time."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        room = await create_room(http)
    url = f"{server.ws_url}/api/v1/workshops/no-such-peer-assist/events"
    for _ in range(2):
        status, body = await refusal(url, additional_headers=bearer(room.facilitator.token))
        assert status == 404 and body["code"] == "workshop_not_found", body
    assert clean_log(server.log) == []
