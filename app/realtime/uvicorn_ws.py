"""uvicorn's sans-I/O websocket protocol, made to let go of peers that stop reading.

Three changes, all about a peer that no longer reads (a stuck tab, a laptop that vanished):
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
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

CLOSE_GRACE_S = 5.0
SEND_BUFFER_BYTES = 64 * 1024


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self._finishing_seen = False
        self._watch: asyncio.TimerHandle | None = self.loop.call_later(
            CLOSE_GRACE_S, self._watch_close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
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

    def _watch_close(self) -> None:
        # One timer per connection, every few seconds: cheaper than a task, and enough.
        self._watch = None
        if self.disconnected:
            return
        if self.transport.is_closing() or self.close_sent:
            if self._finishing_seen:
                self.transport.abort()
                return
            self._finishing_seen = True
        self._watch = self.loop.call_later(CLOSE_GRACE_S, self._watch_close)
