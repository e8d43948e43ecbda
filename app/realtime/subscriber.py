"""One live connection's place in the hub: what it has seen, and what waits to be sent."""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

from ..domain.rules import Actor
from .backends.base import PresenceEntry

Frame = tuple[int | None, str]


class Renderer(Protocol):
    """Turns events into frames for one kind of view. Equal keys mean equal frames."""

    name: str

    def key(self, event: dict, viewer: Actor) -> Hashable: ...
    def render(self, event: dict, viewer: Actor) -> str: ...
    def render_presence(self, presence: dict) -> str: ...


class SubscriberLost(Exception):
    """The subscriber fell too far behind, or missed events that can no longer be replayed."""


class Backlog:
    """A subscriber's frames waiting for its sender, in order.

    Most connections never queue anything (frames go straight to the socket), and a server
    holds tens of thousands of them: so no memory until the first frame, none again once
    drained, and one waiter at most (the connection's sender), unlike an asyncio.Queue's
    three deques and an Event per connection."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[Frame | None] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, frame: Frame | None) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(frame)
        self.wake()

    def get_nowait(self) -> Frame | None:
        if not self._items:
            raise asyncio.QueueEmpty
        frame = self._items.popleft()
        if not self._items:
            self._items = None
        return frame

    def clear(self) -> None:
        self._items = None

    def wake(self) -> None:
        """Let the waiting sender look again (a frame came, or the subscriber was lost)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self) -> None:
        """Until the next `wake`."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None


class Lost:
    """Whether a subscriber was let go; setting it wakes its sender to close the socket."""

    __slots__ = ("_backlog", "_set")

    def __init__(self, backlog: Backlog) -> None:
        self._set = False
        self._backlog = backlog

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        self._backlog.wake()


@dataclass(eq=False, slots=True)
class Subscriber:
    """One live connection's place in its room: what it has seen and what waits to be sent."""

    workshop_id: str
    viewer: Actor
    renderer: Renderer
    last_seq: int = 0
    limit: int = 1024
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    queue: Backlog = field(init=False)
    lost: Lost = field(init=False)
    # Writes a frame straight to the socket, or says no (see realtime/uvicorn_ws.py). Set
    # once the snapshot or replay is out: nothing may overtake it.
    write: Callable[[bytes], bool] | None = None
    # A frame taken from the queue is on its way: nothing may overtake it either.
    sending: bool = False
    # Set when the connection must close for good (its access was withdrawn): (code, reason).
    ended: tuple[int, str] | None = None
    # Called when the queue gets a frame or the subscriber is lost: the connection starts its
    # sender then, so a connection that is only ever written to directly has no task for it.
    on_news: Callable[[], None] | None = None
    # False while its snapshot or replay is being sent (web/live.py): its last seq is not yet
    # where it is, so the heal sweep must not read it as a connection that missed events.
    caught_up: bool = True

    def __post_init__(self) -> None:
        self.queue = Backlog()
        self.lost = Lost(self.queue)

    def _news(self) -> None:
        if self.on_news is not None:
            self.on_news()

    @property
    def presence_entry(self) -> PresenceEntry:
        return (self.conn_id, self.viewer.id, self.viewer.role.value)

    def end(self, code: int, reason: str) -> None:
        """Close this connection soon and send it nothing more."""
        if self.ended is None:
            self.ended = (code, reason)
        self.queue.clear()
        self.lose()

    def lose(self) -> None:
        """Let this connection go: it closes with 1013 and the client resumes with `since`."""
        self.lost.set()
        self._news()

    def offer(self, frame: Frame | None) -> None:
        """Queue a frame (None: check the record for missed events) without ever waiting."""
        if self.lost.is_set():
            return
        if self.queue.qsize() >= self.limit:
            # A reader this far behind is stuck; drop its backlog now rather than hold it, and
            # let it reconnect with `since` to catch up from the record.
            self.queue.clear()
            self.lose()
            return
        self.queue.put_nowait(frame)
        self._news()

    def deliver(self, seq: int | None, text: str, framed: bytes) -> None:
        """Write the frame now when it is next in line and the socket takes it, else queue it.

        Most deliveries go straight to the socket: one write, no task switch. Whatever could
        reorder or lose a frame (a backlog, a frame in flight, a gap in seq, a full buffer)
        sends it through the queue, where the order is kept and gaps are filled. A repeat
        (brokers may deliver twice) never gets here: the hub's fan-out skips it before it
        works out a view, and the queue would drop it too."""
        if (
            self.write is not None
            and not self.sending
            and self.queue.empty()
            and not self.lost.is_set()
            and (seq is None or seq == self.last_seq + 1)
            and self.write(framed)
        ):
            if seq is not None:
                self.last_seq = seq
            return
        self.offer((seq, text))
