"""A websocket client of the public event stream that records every frame it gets."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect

from tests.statefold import apply


@dataclass
class Listener:
    """Follows one participant's event stream and folds it into a state."""

    url: str
    token: str
    state: dict | None = None
    seqs: list[int] = field(default_factory=list)
    frames: list[dict] = field(default_factory=list)
    presence: list[dict] = field(default_factory=list)
    ws: ClientConnection | None = None
    task: asyncio.Task | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def open(self, since: int | None = None) -> None:
        url = self.url if since is None else f"{self.url}?since={since}"
        self.ws = await connect(
            url,
            additional_headers={"Authorization": f"Bearer {self.token}"},
            compression=None,
            max_size=None,
        )
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            frame = json.loads(raw)
            self.frames.append(frame)
            if frame["type"] == "snapshot":
                self.state = frame["data"]
            elif frame["type"] == "presence.changed":
                assert frame["seq"] is None
                self.presence.append(frame["data"])
            else:
                self.seqs.append(frame["seq"])
                assert self.state is not None, "an event arrived before any snapshot"
                self.state = apply(self.state, frame)
            self.changed.set()

    @property
    def head(self) -> int:
        if self.seqs:
            return self.seqs[-1]
        return self.state["seq"] if self.state else -1

    async def wait_for_seq(self, seq: int, timeout: float = 10.0) -> None:
        await self.wait_until(lambda listener: listener.head >= seq, timeout)

    async def wait_until(self, seen: Callable[[Listener], bool], timeout: float = 10.0) -> None:
        """Until `seen` holds of what this listener has received: for what carries no seq."""

        async def reached() -> None:
            while not seen(self):
                self.changed.clear()
                if self.task is not None and self.task.done():
                    self.task.result()
                    raise AssertionError("stream closed before it was seen")
                await self.changed.wait()

        await asyncio.wait_for(reached(), timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task
