"""The heal sweep: an event nobody published still reaches every screen, and one that is merely
on its way sends nobody to the record.

In process, without clocks: each test runs the sweep's heal itself, twice where the sweep would
run twice, ten seconds apart. Under load, a card is often committed and not yet dispatched when
the sweep looks; the bench saw each such sweep send every connection of a busy room to read the
record at once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator

from app.realtime.backends import backend_for
from app.realtime.hub import PUSH_MAX, Hub, Subscriber
from tests.realtime.test_backends import Record, new_sub
from tests.realtime.test_direct_delivery import Socket, settle

ROOM = 5


class CountingRecord(Record):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[int, int | None]] = []

    async def fetch(self, workshop_id: str, after: int, until: int | None) -> list[dict]:
        self.reads.append((after, until))
        return await super().fetch(workshop_id, after, until)


@contextlib.asynccontextmanager
async def a_room(
    workshop_id: str,
) -> AsyncIterator[tuple[Hub, CountingRecord, list[Subscriber], list[Socket]]]:
    """A hub with a room of connections whose snapshots are out (written to directly)."""
    record = CountingRecord()
    backend, presence = backend_for("", presence_ttl_s=30)
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    await hub.start()
    subs = [new_sub(workshop_id, pid=i) for i in range(1, ROOM + 1)]
    sockets = [Socket() for _ in subs]
    try:
        async with contextlib.AsyncExitStack() as stack:
            for sub in subs:
                await stack.enter_async_context(hub.subscription(sub))
            await settle()
            for sub, socket in zip(subs, sockets, strict=True):
                sub.queue.clear()  # the presence news of joining, as if sent
                sub.write = socket.write
            yield hub, record, subs, sockets
    finally:
        await hub.stop()


async def sweep(hub: Hub, workshop_id: str) -> None:
    await hub._heal(workshop_id, hub.rooms[workshop_id])
    await settle()


def event_seqs(socket: Socket) -> list[int]:
    return [seq for seq in socket.seqs() if seq is not None]


async def test_an_event_on_its_way_at_a_sweep_sends_nobody_to_the_record() -> None:
    async with a_room("w-heal-in-flight") as (hub, record, subs, sockets):
        committed = record.add(1)  # committed; its publish has not been dispatched yet
        await sweep(hub, "w-heal-in-flight")
        assert all(sub.queue.empty() for sub in subs)
        await hub.publish("w-heal-in-flight", committed)
        await settle()
        await sweep(hub, "w-heal-in-flight")
        for sub, socket in zip(subs, sockets, strict=True):
            assert event_seqs(socket) == [1]
            assert sub.queue.empty() and not sub.lost.is_set()
        # Each sweep asked the record one question for the room, none per connection.
        assert record.reads == [(0, 1), (1, 2)]


async def test_an_event_nobody_published_reaches_every_screen_from_one_read() -> None:
    async with a_room("w-heal-lost") as (hub, record, subs, sockets):
        await hub.publish("w-heal-lost", record.add(1))
        await settle()
        record.add(2)  # committed by a worker that died before it published
        await sweep(hub, "w-heal-lost")
        assert [event_seqs(s) for s in sockets] == [[1]] * ROOM  # maybe still on its way
        await sweep(hub, "w-heal-lost")  # still missing a sweep later: lost
        for sub, socket in zip(subs, sockets, strict=True):
            assert event_seqs(socket) == [1, 2, 3]
            assert sub.queue.empty() and sub.last_seq == 3
        assert record.reads == [(1, 2), (1, 2 + PUSH_MAX)]
        await sweep(hub, "w-heal-lost")  # healed: nothing more to send
        assert [event_seqs(s) for s in sockets] == [[1, 2, 3]] * ROOM


async def test_a_connection_behind_the_others_still_gets_every_event_once_in_order() -> None:
    async with a_room("w-heal-behind") as (hub, record, subs, sockets):
        await hub.publish("w-heal-behind", record.add(2))
        await settle()
        sockets[0].full = True  # its buffer is full: what comes next waits in its queue
        await hub.publish("w-heal-behind", record.add(1))
        await settle()
        record.add(1)  # never published
        await sweep(hub, "w-heal-behind")
        await sweep(hub, "w-heal-behind")
        for socket in sockets[1:]:
            assert event_seqs(socket) == [1, 2, 3, 4]
        sockets[0].full = False
        frames = hub.frames(subs[0])  # its sender catches up from its queue
        seqs = [json.loads(await anext(frames))["seq"] for _ in range(2)]
        assert event_seqs(sockets[0]) + seqs == [1, 2, 3, 4]
        await frames.aclose()


async def test_after_the_broker_may_have_lost_messages_a_room_reads_the_record_once() -> None:
    async with a_room("w-resync") as (hub, record, subs, sockets):
        await hub.publish("w-resync", record.add(1))
        await settle()
        record.add(2)  # published while this worker's broker connection was down
        hub._dispatch(None, "")  # the backend says it may have lost messages
        await settle()
        for sub, socket in zip(subs, sockets, strict=True):
            assert event_seqs(socket) == [1, 2, 3]
            assert sub.queue.empty() and sub.last_seq == 3
        assert record.reads == [(1, 2 + PUSH_MAX)]


async def test_a_newcomer_with_the_lost_event_does_not_hide_it_from_the_others() -> None:
    # The dead worker's clients reconnect here, their snapshots holding what it never sent.
    async with a_room("w-heal-newcomer") as (hub, record, _subs, sockets):
        await hub.publish("w-heal-newcomer", record.add(1))
        await settle()
        record.add(1)
        await sweep(hub, "w-heal-newcomer")
        newcomer = new_sub("w-heal-newcomer", pid=99)
        async with hub.subscription(newcomer):
            await settle()
            newcomer.queue.clear()
            newcomer.last_seq, newcomer.write = 2, Socket().write
            await sweep(hub, "w-heal-newcomer")
            assert [event_seqs(s) for s in sockets] == [[1, 2]] * ROOM


async def test_a_read_too_long_to_push_is_pulled_by_each_connection_at_its_own_pace() -> None:
    async with a_room("w-heal-long") as (hub, record, subs, sockets):
        await hub.publish("w-heal-long", record.add(1))
        await settle()
        record.add(5 * PUSH_MAX)  # lost during a long outage of the broker
        for sub, socket in zip(subs, sockets, strict=True):
            sub.limit = PUSH_MAX
            socket.full = True  # slower than the push: it would have filled the queue
        hub._dispatch(None, "")
        await settle()
        for sub in subs:  # each was told to look, none was let go
            assert not sub.lost.is_set() and sub.queue.qsize() == 1
        frames = hub.frames(subs[0])
        pulled = [json.loads(await anext(frames))["seq"] for _ in range(5 * PUSH_MAX)]
        assert pulled == list(range(2, 2 + 5 * PUSH_MAX))
        await frames.aclose()


async def test_a_connection_with_frames_waiting_does_not_stretch_the_rooms_read() -> None:
    async with a_room("w-heal-laggard") as (hub, record, subs, sockets):
        await hub.publish("w-heal-laggard", record.add(1))
        await settle()
        sockets[0].full = True
        await hub.publish("w-heal-laggard", record.add(PUSH_MAX // 2))  # queued for the first
        await settle()
        head = 1 + PUSH_MAX // 2
        record.add(1)  # lost
        hub._dispatch(None, "")
        await settle()
        assert record.reads == [(head, head + 1 + PUSH_MAX)]
        for socket in sockets[1:]:
            assert event_seqs(socket) == list(range(1, head + 2))
        frames = hub.frames(subs[0])  # the first catches up from its queue, the gap filled
        seqs = [json.loads(await anext(frames))["seq"] for _ in range(head)]
        assert [s for s in seqs if s is not None] == list(range(2, head + 2))
        await frames.aclose()


async def test_a_connection_still_catching_up_does_not_set_off_the_heal() -> None:
    async with a_room("w-heal-arriving") as (hub, record, subs, _sockets):
        await hub.publish("w-heal-arriving", record.add(3))
        await settle()
        arriving = new_sub("w-heal-arriving", pid=99)
        arriving.caught_up = False  # its snapshot is still being read (web/live.py)
        async with hub.subscription(arriving):
            await settle()
            arriving.queue.clear()
            await sweep(hub, "w-heal-arriving")
            await sweep(hub, "w-heal-arriving")
            assert record.reads == [(3, 4), (3, 4)]  # nobody sent to read the record
            assert all(sub.queue.empty() for sub in [*subs, arriving])
