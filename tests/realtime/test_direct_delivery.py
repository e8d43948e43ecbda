"""Frames written straight to the socket (realtime/uvicorn_ws.py): never out of order, never
twice, and never ahead of anything queued or in flight."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from app.realtime.backends import backend_for
from app.realtime.hub import Hub, Subscriber
from app.realtime.uvicorn_ws import text_frame
from tests.realtime.test_backends import Record, new_sub


class Socket:
    """What a connection's `write` does, minus the kernel: keeps frames, or refuses when full."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.full = False

    def write(self, frame: bytes) -> bool:
        if self.full:
            return False
        self.frames.append(frame)
        return True

    def seqs(self) -> list[int | None]:
        return [json.loads(parse(f))["seq"] for f in self.frames]


def parse(frame: bytes) -> str:
    reader = StreamReader()
    reader.feed_data(frame)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        parsed = done.value
    assert parsed.opcode is Opcode.TEXT and parsed.fin
    return parsed.data.decode()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def live_connection(
    workshop_id: str,
) -> AsyncIterator[tuple[Hub, Record, Subscriber, Socket]]:
    """A hub with one subscriber whose snapshot is out, so it may be written to directly (its
    presence news from joining is dropped, as if sent)."""
    record = Record()
    backend, presence = backend_for("", presence_ttl_s=30)
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    await hub.start()
    sub = new_sub(workshop_id)
    try:
        async with hub.subscription(sub):
            await settle()
            while not sub.queue.empty():
                sub.queue.get_nowait()
            socket = Socket()
            sub.write = socket.write
            yield hub, record, sub, socket
    finally:
        await hub.stop()


def test_a_text_frame_is_what_a_websocket_client_reads() -> None:
    text = '{"seq":7,"type":"card.added","data":{"text":"Ärzte – 40 % 🩺"}}' * 40
    assert parse(text_frame(text)) == text  # long enough for the 16-bit length form


async def test_frames_next_in_line_go_straight_to_the_socket_once() -> None:
    async with live_connection("w-direct") as (hub, record, sub, socket):
        await hub.publish(sub.workshop_id, record.add(3))
        await hub.publish(sub.workshop_id, record.events[1:3])  # a repeat changes nothing
        await settle()
        assert socket.seqs() == [1, 2, 3]
        assert sub.queue.empty() and sub.last_seq == 3


async def test_a_full_socket_queues_and_later_frames_wait_behind_the_backlog() -> None:
    async with live_connection("w-full") as (hub, record, sub, socket):
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        socket.full = True
        await hub.publish(sub.workshop_id, record.add(2))
        await settle()
        socket.full = False
        await hub.publish(sub.workshop_id, record.add(1))  # the socket takes it, but 2 and
        await settle()  # 3 are still queued, so 4 must queue behind them
        assert socket.seqs() == [1]
        frames = hub.frames(sub)  # the connection's sender, catching up
        assert [json.loads(await anext(frames))["seq"] for _ in range(3)] == [2, 3, 4]
        waiting = asyncio.ensure_future(anext(frames))  # 4 is sent; it waits for more
        await settle()
        await hub.publish(sub.workshop_id, record.add(1))  # nothing pending: direct again
        await settle()
        assert socket.seqs() == [1, 5] and not waiting.done()
        waiting.cancel()


async def test_nothing_overtakes_a_frame_in_flight_or_a_gap() -> None:
    async with live_connection("w-gap-direct") as (hub, record, sub, socket):
        first, _lost, third = record.add(3)
        await hub.publish(sub.workshop_id, [first])
        await hub.publish(sub.workshop_id, [third])  # 2 never came through the broker
        await settle()
        assert socket.seqs() == [1]
        frames = hub.frames(sub)
        assert json.loads(await anext(frames))["seq"] == 2  # filled from the record
        # While 2 is being sent (the consumer holds it), 4 must not jump ahead of 3.
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        assert socket.seqs() == [1]
        assert [json.loads(await anext(frames))["seq"] for _ in range(2)] == [3, 4]
        await frames.aclose()


async def test_the_last_queued_frame_in_flight_is_not_overtaken() -> None:
    async with live_connection("w-in-flight") as (hub, record, sub, socket):
        socket.full = True
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        socket.full = False
        frames = hub.frames(sub)
        assert json.loads(await anext(frames))["seq"] == 1  # taken: being sent right now
        assert sub.queue.empty()
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        assert socket.seqs() == []  # 2 waits until 1 is out
        assert json.loads(await anext(frames))["seq"] == 2
        await frames.aclose()


async def test_presence_news_in_the_queue_is_not_overtaken() -> None:
    async with live_connection("w-presence-first") as (hub, record, sub, socket):
        sub.offer((None, json.dumps({"seq": None})))  # queued while the socket was full
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        assert socket.seqs() == []
        frames = hub.frames(sub)
        assert [json.loads(await anext(frames))["seq"] for _ in range(2)] == [None, 1]
        await frames.aclose()


async def test_in_one_worker_an_event_is_written_before_its_publish_returns() -> None:
    # As the bare relay's broadcast(): a card's frames leave before its answer, with no queue
    # and no task to wake in between (nothing else runs here between publish and the check).
    async with live_connection("w-at-once") as (hub, record, sub, socket):
        await hub.publish(sub.workshop_id, record.add(2))
        assert socket.seqs() == [1, 2]


async def test_a_socket_that_fails_on_write_loses_its_connection_and_nothing_else() -> None:
    # Delivered within the publish, a failure here would reach the write's answer after its
    # commit, or cost the rest of the room the event.
    async with live_connection("w-raises") as (hub, record, sub, socket):
        broken = new_sub(sub.workshop_id, pid=2)
        async with hub.subscription(broken):
            await settle()
            broken.queue.clear()
            tried: list[bytes] = []

            def refuse(frame: bytes) -> bool:
                tried.append(frame)
                raise ConnectionResetError("the client went away")

            broken.write = refuse
            await hub.publish(sub.workshop_id, record.add(1))  # answers: it does not raise
            assert tried and broken.lost.is_set()
            assert socket.seqs() == [1]


async def test_a_stopped_hub_delivers_nothing_more() -> None:
    async with live_connection("w-stopped") as (hub, record, sub, socket):
        await hub.stop()
        await hub.publish(sub.workshop_id, record.add(1))
        await settle()
        assert socket.seqs() == []
