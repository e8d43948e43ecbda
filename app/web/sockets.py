"""The live sockets' entrance: from the server straight to their handlers.

A live socket lasts for hours, and whatever its handler is called through stays in memory as
long: behind the HTTP middleware, the router and FastAPI's exit stacks (three per request),
that was about 10 KiB per socket, a quarter of its whole cost (bench/socket_memory.py, with
tracemalloc). None of it does anything for a websocket (the middleware let websockets
through untouched, and these handlers take no dependencies), so the live paths are matched
here, outside all of it, and each handler gets a plain WebSocket.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from . import html_stream, ws

Handler = Callable[[WebSocket, str], Awaitable[None]]
# (path pattern with the workshop id, handler); the same addresses API.md gives.
LIVE_PATHS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (re.compile(r"/api/v1/workshops/([^/]+)/events"), ws.events),
    (re.compile(r"/w/([^/]+)/live"), html_stream.live),
)


class LiveSockets:
    """ASGI middleware, added last (outermost): live websockets go to their handler, all
    else to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path = scope["path"]
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root) :]
            for pattern, handler in LIVE_PATHS:
                found = pattern.fullmatch(path)
                if found:
                    await handler(WebSocket(scope, receive, send), found[1])
                    return
        await self.app(scope, receive, send)
