"""A lean HTTP/1.1 keep-alive transport for httpx, for the generator's writers.

httpx's stock transport (httpcore on anyio) costs about a millisecond of CPU per request on a
small VM, several times what the app spends answering it, so at a few hundred posts a second the
generator, not the server, would be measured. This keeps httpx's client API (requests, responses,
timeouts) and replaces only the wire: plain asyncio connections, one request at a time each,
reused while the server keeps them open. Content-Length bodies only (what the app answers).
Set BENCH_HTTPX_TRANSPORT=httpcore to use the stock transport instead.
"""

from __future__ import annotations

import asyncio

import httpx


class _Conn(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def connection_lost(self, exc) -> None:  # type: ignore[override]
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(httpx.RemoteProtocolError(f"connection lost: {exc}"))

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        self.buf += data
        w = self.waiter
        if w is None or w.done():
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            w.set_exception(httpx.RemoteProtocolError(f"bad status line {lines[0]!r}"))
            return
        headers = []
        length = 0
        keep = True
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k, v = k.strip().lower(), v.strip()
            headers.append((k, v))
            if k == "content-length":
                length = int(v)
            elif k == "connection" and v.lower() == "close":
                keep = False
            elif k == "transfer-encoding":
                w.set_exception(httpx.RemoteProtocolError("chunked answers are not supported"))
                return
        total = end + 4 + length
        if len(self.buf) < total:
            return
        body = bytes(self.buf[end + 4 : total])
        del self.buf[:total]
        w.set_result((status, headers, body, keep))


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[_Conn]] = {}
        self.all: set[_Conn] = set()

    async def _conn(self, host: str, port: int) -> _Conn:
        pool = self.idle.setdefault((host, port), [])
        while pool:
            c = pool.pop()
            if not c.closed:
                return c
        loop = asyncio.get_running_loop()
        _, c = await loop.create_connection(_Conn, host, port)
        self.all.add(c)
        return c

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        host, port = url.host, url.port or 80
        body = await request.aread()
        c = await self._conn(host, port)
        head = [f"{request.method} {url.raw_path.decode('ascii')} HTTP/1.1"]
        head += [f"{k.decode('latin-1')}: {v.decode('latin-1')}" for k, v in request.headers.raw]
        if body and "content-length" not in request.headers:
            head.append(f"content-length: {len(body)}")
        c.waiter = asyncio.get_running_loop().create_future()
        c.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            status, headers, content, keep = await c.waiter
        except BaseException:
            c.transport.abort()
            self.all.discard(c)
            raise
        finally:
            c.waiter = None
        if keep and not c.closed:
            self.idle[(host, port)].append(c)
        else:
            c.transport.close()
            self.all.discard(c)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        for c in self.all:
            if c.transport is not None:
                c.transport.close()
        self.all.clear()
        self.idle.clear()
