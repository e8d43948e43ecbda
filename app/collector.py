"""When Python's cycle collector walks the whole heap: when sockets have closed, not as it grows.

Python 3.11 collects every generation at once whenever the objects that outlived two
collections have grown by a quarter since the last full collection. A server grows exactly
that way while a crowd arrives, since every live socket keeps its state for the meeting.
12,000 sockets connecting at 1,000 a second set off 12 full collections, the last one 763 ms
long: 3.6 s of the event loop in all, a quarter of what the arrivals cost, and each freed a
few hundred objects. Meanwhile no frame went out and the kernel's queue of new connections
overflowed (bench scenario 4).

What a full collection does find is closed connections: uvicorn's protocol objects, their
transport and parser refer to each other, and so does the websocket protocol's state, so a
socket that lived past the young generations leaves about 22 KiB that only a full collection
frees (8,000 sockets opened and closed left 514,005 objects). So the server collects the whole
heap when the sockets closed since the last full collection reach a quarter of those still
open (and at least `MIN_CLOSED`), and in any case every `FULL_EVERY_S`, for whatever else
dies old (HTTP keep-alive connections, say). What start-up made is frozen first, out of
every walk. The young generations still collect as Python does.

This is written for the generational collector of Python 3.11 (the Dockerfile's), where the
third threshold decides when the oldest generation is collected.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

FULL_EVERY_S = 600.0
MIN_CLOSED = 1000
LOOK_EVERY_S = 1.0
# The oldest generation's threshold counts collections of the middle one; this many never
# come, so only `Collector` collects everything.
NEVER = 2**31 - 1


class Collector:
    """Decides when the whole heap is collected, once `take_over` has been called."""

    def __init__(
        self,
        open_sockets: Callable[[], int],
        *,
        every_s: float = FULL_EVERY_S,
        min_closed: int = MIN_CLOSED,
        look_every_s: float = LOOK_EVERY_S,
    ) -> None:
        self.open_sockets = open_sockets
        self.every_s = every_s
        self.min_closed = min_closed
        self.look_every_s = look_every_s
        self.collections = 0  # how many it ran (for the tests)
        self._closed = 0
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def closed(self) -> None:
        """A live socket closed (what it leaves may need a full collection)."""
        self._closed += 1

    def due(self) -> bool:
        if time.monotonic() - self._last >= self.every_s:
            return True
        return self._closed >= max(self.min_closed, self.open_sockets() // 4)

    def take_over(self) -> None:
        """Freeze what exists now, stop Python's own full collections and start looking."""
        gc.freeze()
        young, middle, _ = self._threshold = gc.get_threshold()
        gc.set_threshold(young, middle, NEVER)
        self._thread = threading.Thread(target=self._serve, name="gc-full", daemon=True)
        self._thread.start()

    def collect(self) -> int:
        """Collect the whole heap now: how many unreachable objects it found."""
        self._closed = 0
        started = time.perf_counter()
        found = gc.collect()
        self._last = time.monotonic()
        self.collections += 1
        took_ms = 1000 * (time.perf_counter() - started)
        log.debug("full collection: %d unreachable, %.0f ms", found, took_ms)
        return found

    def stop(self) -> None:
        """Stop looking, and give full collections back to Python as `take_over` found them."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        gc.set_threshold(*self._threshold)
        gc.unfreeze()

    def _serve(self) -> None:
        while not self._stop.wait(self.look_every_s):
            if self.due():
                self.collect()
