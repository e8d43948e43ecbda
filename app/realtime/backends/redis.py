"""Fan-out across workers through Redis pub/sub, and presence as keys that expire.

Redis carries live messages only; it keeps nothing, and the hub repairs any loss from the
events table. After every (re)connection the backend says RESYNC so that each local subscriber
checks the record for what went by while nobody here was listening.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.backoff import NoBackoff
from redis.retry import Retry

from .base import RESYNC, PresenceEntry, Published

log = logging.getLogger(__name__)

# Subscribed first on every connection: its confirmation means all channels are live again.
CONTROL = "peer-assist:control"
BACKOFF_START_S = 0.1
BACKOFF_MAX_S = 2.0
PING_EVERY_S = 5.0
SUBSCRIBE_WAIT_S = 2.0


class RedisBackend:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client: Redis | None = None  # publish and presence
        self._sub_client: Redis | None = None
        self._pubsub: PubSub | None = None
        self._channels: set[str] = set()
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._queue: asyncio.Queue[Published] = asyncio.Queue()
        self._live = asyncio.Event()
        # Serialises (un)subscribe calls so Redis sees them in the order the hub made them.
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        # Short timeouts: a write must not hang on a broker that is gone; the hub then serves
        # this worker's clients itself and the others catch up from the database.
        common = {
            "decode_responses": True,
            "socket_connect_timeout": 1.0,
            "socket_timeout": 5.0,
            "socket_keepalive": True,
        }
        self.client = Redis.from_url(self.url, retry=Retry(NoBackoff(), 1), **common)
        # No silent retries on the subscriber connection: this class reconnects it itself, so
        # it knows to say RESYNC.
        self._sub_client = Redis.from_url(self.url, retry=Retry(NoBackoff(), 0), **common)
        self._reader = asyncio.create_task(self._run(), name="redis-subscriber")
        # Starting must not depend on Redis being up; give it a moment to be, though.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._live.wait(), SUBSCRIBE_WAIT_S)

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        for client in (self.client, self._sub_client):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def subscribe(self, channel: str) -> None:
        """Return once Redis confirms, so that nothing published afterwards can be missed."""
        async with self._lock:
            self._channels.add(channel)
            if self._pubsub is None:
                return  # subscribed on reconnecting, followed by RESYNC
            waiter = self._confirmed.get(channel)
            if waiter is None:
                waiter = self._confirmed[channel] = asyncio.get_running_loop().create_future()
            try:
                await self._pubsub.subscribe(channel)
            except Exception:
                log.warning("redis subscribe failed; will resubscribe on reconnect")
                return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), SUBSCRIBE_WAIT_S)

    async def unsubscribe(self, channel: str) -> None:
        async with self._lock:
            self._channels.discard(channel)
            if self._pubsub is not None:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(channel)

    @property
    def live(self) -> bool:
        """Whether the subscriber connection is up; while it is not, calls fail at once."""
        return self._live.is_set()

    def _check_live(self) -> Redis:
        # A broker that is down (or unreachable, where connecting would take a timeout) must
        # not slow down writes or snapshots: fail fast, and the hub works around it.
        if not self._live.is_set() or self.client is None:
            raise ConnectionError("redis is unavailable")
        return self.client

    async def publish(self, channel: str, message: str) -> None:
        await self._check_live().publish(channel, message)

    async def next_published(self) -> Published:
        return await self._queue.get()

    async def _run(self) -> None:
        delay = BACKOFF_START_S
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._live.is_set():
                    delay = BACKOFF_START_S
                log.warning("redis pub/sub unavailable (%s); retrying in %.1f s", exc, delay)
            finally:
                await self._drop_session()
            # Jitter spreads the reconnects of many workers after Redis comes back.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _session(self) -> None:
        assert self._sub_client is not None
        loop = asyncio.get_running_loop()
        async with self._lock:
            self._pubsub = self._sub_client.pubsub()
            await self._pubsub.subscribe(CONTROL, *self._channels)
        pubsub = self._pubsub
        heard = pinged = loop.time()
        while True:
            message = await pubsub.get_message(timeout=1.0)
            now = loop.time()
            if message is not None:
                heard = now
                self._handle(message)
            elif now - heard > 3 * PING_EVERY_S:
                # A half-open TCP connection reads nothing, forever; our pings went unanswered.
                raise ConnectionError("redis stopped answering pings")
            if now - pinged > PING_EVERY_S:
                pinged = now
                await pubsub.ping()

    def _handle(self, message: dict) -> None:
        kind, channel = message["type"], message["channel"]
        if kind == "message" and channel != CONTROL:
            self._queue.put_nowait(Published(channel, message["data"]))
        elif kind == "subscribe":
            if channel == CONTROL:
                # Every channel known so far was in the same SUBSCRIBE: all of them are live.
                self._live.set()
                self._queue.put_nowait(RESYNC)
            else:
                waiter = self._confirmed.pop(channel, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)

    async def _drop_session(self) -> None:
        self._live.clear()
        async with self._lock:
            pubsub, self._pubsub = self._pubsub, None
        for waiter in self._confirmed.values():
            if not waiter.done():
                waiter.set_result(None)  # the reconnect's RESYNC covers these channels
        self._confirmed.clear()
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()


class RedisPresence:
    """One key per live connection with a TTL, listed in a set per workshop.

    Redis expires the keys, so a worker that dies takes its connections with it after at most
    one TTL, without anyone's clock having to agree.
    """

    def __init__(self, backend: RedisBackend, *, ttl_s: float = 30.0) -> None:
        self.backend = backend
        self.ttl_ms = max(1, int(ttl_s * 1000))

    @property
    def _redis(self) -> Redis:
        return self.backend._check_live()

    @staticmethod
    def _members(workshop_id: str) -> str:
        # The hash tag keeps a workshop's keys in one slot on Redis Cluster.
        return f"peer-assist:presence:{{{workshop_id}}}"

    def _key(self, workshop_id: str, conn_id: str) -> str:
        return f"{self._members(workshop_id)}:{conn_id}"

    async def join(self, workshop_id: str, conn_id: str, participant_id: int, role: str) -> None:
        await self.refresh(workshop_id, [(conn_id, participant_id, role)])

    async def leave(self, workshop_id: str, conn_id: str) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._key(workshop_id, conn_id))
            pipe.srem(self._members(workshop_id), conn_id)
            await pipe.execute()

    async def refresh(self, workshop_id: str, entries: list[PresenceEntry]) -> None:
        if not entries:
            return
        members = self._members(workshop_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            # SET, not EXPIRE: after Redis restarts empty, this puts everyone back.
            for conn_id, participant_id, role in entries:
                pipe.set(
                    self._key(workshop_id, conn_id), f"{participant_id}:{role}", px=self.ttl_ms
                )
            pipe.sadd(members, *(conn_id for conn_id, _, _ in entries))
            pipe.pexpire(members, 2 * self.ttl_ms)
            await pipe.execute()

    async def online(self, workshop_id: str) -> list[tuple[int, str]]:
        members = self._members(workshop_id)
        conn_ids = sorted(await self._redis.smembers(members))
        if not conn_ids:
            return []
        values = await self._redis.mget([self._key(workshop_id, c) for c in conn_ids])
        expired = [c for c, v in zip(conn_ids, values, strict=True) if v is None]
        if expired:
            await self._redis.srem(members, *expired)
        found = set()
        for value in values:
            if value is not None:
                participant_id, _, role = value.partition(":")
                found.add((int(participant_id), role))
        return sorted(found)
