"""Refuse request bodies over the limit before they are read into memory, and bodies that
do not arrive in time.

A client that declares 100 bytes and sends 10 would otherwise hold a connection, and the
request's task, open for ever: from the first read, the whole body must arrive within
`timeout_s`, else the answer is 408 and the connection is closed. (A reverse proxy in front
should also bound header and body reads: see docs/deploying.md.)
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimeout(Exception):
    """The request body did not arrive within the deadline."""


class BodyLimit:
    """Answer 413 to a body over `max_bytes`, declared or streamed (chunked), and 408 to one
    that does not arrive within `timeout_s`."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or len(declared) > 18 or int(declared) > self.max_bytes
        ):
            await self._refuse(send)
            return
        seen = 0
        too_large = False
        timed_out = False
        refused = False
        body_done = False
        deadline: float | None = None
        loop = asyncio.get_running_loop()

        async def limited_receive() -> Message:
            nonlocal seen, too_large, timed_out, body_done, deadline
            if too_large:
                return {"type": "http.disconnect"}
            if body_done:
                # After the body, a read waits for the client to leave: no deadline there.
                return await receive()
            if deadline is None:
                deadline = loop.time() + self.timeout_s
            try:
                # In this task (wait_for would start one per read, and a body that has already
                # arrived would still wait a turn of the loop).
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                # Raised into the app, so that it acts on no part of the body; its answer
                # (an error) is replaced by 408 below.
                timed_out = True
                raise BodyTimeout from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
                if seen > self.max_bytes:
                    # Hand the app an ended, empty body rather than raise: frameworks turn a
                    # raise while parsing into a 400. Its answer is replaced by 413 below.
                    too_large = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal refused
            if too_large or timed_out:
                if not refused:
                    refused = True
                    await (self._refuse(send) if too_large else self._too_slow(send))
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTimeout:
            if not refused:
                refused = True
                await self._too_slow(send)

    async def _too_slow(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": "The request body did not arrive in time; please send it again.",
                "code": "request_timeout",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 408,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body may still come: this connection is done with.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": f"The request is larger than {self.max_bytes // 1024} KiB.",
                "code": "too_large",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
