"""uvicorn's sans-I/O websocket protocol, made to let go of peers that stop reading, and to
take a live event framed once for the whole room.

Three changes are about a peer that no longer reads (a stuck tab, a laptop that vanished):
- A small kernel send buffer. Linux grows a socket's buffer up to 4 MB for a peer that reads
  nothing, so we would only notice the peer after megabytes. With a fixed 64 KiB (the kernel
  doubles it) the send queue fills within a few hundred events and the hub lets go. A live
  event stream needs far less bandwidth than even a long, fat link allows with that buffer.
- Our close frame skips flow control. uvicorn waits for the write buffer to drain before any
  send, so a close (1013 "too far behind") to a stuck peer would wait forever. It is a few
  bytes; a peer that reads again finds it after its backlog and knows to resume with `since`.
- A connection that has been closing for a grace period is aborted. `transport.close()` first
  flushes the write buffer, which a stuck peer never takes, so the socket and its buffer would
  stay forever. The peer loses nothing it cannot get back with `since`.

And one about cost: each connection offers the app a `write` (the ASGI scope's extension
FRAMES) that takes bytes already framed. A live event is the same bytes for everyone with
the same view of it, so the hub frames it once and writes it to each socket directly,
instead of one ASGI send, with its task switch and its framing, per person in the room.
The write is refused, and the app falls back to its queue and the ordinary send, whenever
anything could make the direct bytes wrong or unfair: the socket is not open, is closing,
has a full buffer, or compresses (permessage-deflate frames belong to one connection).

All of this leans on uvicorn's private protocol class and on websockets' frame types, so both
are pinned in pyproject.toml to the versions it was tested with (TESTED below), and
`check_compatible()` refuses to serve with anything else, saying what to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from importlib.metadata import version
from typing import Any, ClassVar

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

log = logging.getLogger(__name__)

# The versions this module was tested against: [lowest, first untested). Keep pyproject.toml's
# pins the same (tests/realtime/test_uvicorn_guard.py checks both).
TESTED = {"uvicorn": ((0, 54), (0, 55)), "websockets": ((17, 4), (18,))}
# What the subclass reads or overrides on uvicorn's protocol instance.
RELIES_ON = (
    "transport",
    "loop",
    "conn",
    "writable",
    "disconnected",
    "close_sent",
    "handshake_complete",
    "connection_made",
    "connection_lost",
    "handle_connect",
    "send",
)
CLOSE_GRACE_S = 5.0
SEND_BUFFER_BYTES = 64 * 1024
FRAMES = "peer-assist.frames"


def text_frame(text: str) -> bytes:
    """One unfragmented, uncompressed server-to-client text frame (servers never mask)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self._finishing_seen = False
        _Closing.of(self.loop).add(self)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][FRAMES] = {"write": self.write_frame}

    def write_frame(self, frame: bytes) -> bool:
        """Write a frame made by `text_frame` now, if nothing could make that wrong."""
        if (
            self.disconnected
            or self.close_sent
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True

    def send_receive_event_to_app(self) -> None:
        # uvicorn logs a client's invalid UTF-8 as an error with a traceback; it is the
        # client's fault, not ours, so close with 1007 as the protocol says and log nothing.
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.conn.send_close(1007, "invalid UTF-8")
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    def connection_lost(self, exc: Exception | None) -> None:
        watch = _Closing.by_loop.get(self.loop)
        if watch is not None:
            watch.discard(self)
        super().connection_lost(exc)

    async def send(self, message: Any) -> None:
        held = not self.writable.is_set()
        if message["type"] == "websocket.close" and held and self.handshake_complete:
            self.writable.set()
            try:
                await super().send(message)
            finally:
                # Back as it was while the buffer is still full; resume_writing() sets it again
                # once drained. (Cleared below the high-water mark, nothing would ever set it.)
                _, high = self.transport.get_write_buffer_limits()
                if self.transport.get_write_buffer_size() > high:
                    self.writable.clear()
            return
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and self.close_sent:
            # The upgrade was answered, with an HTTP response of the app's own (a 404 for a
            # peer assist that is gone). uvicorn's protocol otherwise takes the app for one
            # that answered nothing, and logs an ERROR for every such refusal.
            self.handshake_complete = True

    def _watch_close(self) -> None:
        """Abort a connection seen closing at two looks in a row (see _Closing)."""
        if self.disconnected:
            return
        if self.transport.is_closing() or self.close_sent:
            if self._finishing_seen:
                self.transport.abort()
                return
            self._finishing_seen = True


class _Closing:
    """One timer for a worker's open connections: every CLOSE_GRACE_S it looks at each once.

    A timer per connection was the largest cost of an idle worker: each one made and ordered in
    the loop's heap every few seconds, to look at one flag (2,000 idle sockets cost 22 to 28 ms
    of CPU a second that way, and 15.5 to 16.7 ms with this one timer)."""

    by_loop: ClassVar[dict[asyncio.AbstractEventLoop, _Closing]] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.open: set[LiveWebSocketProtocol] = set()
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> _Closing:
        watch = cls.by_loop.get(loop)
        if watch is None:
            watch = cls.by_loop[loop] = cls(loop)
        return watch

    def add(self, protocol: LiveWebSocketProtocol) -> None:
        self.open.add(protocol)
        if self.timer is None:
            self.timer = self.loop.call_later(CLOSE_GRACE_S, self._look)

    def discard(self, protocol: LiveWebSocketProtocol) -> None:
        self.open.discard(protocol)
        if not self.open:
            # Nothing holds a loop that no connection uses any more (a test's, a restart's).
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            self.by_loop.pop(self.loop, None)

    def _look(self) -> None:
        self.timer = None
        for protocol in list(self.open):
            try:
                protocol._watch_close()
            except Exception:  # one connection's failure must not stop the looking
                log.exception("could not look at a closing websocket")
        if self.open:
            self.timer = self.loop.call_later(CLOSE_GRACE_S, self._look)


class IncompatibleDependency(RuntimeError):
    """A pinned dependency is not the version realtime/uvicorn_ws.py was tested with."""


def _release(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def compatibility_problems(installed: dict[str, str] | None = None) -> list[str]:
    """What is wrong with the installed uvicorn and websockets for this module, if anything."""
    installed = installed or {name: version(name) for name in TESTED}
    problems = []
    for name, (low, high) in TESTED.items():
        found = _release(installed[name])
        if not low <= found < high:
            wanted = f">={'.'.join(map(str, low))},<{'.'.join(map(str, high))}"
            problems.append(
                f"{name} {installed[name]} is installed, but app/realtime/uvicorn_ws.py subclasses "
                f"its private internals and was tested only with {name}{wanted}. Install that "
                f"range (pip install -e .), or re-run tests/realtime and the benchmark with the "
                f"new version, then widen TESTED and the pin in pyproject.toml together."
            )
    return problems


def check_compatible() -> None:
    """Refuse to serve on a uvicorn or websockets this module was not tested with."""
    problems = compatibility_problems()
    if problems:
        raise IncompatibleDependency("\n".join(problems))
