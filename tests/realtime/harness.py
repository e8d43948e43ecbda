"""What the multi-worker tests share: screens that reconnect, raw sockets that misbehave, a Redis
of our own, and rooms full of people."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Response

from tests.conftest import free_port, reachable
from tests.factories import API, Person, Room, create_room, join
from tests.statefold import apply


@dataclass
class Screen:
    """One participant's screen: follows the stream across reconnects and keeps every frame."""

    workshop_id: str
    person: Person
    # False: only record seqs, for a screen that starts from `since` with no state to fold into.
    fold: bool = True
    state: dict | None = None
    seqs: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    snapshots: list[int] = field(default_factory=list)
    presence: list[dict] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    arrivals: dict[int, float] = field(default_factory=dict)
    connections: int = 0
    on_event: Callable[[dict, float], None] | None = None
    # Cleared: the screen stops taking frames, like a tab the browser has frozen.
    reading: asyncio.Event = field(default_factory=asyncio.Event)
    ws: ClientConnection | None = None
    task: asyncio.Task | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.reading.set()

    def url(self, ws_base: str, since: int | None) -> str:
        url = f"{ws_base}{API}/workshops/{self.workshop_id}/events"
        return url if since is None else f"{url}?since={since}"

    async def connect(
        self, ws_base: str, since: int | None = None, *, rcvbuf: int | None = None
    ) -> None:
        """Open the stream; `rcvbuf` pins a small receive window, as on a slow link."""
        assert self.task is None or self.task.done(), "still connected"
        sock = None
        if rcvbuf is not None:
            host, _, port = ws_base.removeprefix("ws://").partition(":")
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        # max_queue=16: a screen that stops reading stops taking frames off the socket soon.
        self.ws = await connect(
            self.url(ws_base, since),
            additional_headers=self.person.headers,
            compression=None,
            max_size=None,
            open_timeout=30,
            max_queue=16,
            sock=sock,
        )
        self.connections += 1
        self.task = asyncio.ensure_future(self._read(self.ws))

    async def resume(self, ws_base: str) -> None:
        """Reconnect with `since` set to the last seq this screen saw."""
        await self.connect(ws_base, since=self.head)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            while True:
                await self.reading.wait()
                self._take(json.loads(await ws.recv()))
        except ConnectionClosed:
            pass
        finally:
            self.close_codes.append(ws.close_code)
            self.changed.set()

    def _take(self, frame: dict) -> None:
        kind = frame["type"]
        if kind == "snapshot":
            self.state = frame["data"]
            self.snapshots.append(frame["seq"])
        elif kind == "presence.changed":
            if frame["seq"] is not None:
                self.problems.append(f"presence with seq {frame['seq']}")
            self.presence.append(frame["data"])
        elif self.state is None and self.fold:
            self.problems.append(f"event {frame['seq']} before any snapshot")
        else:
            if self.head >= 0 and frame["seq"] != self.head + 1:
                self.problems.append(f"got seq {frame['seq']} after {self.head}")
            self.seqs.append(frame["seq"])
            self.kinds.append(kind)
            self.arrivals[frame["seq"]] = time.monotonic()
            if self.on_event is not None:
                self.on_event(frame, self.arrivals[frame["seq"]])
            if self.fold:
                self.state = apply(self.state, frame)  # type: ignore[arg-type]
        self.changed.set()

    @property
    def head(self) -> int:
        if self.seqs and (not self.snapshots or self.seqs[-1] > self.snapshots[-1]):
            return self.seqs[-1]
        return self.snapshots[-1] if self.snapshots else -1

    @property
    def connected(self) -> bool:
        return self.task is not None and not self.task.done()

    async def drop(self, *, abrupt: bool = False) -> None:
        """Leave: a clean close, or the TCP connection cut as when a laptop lid shuts."""
        if self.ws is None:
            return
        if abrupt:
            self.ws.transport.abort()
        else:
            await self.ws.close()
        if self.task is not None:
            await self.task

    async def wait_until(self, check: Callable[[Screen], bool], timeout: float = 20.0) -> None:
        async def reached() -> None:
            while not check(self):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(reached(), timeout)

    async def wait_for_seq(self, seq: int, timeout: float = 20.0) -> None:
        await self.wait_until(lambda s: s.head >= seq, timeout)


def http_client(base_url: str, timeout: float = 60.0) -> httpx.AsyncClient:
    """A client that drops idle connections before uvicorn does (after 5 s), so that a POST is
    never sent down a connection the server is closing at that moment."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, limits=httpx.Limits(keepalive_expiry=2.0)
    )


async def people(http: httpx.AsyncClient, **roles: int) -> tuple[Room, list[Person]]:
    """A room, its facilitator first, then `roles` counts of joined people (host=2, ...)."""
    room = await create_room(http)
    joined = [room.facilitator]
    for role, count in roles.items():
        for i in range(count):
            joined.append(await join(http, room, role, f"{role.title()} {i + 1}"))
    return room, joined


async def post(
    http: httpx.AsyncClient,
    path: str,
    who: Person,
    body: dict | None = None,
    method: str = "POST",
    **headers: str,
) -> httpx.Response:
    return await http.request(method, f"{API}{path}", json=body, headers={**who.headers, **headers})


async def fresh_state(http: httpx.AsyncClient, workshop_id: str, who: Person) -> dict:
    response = await http.get(f"{API}/workshops/{workshop_id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


def open_raw_socket(
    port: int, workshop_id: str, token: str, *, rcvbuf: int = 4096
) -> socket.socket:
    """Complete a websocket handshake by hand, then never read or answer a ping again."""
    sock = socket.socket()
    # A small window set before connecting: the server soon has nowhere to put its frames.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {API}/workshops/{workshop_id}/events HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    sock.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        assert chunk, "server closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def raw_socket_outcome(sock: socket.socket, timeout: float = 30.0) -> tuple[str, int | None]:
    """Read whatever is left: ("close", code) if a close frame came, else ("dropped", None)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            code = _close_code(data)
            if code is not None:
                return "close", code
    except OSError:
        pass
    finally:
        sock.close()
    return "dropped", None


def _close_code(data: bytes) -> int | None:
    i = 0
    while i + 2 <= len(data):
        opcode, size = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if size == 126:
            size, i = int.from_bytes(data[i : i + 2]), i + 2
        elif size == 127:
            size, i = int.from_bytes(data[i : i + 8]), i + 8
        if i + size > len(data):
            return None
        if opcode == 0x8:
            return int.from_bytes(data[i : i + 2]) if size >= 2 else 1005
        i += size
    return None


class RedisProcess:
    """A Redis server of the test's own, on its own port, that the test may stop and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not reachable("127.0.0.1", self.port):
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


async def start_servers(
    factory: Callable[..., object], count: int, database_url: str, **kwargs: object
) -> list:
    """Start worker processes side by side; each is a real uvicorn on its own port."""
    return list(
        await asyncio.gather(
            *(asyncio.to_thread(factory, database_url, **kwargs) for _ in range(count))
        )
    )


async def close_all(screens: list[Screen]) -> None:
    for screen in screens:
        with contextlib.suppress(Exception):
            await screen.drop()


async def refused_upgrade(url: str, **options: object) -> Response:
    """The HTTP answer to a websocket upgrade the server refuses (status, headers and body)."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, **options):  # type: ignore[arg-type]
            pass
    return refused.value.response
