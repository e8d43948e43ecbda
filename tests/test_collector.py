"""Full collections come when sockets have closed, not each time the heap grows (collector.py)."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import weakref

from app.collector import NEVER, Collector
from tests.conftest import ROOT

# A fresh interpreter grows a heap of long-lived objects, as a crowd of sockets arriving does,
# and prints how many full collections ran meanwhile.
GROW = """
import gc, sys
from app.collector import Collector
if sys.argv[1] == "take_over":
    Collector(lambda: 0, every_s=3600).take_over()
before = gc.get_stats()[2]["collections"]
kept = []
for _ in range(400_000):
    kept.append({"socket": [], "state": {}})
print(gc.get_stats()[2]["collections"] - before)
"""


def full_collections_while_growing(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", GROW, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(done.stdout)


def test_a_growing_heap_sets_off_no_full_collection() -> None:
    # Python's own rule collects everything each time the old objects grow by a quarter.
    assert full_collections_while_growing("python") >= 5
    assert full_collections_while_growing("take_over") == 0


def test_due_once_a_quarter_of_the_open_sockets_have_closed() -> None:
    open_now = 400
    collector = Collector(lambda: open_now, every_s=3600, min_closed=50)
    for _ in range(99):
        collector.closed()
    assert not collector.due()
    collector.closed()
    assert collector.due()  # 100 of 400
    open_now = 100
    assert collector.due()  # never fewer than min_closed
    collector.collect()
    assert not collector.due()
    for _ in range(49):
        collector.closed()
    assert not collector.due()


def test_due_on_the_clock_with_nothing_closed() -> None:
    assert not Collector(lambda: 0, every_s=3600).due()
    assert Collector(lambda: 0, every_s=0).due()


def test_closed_sockets_get_a_dead_cycle_of_old_objects_collected() -> None:
    collector = Collector(lambda: 0, every_s=3600, min_closed=3, look_every_s=0.01)
    freed = threading.Event()
    try:
        collector.take_over()
        assert gc.get_threshold()[2] == NEVER and gc.get_freeze_count() > 0
        cycle: list = []
        cycle.append(cycle)

        class Node:
            pass

        node = Node()
        node.cycle = cycle  # type: ignore[attr-defined]
        cycle.append(node)
        weakref.finalize(node, freed.set)
        gc.collect(1)  # it outlives the young generations, as a socket's state does
        del cycle, node
        for _ in range(3):
            collector.closed()
        assert freed.wait(timeout=30), "three closed sockets did not get the cycle collected"
        assert collector.collections >= 1
    finally:
        collector.stop()
    assert gc.get_threshold()[2] != NEVER and gc.get_freeze_count() == 0
