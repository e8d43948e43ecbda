"""A TCP proxy on loopback that a test can cut and restore, to take a service away for real.

Cut: every connection through it is reset and new ones are refused, as when the database's
host restarts or the network between drops. Vanish: new ones are refused, and the open ones hear
nothing until their side sends, which is answered with a reset, as when a host reboots without
a word or its address moves to another. Restore: it forwards again (new connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from tests.conftest import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.Task] = set()
        self.writers: set[asyncio.StreamWriter] = set()
        self.vanished: set[asyncio.StreamWriter] = set()  # clients of a host that went away
        self.connections = 0

    async def start(self) -> None:
        """Listen (again) on the same port."""
        if self.server is None:
            self.server = await asyncio.start_server(
                self._link, "127.0.0.1", self.port, reuse_address=True
            )

    def _stop_listening(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    async def cut(self) -> None:
        """Stop listening and reset every open connection."""
        self._stop_listening()
        for writer in list(self.writers):
            _reset(writer)
        for task in list(self.links):
            task.cancel()
        await asyncio.gather(*self.links, return_exceptions=True)

    async def vanish(self) -> None:
        """Stop listening; every open connection goes silent, and is reset when its client
        next sends."""
        self._stop_listening()
        self.vanished |= self.writers

    async def restore(self) -> None:
        await self.start()

    async def stop(self) -> None:
        await self.cut()

    async def _link(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self.writers |= {client_w, server_w}
        pumps = [
            asyncio.ensure_future(self._pump(client_r, server_w, self._gone(client_w))),
            asyncio.ensure_future(self._pump(server_r, client_w, self._gone(client_w))),
        ]
        self.links.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
                self.links.discard(pump)
            for writer in (client_w, server_w):
                self.writers.discard(writer)
                writer.transport.abort()

    def _gone(self, client: asyncio.StreamWriter):  # type: ignore[no-untyped-def]
        def gone() -> bool:
            if client not in self.vanished:
                return False
            _reset(client)  # what the client sent reaches a host that no longer knows it
            return True

        return gone

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gone) -> None:  # type: ignore[no-untyped-def]
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if gone():
                    return
                writer.write(data)
                await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a reset (SO_LINGER 0), as a vanished host's peer would see it."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    writer.transport.abort()
