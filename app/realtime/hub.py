"""The hub: publish committed events, fan them out to local connections, fill any gap.

Only the write path publishes, and only after commit. The backend carries live events between
workers; it may drop some (Redis pub/sub keeps nothing), so every subscriber tracks the last seq
it delivered and fetches whatever it missed from the events table, which is the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from ..compact_json import dumps
from .access import ACCESS_CHANNEL, Access, FetchMembers
from .backends.base import Backend, Presence, Published
from .subscriber import Backlog, Frame, Lost, Renderer, Subscriber, SubscriberLost
from .uvicorn_ws import text_frame

# Where the rest of the app and the tests have always found them.
__all__ = [
    "Backlog",
    "Frame",
    "Hub",
    "Lost",
    "Renderer",
    "Subscriber",
    "SubscriberLost",
]

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "peer-assist:workshop:"
# Fetch events of a workshop with after < seq <= until (until None: to the head), in order.
FetchEvents = Callable[[str, int, int | None], Awaitable[list[dict]]]
# Tells every worker to look at the record for a workshop, and to recount who is online.
CHECK = '{"check":1}'
PRESENCE_MOVED = '{"presence":1}'
RETRY_MAX_S = 2.0
# After a presence broadcast, news of arrivals and departures is gathered this long first.
PRESENCE_SETTLE_S = 0.25
# A room's read of the record with more events than this is not pushed to everyone: each
# connection pulls it at its own pace (a push would fill a slower socket's queue and drop it).
PUSH_MAX = 64


@dataclass(eq=False)
class Room:
    subscribers: set[Subscriber] = field(default_factory=set)
    presence: dict | None = None
    # Set once the backend listens to this room: nobody reads a snapshot before that.
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # One presence recount at a time per room; news arriving meanwhile asks for one more.
    recounting: bool = False
    recount_again: bool = False
    recount_refresh: bool = False
    # People waiting for news of the room without being in it (the lobby): set on every
    # event or check, never counted as online.
    watchers: set[asyncio.Event] = field(default_factory=set)
    # A seq the record held and nobody here had at the last heal sweep (Hub._heal).
    suspect: int | None = None

    @property
    def empty(self) -> bool:
        return not self.subscribers and not self.watchers


def events_message(events: list[dict]) -> str:
    """What the broker carries for committed events (`Hub._dispatch` reads it)."""
    return dumps({"events": events})


def presence_summary(online: list[tuple[int, str]]) -> dict:
    by_role: dict[str, int] = {}
    for _, role in online:
        by_role[role] = by_role.get(role, 0) + 1
    return {"online": sorted({pid for pid, _ in online}), "by_role": by_role}


class Hub:
    def __init__(
        self,
        backend: Backend,
        presence: Presence,
        fetch_events: FetchEvents,
        *,
        presence_ttl_s: float = 30.0,
        fetch_members: FetchMembers | None = None,
    ) -> None:
        self.backend = backend
        self.presence = presence
        self.fetch_events = fetch_events
        self.presence_ttl_s = presence_ttl_s
        self.rooms: dict[str, Room] = {}
        self._tasks: set[asyncio.Task] = set()
        self._unsent: set[str] = set()
        self._retrying: asyncio.Task | None = None
        self.access = Access(self, fetch_members)
        # A backend in this process hands messages over within publish (MemoryBackend).
        self._deliver_to = getattr(backend, "deliver_to", None)

    async def start(self) -> None:
        await self.backend.connect()
        try:
            await self.backend.subscribe(ACCESS_CHANNEL)
        except Exception:
            log.warning("subscribe to withdrawals failed; the backend's RESYNC will repair it")
        if self._deliver_to is not None:  # in process: delivered as it is published
            self._deliver_to(self._receive)
        else:
            self._spawn(self._listen(), "hub-listener")
        self._spawn(self._sweep_presence(), "hub-presence")

    async def stop(self) -> None:
        if self._deliver_to is not None:  # nothing published after this reaches a stopped hub
            self._deliver_to(None)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.backend.disconnect()

    def _spawn(self, coro: Awaitable[None], name: str) -> asyncio.Task:
        # Keep a reference: an unreferenced task can be collected mid-flight.
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def publish(self, workshop_id: str, events: list[dict]) -> None:
        """Send committed events to every worker. A lost publish is repaired from the record."""
        if events:
            await self._send(workshop_id, events_message(events))

    async def _send(self, workshop_id: str, message: str) -> None:
        try:
            await self.backend.publish(CHANNEL_PREFIX + workshop_id, message)
        except Exception as exc:
            log.warning("publish failed (%r); serving this worker's clients, retrying", exc)
            # Without the broker this worker's own clients still get the news at once; the
            # other workers are told to check the record as soon as the broker is back.
            self._receive(Published(CHANNEL_PREFIX + workshop_id, message))
            self._unsent.add(workshop_id)
            if self._retrying is None or self._retrying.done():
                self._retrying = self._spawn(self._retry_unsent(), "hub-retry")

    @property
    def hearing(self) -> bool:
        """Whether this worker hears the broker now, and so would hear of a withdrawal."""
        return bool(getattr(self.backend, "live", True))

    async def _retry_unsent(self) -> None:
        delay = 0.2
        while self._unsent:
            await asyncio.sleep(delay)
            for workshop_id in list(self._unsent):
                try:
                    await self.backend.publish(CHANNEL_PREFIX + workshop_id, CHECK)
                except Exception:
                    break
                self._unsent.discard(workshop_id)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _enter(self, workshop_id: str) -> Room:
        """The room of a workshop, listening to the backend before anyone reads the record."""
        room = self.rooms.get(workshop_id)
        while room is not None:
            await room.ready.wait()
            if self.rooms.get(workshop_id) is room:
                return room  # still open: nobody emptied it while we waited
            room = self.rooms.get(workshop_id)
        room = self.rooms[workshop_id] = Room()
        try:
            await self.backend.subscribe(CHANNEL_PREFIX + workshop_id)
        except Exception:
            log.warning("subscribe failed; the backend's RESYNC will repair it")
        finally:
            room.ready.set()
        return room

    async def _leave_if_empty(self, workshop_id: str, room: Room) -> None:
        if room.empty and self.rooms.get(workshop_id) is room:
            del self.rooms[workshop_id]
            with contextlib.suppress(Exception):
                await self.backend.unsubscribe(CHANNEL_PREFIX + workshop_id)

    @contextlib.asynccontextmanager
    async def subscription(self, sub: Subscriber) -> AsyncIterator[Subscriber]:
        """Register a live connection. Subscribed before the caller reads its snapshot."""
        room = await self._enter(sub.workshop_id)
        room.subscribers.add(sub)
        try:
            try:
                await self.presence.join(sub.workshop_id, *sub.presence_entry)
            except Exception as exc:
                log.warning("presence join failed (%r); the next sweep adds it", exc)
            await self._send(sub.workshop_id, PRESENCE_MOVED)
            yield sub
        finally:
            room.subscribers.discard(sub)
            await self._leave_if_empty(sub.workshop_id, room)
            with contextlib.suppress(Exception):
                await self.presence.leave(sub.workshop_id, sub.conn_id)
            with contextlib.suppress(Exception):
                await self._send(sub.workshop_id, PRESENCE_MOVED)

    @contextlib.asynccontextmanager
    async def watch(self, workshop_id: str) -> AsyncIterator[asyncio.Event]:
        """An event set whenever something is written in the workshop (or may have been).

        For someone outside the room, such as a person in the lobby: they hear that something
        changed, read the record themselves, and are never counted as online."""
        room = await self._enter(workshop_id)
        news = asyncio.Event()
        room.watchers.add(news)
        try:
            yield news
        finally:
            room.watchers.discard(news)
            await self._leave_if_empty(workshop_id, room)

    async def presence_of(self, workshop_id: str) -> dict:
        try:
            return presence_summary(await self.presence.online(workshop_id))
        except Exception as exc:
            # Said at debug level: while the broker is down this happens on every snapshot.
            log.debug("presence unavailable (%r); answering from this worker", exc)
            room = self.rooms.get(workshop_id)
            if room is None:
                return presence_summary([])
            if room.presence is not None:
                return room.presence
            return presence_summary([e[1:] for e in (s.presence_entry for s in room.subscribers)])

    async def frames(self, sub: Subscriber) -> AsyncIterator[str]:
        """The subscriber's frames in seq order, each once, missed ones fetched from the record.
        Ends when the subscriber is lost."""
        while True:
            sub.sending = False
            while sub.queue.empty() and not sub.lost.is_set():
                await sub.queue.wait()
            if sub.lost.is_set():
                return  # let go: the connection closes (1013) and the client resumes
            frame = sub.queue.get_nowait()
            sub.sending = True
            if frame is None:
                async for text in self._fill(sub, None):
                    yield text
                continue
            seq, text = frame
            if seq is None:
                yield text
                continue
            if seq <= sub.last_seq:
                continue
            if seq > sub.last_seq + 1:
                async for missed in self._fill(sub, seq - 1):
                    yield missed
                if sub.last_seq != seq - 1:
                    raise SubscriberLost("missed events are no longer kept")
            sub.last_seq = seq
            yield text

    async def _fill(self, sub: Subscriber, until: int | None) -> AsyncIterator[str]:
        """Events after the subscriber's last seq up to `until` (None: the head), page by page."""
        while until is None or sub.last_seq < until:
            page = await self.fetch_events(sub.workshop_id, sub.last_seq, until)
            if not page:
                return
            for event in page:
                if event["seq"] != sub.last_seq + 1:
                    raise SubscriberLost("missed events are no longer kept")
                sub.last_seq = event["seq"]
                yield sub.renderer.render(event, sub.viewer)

    # Fan-out: one task reads a broker's messages (in process, `_receive` is called as each is
    # published) and only ever queues or writes without waiting, so no reader can stall it.

    async def _listen(self) -> None:
        while True:
            try:
                published = await self.backend.next_published()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hub listener failed; retrying")
                await asyncio.sleep(0.5)
                continue
            self._receive(published)

    def _receive(self, published: Published) -> None:
        try:
            self._dispatch(published.channel, published.message)
        except Exception:
            log.exception("could not dispatch a published message")

    def _dispatch(self, channel: str | None, message: str) -> None:
        if channel is None:  # the backend may have lost messages: everyone checks the record
            self.access.resync()
            for room in self.rooms.values():
                for news in room.watchers:
                    news.set()
            for workshop_id in list(self.rooms):
                self._check(workshop_id, refresh=True)
            return
        if channel == ACCESS_CHANNEL:
            self.access.received(message)
            return
        workshop_id = channel.removeprefix(CHANNEL_PREFIX)
        room = self.rooms.get(workshop_id)
        if room is None:
            return
        payload = json.loads(message)
        if "events" in payload or "check" in payload:
            for news in room.watchers:
                news.set()
        if "events" not in payload:
            if "check" in payload:
                self._check(workshop_id)
            else:
                self._recount(workshop_id)
            return
        self._fan_out(room, payload["events"])

    def _fan_out(self, room: Room, events: list[dict]) -> None:
        """Each event to everyone in the room, rendered once per view and audience."""
        for event in events:
            seq = event["seq"]
            rendered: dict[Hashable, tuple[str, bytes]] = {}
            for sub in room.subscribers:
                if seq <= sub.last_seq:
                    continue  # a repeat for it (brokers may deliver twice): no view to work out
                try:
                    key = (sub.renderer.name, sub.renderer.key(event, sub.viewer))
                    frame = rendered.get(key)
                    if frame is None:
                        text = sub.renderer.render(event, sub.viewer)
                        frame = rendered[key] = (text, text_frame(text))
                except Exception:
                    # One view's failure must not cost the rest of the room this event: this
                    # subscriber is let go (it resumes with `since`), the others carry on.
                    log.exception("could not render %s for %s", event["type"], sub.renderer.name)
                    sub.lose()
                    continue
                try:
                    sub.deliver(seq, *frame)
                except Exception:  # as above: this connection only
                    log.exception("could not deliver %s to %s", event["type"], sub.conn_id)
                    sub.lose()

    def _check(self, workshop_id: str, *, refresh: bool = False) -> None:
        """Everyone here looks in the record for events the broker may have lost."""
        room = self.rooms.get(workshop_id)
        if room is None:
            return
        # Live connections with nothing pending share one read; the others (catching up, or
        # with frames waiting) read for themselves, at their own pace.
        live = []
        for sub in room.subscribers:
            if _idle(sub):
                live.append(sub)
            else:
                sub.offer(None)
        if live:
            after = min(sub.last_seq for sub in live)
            self._spawn(self._read_for(workshop_id, room, after), "hub-check")
        self._recount(workshop_id, refresh=refresh)

    async def _read_for(self, workshop_id: str, room: Room, after: int) -> None:
        """One read of the record for the room, sent like a published event: after a broker's
        blip, a worker's thousands of connections do not each read the record at once."""
        try:
            await self._send_read(workshop_id, room, after)
        except Exception:
            log.warning("could not read %s's record for its room", workshop_id, exc_info=True)
            for sub in room.subscribers:
                sub.offer(None)

    async def _send_read(self, workshop_id: str, room: Room, after: int) -> None:
        """The events after `after`, pushed to the room when short, else pulled by each."""
        events = await self.fetch_events(workshop_id, after, after + PUSH_MAX + 1)
        if len(events) > PUSH_MAX:
            for sub in room.subscribers:
                sub.offer(None)
        else:
            self._fan_out(room, events)

    def _recount(self, workshop_id: str, *, refresh: bool = False) -> None:
        """Recount who is online soon. A crowd reconnecting at once costs a few recounts, not
        one per connection per worker."""
        room = self.rooms.get(workshop_id)
        if room is None:
            return
        room.recount_refresh |= refresh
        if room.recounting:
            room.recount_again = True
            return
        room.recounting = True
        self._spawn(self._recount_loop(workshop_id, room), "hub-presence")

    async def _recount_loop(self, workshop_id: str, room: Room) -> None:
        try:
            while True:
                room.recount_again = False
                refresh, room.recount_refresh = room.recount_refresh, False
                try:
                    await self._broadcast_presence(workshop_id, refresh=refresh)
                except Exception:
                    log.warning("presence recount failed for %s", workshop_id, exc_info=True)
                # News arriving shortly after waits for one more recount: a room filling up
                # costs a few broadcasts to everyone in it, not one per person arriving.
                await asyncio.sleep(PRESENCE_SETTLE_S)
                if not room.recount_again:
                    return
        finally:
            room.recounting = False

    async def _broadcast_presence(self, workshop_id: str, *, refresh: bool = False) -> None:
        room = self.rooms.get(workshop_id)
        if room is None:
            return
        if refresh:  # a broker that restarted empty has forgotten who is here
            with contextlib.suppress(Exception):
                await self.presence.refresh(
                    workshop_id, [s.presence_entry for s in room.subscribers]
                )
        summary = await self.presence_of(workshop_id)
        if summary == room.presence:
            return
        room.presence = summary
        rendered: dict[str, tuple[str, bytes]] = {}
        for sub in list(room.subscribers):
            name = sub.renderer.name
            if name not in rendered:
                text = sub.renderer.render_presence(summary)
                rendered[name] = (text, text_frame(text))
            sub.deliver(None, *rendered[name])

    async def _sweep_presence(self) -> None:
        """Keep this worker's connections alive in presence and notice others' expiring."""
        while True:
            await asyncio.sleep(self.presence_ttl_s / 3)
            for workshop_id, room in list(self.rooms.items()):
                try:
                    await self._broadcast_presence(workshop_id, refresh=True)
                    await self._heal(workshop_id, room)
                except Exception:
                    log.warning("presence sweep failed for %s", workshop_id, exc_info=True)

    async def _heal(self, workshop_id: str, room: Room) -> None:
        """Catch an event whose publish never happened (its worker died just after commit).

        An event the record holds and someone here with nothing pending lacks is nearly always
        on its way: it is published right after its commit, and a busy loop may not have
        dispatched it yet. So only one still missing a sweep later counts as lost. The room
        then reads what it missed once and sends it as a published event: one read, not one
        per connection (the bench saw every sweep under load send a whole room to the record
        at once). The lowest such connection decides, not the highest: the dead worker's
        clients reconnecting here bring the lost event with their snapshots."""
        subs = [sub for sub in room.subscribers if _idle(sub)]
        suspect, room.suspect = room.suspect, None
        if not subs:
            return
        low = min(sub.last_seq for sub in subs)
        if suspect is not None and suspect > low:
            try:
                await self._send_read(workshop_id, room, low)
            except Exception:
                room.suspect = suspect  # still missing: healed at the next sweep
                raise
            return
        # At most one row: enough to know whether the record is ahead of someone here.
        ahead = await self.fetch_events(workshop_id, low, low + 1)
        if ahead:
            room.suspect = ahead[0]["seq"]


def _idle(sub: Subscriber) -> bool:
    """Caught up, with nothing queued or on its way: its last seq is all it has and will have."""
    return sub.caught_up and not sub.sending and sub.queue.empty() and not sub.lost.is_set()
