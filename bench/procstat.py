"""Read CPU time and memory of server processes from /proc (Linux), to the nanosecond where we can.

`/proc/<pid>/stat` counts in clock ticks (10 ms), too coarse for a few seconds of light load, so
CPU comes from `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on the CPU, per thread), summed
over every thread of the process tree. A thread that ends between two samples loses at most the
time since the previous sample; `CpuMeter.poll()` keeps that short. Falls back to ticks.
"""

from __future__ import annotations

import os

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def children(pid: int) -> list[int]:
    """Every descendant of pid (by /proc/*/stat ppid), depth first, bounded in size."""
    parent_of: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        rest = raw[raw.rfind(b")") + 2 :].split()
        parent_of[int(name)] = int(rest[1])
    out: list[int] = []
    todo = [pid]
    while todo and len(out) < 10_000:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out.extend(kids)
        todo.extend(kids)
    return out


def tree(pids: list[int]) -> list[int]:
    seen: list[int] = []
    for p in pids:
        for q in [p, *children(p)]:
            if q not in seen:
                seen.append(q)
    return seen


def thread_ns(pid: int) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as f:
                out[(pid, int(tid))] = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return out


def ticks_ns(pid: int) -> int:
    """utime + stime of a process (its dead threads included), in ns, tick resolution."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return 0
    rest = raw[raw.rfind(b")") + 2 :].split()
    return (int(rest[11]) + int(rest[12])) * TICK_NS


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


class CpuMeter:
    """CPU nanoseconds used by a fixed set of processes (and their threads) since start()."""

    def __init__(self, pids: list[int]):
        self.pids = list(pids)
        self.has_schedstat = bool(self.pids) and os.path.exists(
            f"/proc/{self.pids[0]}/task/{self.pids[0]}/schedstat"
        )
        self.base: dict[tuple[int, int], int] = {}
        self.last: dict[tuple[int, int], int] = {}
        self.ticks0 = 0

    def _sample(self) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {}
        for pid in self.pids:
            out.update(thread_ns(pid))
        return out

    def start(self) -> None:
        self.base = self._sample()
        self.last = dict(self.base)
        self.ticks0 = sum(ticks_ns(p) for p in self.pids)

    def poll(self) -> None:
        self.last.update(self._sample())

    def elapsed_ns(self) -> int:
        """CPU ns since start(): per-thread schedstat deltas, or tick counts without them."""
        if not self.has_schedstat:
            return sum(ticks_ns(p) for p in self.pids) - self.ticks0
        self.poll()
        return sum(v - self.base.get(k, 0) for k, v in self.last.items())


def machine_busy_ns() -> int:
    """CPU time all cores spent on anything but idle and iowait since boot, in ns."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0
    return (sum(fields) - fields[3] - fields[4]) * TICK_NS
