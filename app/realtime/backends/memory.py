"""In-process fan-out for one worker: the default when REDIS_URL is empty."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from .base import PresenceEntry, Published


class MemoryBackend:
    """One worker's channels. With a receiver (`deliver_to`), a message reaches it within the
    publisher's own call, as the bare relay's `broadcast()` does: a card's frames leave before
    its answer, with no queue and no task to wake between them. Without one, messages queue
    for `next_published`."""

    def __init__(self) -> None:
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[Published] = asyncio.Queue()
        self._receiver: Callable[[Published], None] | None = None

    def deliver_to(self, receiver: Callable[[Published], None] | None) -> None:
        """Hand messages to `receiver` from now on (None: queue them again), first any that
        were queued before it came."""
        self._receiver = receiver
        while receiver is not None and not self._queue.empty():
            receiver(self._queue.get_nowait())

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)

    async def publish(self, channel: str, message: str) -> None:
        if channel in self._channels:
            if self._receiver is not None:
                self._receiver(Published(channel, message))
            else:
                self._queue.put_nowait(Published(channel, message))

    async def next_published(self) -> Published:
        return await self._queue.get()


class MemoryPresence:
    def __init__(self) -> None:
        self._conns: dict[str, dict[str, tuple[int, str]]] = {}
        # How many connections each person has open, so that who is online costs the number
        # of people in the room, not of their sockets (a crowd connecting asks once each).
        self._people: dict[str, Counter[tuple[int, str]]] = {}

    async def join(self, workshop_id: str, conn_id: str, participant_id: int, role: str) -> None:
        await self.leave(workshop_id, conn_id)  # a connection is one person, once
        self._conns.setdefault(workshop_id, {})[conn_id] = (participant_id, role)
        self._people.setdefault(workshop_id, Counter())[(participant_id, role)] += 1

    async def leave(self, workshop_id: str, conn_id: str) -> None:
        conns = self._conns.get(workshop_id, {})
        entry = conns.pop(conn_id, None)
        if entry is not None:
            people = self._people[workshop_id]
            people[entry] -= 1
            if not people[entry]:
                del people[entry]
        if not conns:
            self._conns.pop(workshop_id, None)
            self._people.pop(workshop_id, None)

    async def refresh(self, workshop_id: str, entries: list[PresenceEntry]) -> None:
        # One process: a connection is here exactly as long as it is open; nothing expires.
        pass

    async def online(self, workshop_id: str) -> list[tuple[int, str]]:
        return sorted(self._people.get(workshop_id, ()))
