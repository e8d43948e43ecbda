"""The same round trips against every backend (encode/broadcaster's one test for all), in
process: fan-out, gap filling from the record, RESYNC, and presence with expiry."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Hashable

import pytest

from app.domain.rules import Actor, Role
from app.realtime.backends import backend_for
from app.realtime.backends.base import RESYNC
from app.realtime.hub import CHANNEL_PREFIX, Hub, Subscriber, SubscriberLost
from tests.realtime.harness import RedisProcess


class Plain:
    name = "plain"

    def key(self, event: dict, viewer: Actor) -> Hashable:
        return None

    def render(self, event: dict, viewer: Actor) -> str:
        return json.dumps({"seq": event["seq"]})

    def render_presence(self, presence: dict) -> str:
        return json.dumps({"seq": None, "presence": presence})


class Record:
    """The events table, as far as the hub can tell."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, count: int) -> list[dict]:
        start = len(self.events)
        new = [{"seq": start + i + 1, "type": "t", "at": "", "data": {}} for i in range(count)]
        self.events += new
        return new

    async def fetch(self, workshop_id: str, after: int, until: int | None) -> list[dict]:
        return [e for e in self.events if e["seq"] > after and (until is None or e["seq"] <= until)]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def hub_and_record(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Hub, Record]]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    backend, presence = backend_for(url, presence_ttl_s=0.6)
    record = Record()
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=0.6)
    await hub.start()
    try:
        yield hub, record
    finally:
        await hub.stop()


async def take(hub: Hub, sub: Subscriber, count: int) -> list[int]:
    """The seqs of the next `count` event frames (presence frames are skipped)."""
    frames = hub.frames(sub)
    seqs: list[int] = []
    try:
        while len(seqs) < count:
            frame = json.loads(await asyncio.wait_for(anext(frames), 10))
            if frame["seq"] is not None:
                seqs.append(frame["seq"])
    finally:
        await frames.aclose()
    return seqs


def new_sub(workshop_id: str, pid: int = 1, role: Role = Role.visitor) -> Subscriber:
    return Subscriber(workshop_id, Actor(pid, role), Plain())


async def test_round_trip_in_order_and_once(hub_and_record: tuple[Hub, Record]) -> None:
    hub, record = hub_and_record
    sub = new_sub("w-round-trip")
    async with hub.subscription(sub):
        await hub.publish(sub.workshop_id, record.add(3))
        await hub.publish(sub.workshop_id, record.events[1:3])  # a repeat changes nothing
        await hub.publish(sub.workshop_id, record.add(1))
        assert await take(hub, sub, 4) == [1, 2, 3, 4]
        await hub.publish(sub.workshop_id, record.add(1))
        assert await take(hub, sub, 1) == [5]  # the repeats were dropped, not queued


async def test_a_lost_message_is_filled_from_the_record(hub_and_record: tuple[Hub, Record]) -> None:
    hub, record = hub_and_record
    sub = new_sub("w-gap")
    async with hub.subscription(sub):
        first, _lost, third = record.add(3)
        await hub.publish(sub.workshop_id, [first])
        await hub.publish(sub.workshop_id, [third])  # `_lost` never went through the broker
        assert await take(hub, sub, 3) == [1, 2, 3]


async def test_resync_makes_everyone_check_the_record(hub_and_record: tuple[Hub, Record]) -> None:
    hub, record = hub_and_record
    sub = new_sub("w-resync")
    async with hub.subscription(sub):
        record.add(2)  # committed, but their publish was lost with the broker
        hub._dispatch(RESYNC.channel, RESYNC.message)
        assert await take(hub, sub, 2) == [1, 2]


async def test_history_gone_means_lost_not_a_partial_replay(
    hub_and_record: tuple[Hub, Record],
) -> None:
    hub, record = hub_and_record
    sub = new_sub("w-pruned")
    async with hub.subscription(sub):
        record.add(5)
        del record.events[:3]  # pruned while this subscriber was behind
        await hub.publish(sub.workshop_id, record.events[-1:])
        with pytest.raises(SubscriberLost):
            await take(hub, sub, 1)


async def test_presence_across_connections_and_expiry(hub_and_record: tuple[Hub, Record]) -> None:
    hub, _ = hub_and_record
    wid = "w-presence"
    await hub.presence.join(wid, "c1", 7, "visitor")
    await hub.presence.join(wid, "c2", 7, "visitor")
    await hub.presence.join(wid, "c3", 9, "host")
    assert await hub.presence_of(wid) == {"online": [7, 9], "by_role": {"visitor": 1, "host": 1}}
    await hub.presence.leave(wid, "c3")
    assert (await hub.presence_of(wid))["online"] == [7]
    if type(hub.presence).__name__ == "RedisPresence":
        # Nobody refreshes these: like a worker that died, they expire after the TTL.
        await hub.presence.refresh(wid, [("c1", 7, "visitor")])
        await asyncio.sleep(1.0)
        assert await hub.presence_of(wid) == {"online": [], "by_role": {}}
    else:
        # A person stays online while any of their connections is open; a connection
        # that joins twice is still one connection.
        await hub.presence.join(wid, "c1", 7, "visitor")
        await hub.presence.leave(wid, "c1")
        assert (await hub.presence_of(wid))["online"] == [7]
        await hub.presence.leave(wid, "c2")
        assert await hub.presence_of(wid) == {"online": [], "by_role": {}}


async def test_a_live_subscriber_keeps_its_presence_alive(
    hub_and_record: tuple[Hub, Record],
) -> None:
    hub, _ = hub_and_record
    sub = new_sub("w-alive", pid=3, role=Role.host)
    async with hub.subscription(sub):
        await asyncio.sleep(1.5)  # more than twice the TTL: only the sweep keeps it
        assert (await hub.presence_of(sub.workshop_id))["online"] == [3]
    assert (await hub.presence_of(sub.workshop_id))["online"] == []


@pytest.mark.redis
async def test_redis_backend_reconnects_and_says_resync(own_redis: RedisProcess) -> None:
    backend, _ = backend_for(own_redis.url)
    await backend.connect()
    channel = CHANNEL_PREFIX + "w-reconnect"
    try:
        assert await asyncio.wait_for(backend.next_published(), 5) == RESYNC  # first connect
        await backend.subscribe(channel)
        own_redis.stop()
        with contextlib.suppress(Exception):
            await backend.publish(channel, "lost")  # nobody hears this: Redis is down
        own_redis.start()
        assert await asyncio.wait_for(backend.next_published(), 10) == RESYNC
        await backend.publish(channel, "after")
        published = await asyncio.wait_for(backend.next_published(), 5)
        assert (published.channel, published.message) == (channel, "after")
    finally:
        await backend.disconnect()
