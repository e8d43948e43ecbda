"""A reader that stops reading costs the others nothing, and costs the server a bounded amount.

In process, without clocks: a subscriber whose socket never drains sits in a room with healthy
ones. The hub must write every frame to the healthy sockets in the same dispatch, queue at most
`limit` frames for the stuck one, then let it go (it resumes with `since`) and queue nothing
more for it. An idle connection holds no queue of its own, and a crowd arriving costs the room
a few presence broadcasts, not one each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from app.realtime import hub as hub_module
from app.realtime.backends import backend_for
from app.realtime.hub import Backlog, Hub, Subscriber
from tests.realtime.test_backends import Record, new_sub
from tests.realtime.test_direct_delivery import Socket, parse, settle

LIMIT = 16


async def test_a_stuck_reader_delays_no_frame_to_the_others_and_is_let_go() -> None:
    record = Record()
    backend, presence = backend_for("", presence_ttl_s=30)
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    await hub.start()
    healthy = [new_sub("w-stuck", pid=i) for i in range(1, 6)]
    stuck = new_sub("w-stuck", pid=99)
    stuck.limit = LIMIT
    sockets = {id(sub): Socket() for sub in [*healthy, stuck]}
    lets_go = []
    stuck.on_news = lambda: lets_go.append(stuck.lost.is_set())
    try:
        async with (
            hub.subscription(healthy[0]),
            hub.subscription(healthy[1]),
            hub.subscription(stuck),
            hub.subscription(healthy[2]),
            hub.subscription(healthy[3]),
            hub.subscription(healthy[4]),
        ):
            await settle()
            for sub in [*healthy, stuck]:
                sub.queue.clear()  # the presence news of joining, as if sent
                sub.write = sockets[id(sub)].write
            sockets[id(stuck)].full = True  # its kernel buffer and transport are full for good
            total = 0
            for _ in range(10):  # one publish at a time: every dispatch sees the stuck reader
                await hub.publish("w-stuck", record.add(LIMIT // 2))
                total += LIMIT // 2
                await settle()
                # Whatever the stuck reader holds, it never holds more than its limit.
                assert stuck.queue.qsize() <= LIMIT
            assert total > 4 * LIMIT
            for sub in healthy:
                seqs = [json.loads(parse(f))["seq"] for f in sockets[id(sub)].frames]
                assert [s for s in seqs if s is not None] == list(range(1, total + 1))
                assert sub.queue.empty() and not sub.lost.is_set()
            # Let go once its queue filled up, holding nothing after; its connection was told
            # (and closes it with 1013).
            assert stuck.lost.is_set() and stuck.queue.empty()
            assert sockets[id(stuck)].frames == [] and lets_go[-1] is True
            assert stuck.last_seq == 0  # it resumes from what it got, with `since`
    finally:
        await hub.stop()


async def test_an_idle_connection_queues_nothing_and_a_drained_backlog_keeps_no_buffer() -> None:
    backlog = Backlog()
    assert backlog.empty() and backlog._items is None
    backlog.put_nowait((1, "a"))
    backlog.put_nowait((2, "b"))
    assert backlog.qsize() == 2 and backlog.get_nowait() == (1, "a")
    assert backlog.get_nowait() == (2, "b")
    assert backlog._items is None  # the deque and its block are freed once drained


async def test_a_sender_waiting_on_the_backlog_wakes_for_a_frame_and_for_being_let_go() -> None:
    record = Record()
    backend, presence = backend_for("", presence_ttl_s=30)
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    sub: Subscriber = new_sub("w-wake")
    frames = hub.frames(sub)
    waiting = asyncio.ensure_future(anext(frames))
    await settle()
    assert not waiting.done()
    sub.offer((None, '{"seq":null}'))
    assert await waiting == '{"seq":null}'
    ending = asyncio.ensure_future(anext(frames))
    await settle()
    sub.lose()
    await settle()
    assert ending.done() and isinstance(ending.exception(), StopAsyncIteration)


async def test_a_room_filling_up_costs_a_few_presence_broadcasts_not_one_per_arrival(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub_module, "PRESENCE_SETTLE_S", 3600.0)  # never over in this test
    record = Record()
    backend, presence = backend_for("", presence_ttl_s=30)
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    await hub.start()
    crowd = [new_sub("w-crowd", pid=i) for i in range(1, 21)]
    try:
        async with contextlib.AsyncExitStack() as stack:
            for sub in crowd:  # one after another, each arrival's news heard before the next
                await stack.enter_async_context(hub.subscription(sub))
                await settle()
            # The first arrival is told at once; the other 19 wait for one more recount.
            assert crowd[0].queue.qsize() == 1
            assert all(sub.queue.qsize() <= 1 for sub in crowd)
            assert hub.rooms["w-crowd"].recount_again
    finally:
        await hub.stop()
