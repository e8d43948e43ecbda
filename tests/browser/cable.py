"""A TCP proxy between the browser and the server, that a test can unplug and plug back."""

from __future__ import annotations

import asyncio
import contextlib

from tests.conftest import free_port


class Cable:
    """Unplugging drops every connection through it, the way a lost network does (the page
    sees an abnormal closure, 1006), and refuses new ones until it is plugged back."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.upstream_port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def plug(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def unplug(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            try:
                up_reader, up_writer = await asyncio.open_connection(
                    "127.0.0.1", self.upstream_port
                )
            except OSError:
                return
            self._writers.add(up_writer)
            try:
                await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
            finally:
                self._writers.discard(up_writer)
                up_writer.transport.abort()
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
            self._handlers.discard(task)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        # One side has gone: take the other down with it.
        writer.transport.abort()
