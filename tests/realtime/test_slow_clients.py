"""Slow and stuck clients hurt no one: while some sockets never read, 1,000 events reach every
healthy screen in order, the stuck ones are closed (1013) or dropped, and the server's memory
stays bounded. Figures are printed, never asserted against a clock."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import psutil
import pytest

from tests.conftest import PostgresSchema
from tests.realtime.harness import (
    Screen,
    close_all,
    http_client,
    open_raw_socket,
    people,
    post,
    raw_socket_outcome,
    start_servers,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EVENTS = 1000
WARM_UP = 100
STUCK = 40
QUEUE = 64
TEXT = "x" * 1900  # big frames: what a stuck reader would cost us shows plainly in RSS


async def write_cards(
    http: httpx.AsyncClient,
    workshop_id: str,
    who: object,
    first: int,
    count: int,
    sent: dict[int, float],
) -> None:
    """`count` cards, eight at a time, noting when each was sent."""

    async def one(i: int) -> None:
        started = time.monotonic()
        response = await post(
            http,
            f"/workshops/{workshop_id}/cards",
            who,  # type: ignore[arg-type]
            {"kind": "context", "text": f"{i} {TEXT}"},
        )
        assert response.status_code == 201, response.text
        sent[response.json()["id"]] = started

    for start in range(first, first + count, 8):
        await asyncio.gather(*(one(i) for i in range(start, min(first + count, start + 8))))


class Clock:
    """When each card was sent, and when each healthy screen got it."""

    def __init__(self) -> None:
        self.sent: dict[int, float] = {}
        self.got: list[tuple[int, float]] = []

    def seen(self, frame: dict, at: float) -> None:
        if frame["type"] == "card.added":
            self.got.append((frame["data"]["id"], at))

    def latencies(self, cards: slice = slice(None)) -> list[float]:
        chosen = set(sorted(self.sent)[cards])
        return sorted(at - self.sent[card] for card, at in self.got if card in chosen)


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 1e6


async def test_a_stuck_client_delays_no_one_and_memory_stays_flat(
    server_factory, pg: PostgresSchema
) -> None:  # type: ignore[no-untyped-def]
    # Pings would close the stuck sockets too (1011, they answer none); this test is about
    # the bounded send queue, so pings are pushed out of the way.
    (server,) = await start_servers(
        server_factory,
        1,
        pg.url,
        extra_env={"WS_SEND_QUEUE": str(QUEUE), "WS_PING_INTERVAL_S": "600"},
    )
    pid = server.process.pid
    async with http_client(server.base_url, 60) as http:
        room, (fac, host, visitor) = await people(http, host=1, visitor=1)
        calm, busy = Clock(), Clock()
        # Not folded into a state: this test is about delivery, and folding 1,000 big cards
        # would cost the test process more than the server's work it measures.
        healthy = [Screen(room.id, p, fold=False, on_event=calm.seen) for p in (fac, host, visitor)]
        for screen in healthy:
            await screen.connect(server.ws_url)
        await write_cards(http, room.id, fac, 0, WARM_UP, calm.sent)
        for screen in healthy:
            await screen.wait_for_seq(WARM_UP)
            screen.on_event = busy.seen
        before = rss_mb(pid)

        # A frozen tab: a real client that stops reading for a while, then carries on.
        frozen = Screen(room.id, host, fold=False)
        await frozen.connect(server.ws_url, rcvbuf=4096)
        await frozen.wait_for_seq(WARM_UP)
        frozen.reading.clear()
        stuck = [
            await asyncio.to_thread(open_raw_socket, server.port, room.id, visitor.token)
            for _ in range(STUCK)
        ]
        stuck_ports = {s.getsockname()[1] for s in stuck}
        stuck_ports.add(frozen.ws.transport.get_extra_info("sockname")[1])  # type: ignore[union-attr]
        peak = before
        done = asyncio.Event()

        async def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb(pid))
                await asyncio.sleep(0.1)

        watcher = asyncio.ensure_future(watch())
        head = (await http.get(f"/api/v1/workshops/{room.id}", headers=fac.headers)).json()["seq"]
        writing = time.monotonic()
        await write_cards(http, room.id, fac, WARM_UP, EVENTS, busy.sent)
        for screen in healthy:
            await screen.wait_for_seq(head + EVENTS, timeout=120)
        writing = time.monotonic() - writing
        releasing = time.monotonic()

        def still_held() -> set[int]:
            conns = psutil.Process(pid).net_connections(kind="tcp")
            return {c.raddr.port for c in conns if c.raddr and c.raddr.port in stuck_ports}

        deadline = time.monotonic() + 60
        while still_held() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        held = still_held()
        releasing = time.monotonic() - releasing
        done.set()
        await watcher
        after = rss_mb(pid)

        # The frozen tab wakes up: it reads what reached it, finds itself closed, resumes.
        frozen.reading.set()
        await frozen.wait_until(lambda s: not s.connected)
        resumed_from = frozen.head
        await frozen.resume(server.ws_url)
        await frozen.wait_for_seq(head + EVENTS)

    outcomes = [await asyncio.to_thread(raw_socket_outcome, s, 10) for s in stuck]
    frame = len(TEXT) + 300  # the card around the text
    unbounded = STUCK * EVENTS * frame / 1e6
    print(
        f"\nserver RSS: {before:.1f} MB before, peak {peak:.1f} MB, {after:.1f} MB after; "
        f"unbounded buffering would add about {unbounded:.0f} MB "
        f"({STUCK} stuck sockets x {EVENTS} events x {frame} bytes)"
    )
    for name, values in (
        ("without stuck clients", calm.latencies()),
        ("with stuck clients, events 1-200", busy.latencies(slice(0, 200))),
        ("with stuck clients, events 201-1000", busy.latencies(slice(200, None))),
    ):
        print(
            f"healthy latency {name}: median {statistics.median(values) * 1000:.0f} ms, "
            f"p95 {values[int(len(values) * 0.95)] * 1000:.0f} ms over {len(values)} frames"
        )
    print(
        f"{EVENTS} events written and delivered in {writing:.1f} s; the last stuck socket "
        f"was let go {releasing:.1f} s later"
    )
    print(
        "stuck sockets:",
        {o: outcomes.count(o) for o in set(outcomes)},
        f"frozen tab closed with {frozen.close_codes[0]} at seq {resumed_from}, resumed",
    )

    for screen in healthy:
        assert screen.problems == []
        assert screen.seqs[-EVENTS:] == list(range(head + 1, head + EVENTS + 1))
    assert held == set(), "the server let go of every stuck socket"
    assert all(o in (("close", 1013), ("dropped", None)) for o in outcomes), outcomes
    assert frozen.close_codes[0] in (1013, 1006)  # "try again later", or cut off
    assert frozen.problems == [] and len(frozen.snapshots) == 1
    assert frozen.seqs == list(range(frozen.snapshots[0] + 1, head + EVENTS + 1))
    assert peak - before < unbounded / 4
    await close_all([*healthy, frozen])
