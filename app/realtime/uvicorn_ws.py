"""uvicorn's sans-I/O websocket protocol, but a connection that cannot close is cut off.

uvicorn ends a connection with `transport.close()`, which first flushes the write buffer. A peer
that stopped reading (a stuck tab, a laptop that vanished) never takes that buffer, so the
socket and its buffer would stay forever. Once a connection has been closing for a grace period
we abort it instead: the peer loses nothing it cannot get back with `since`.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

CLOSE_GRACE_S = 5.0


class LiveWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._closing_seen = False
        self._watch: asyncio.TimerHandle | None = self.loop.call_later(
            CLOSE_GRACE_S, self._watch_close)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        super().connection_lost(exc)

    def _watch_close(self) -> None:
        # One timer per connection, every few seconds: cheaper than a task, and enough.
        self._watch = None
        if self.disconnected:
            return
        if self.transport.is_closing():
            if self._closing_seen:
                self.transport.abort()
                return
            self._closing_seen = True
        self._watch = self.loop.call_later(CLOSE_GRACE_S, self._watch_close)
