"""The two small interfaces a fan-out backend provides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Published:
    """A message from a channel, or (channel None) word that messages may have been lost."""

    channel: str | None
    message: str


RESYNC = Published(None, "")

# One live connection as presence knows it: (connection id, participant id, role).
PresenceEntry = tuple[str, int, str]


class Backend(Protocol):
    """Carries live messages between workers; may lose some, never reorders one publisher's.

    A backend that stays in one process may also offer `deliver_to(receiver)`: the hub then
    gets each message within `publish` instead of reading `next_published` (MemoryBackend)."""

    async def connect(self) -> None: ...
    async def disconnect(self) -> None: ...
    async def subscribe(self, channel: str) -> None: ...
    async def unsubscribe(self, channel: str) -> None: ...
    async def publish(self, channel: str, message: str) -> None: ...
    async def next_published(self) -> Published: ...


class Presence(Protocol):
    """Who has a live connection, per workshop, across every worker."""

    async def join(
        self, workshop_id: str, conn_id: str, participant_id: int, role: str
    ) -> None: ...

    async def leave(self, workshop_id: str, conn_id: str) -> None: ...

    async def refresh(self, workshop_id: str, entries: list[PresenceEntry]) -> None:
        """Re-assert this worker's live connections; entries not refreshed in time expire."""
        ...

    async def online(self, workshop_id: str) -> list[tuple[int, str]]: ...
