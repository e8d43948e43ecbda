"""The phase timer as a deadline: every screen computes the countdown from `ends_at`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import TimerConflict

# As long as the longest phase an agenda may plan, so every planned phase can be timed.
MAX_TIMER_S = 3 * 24 * 3600


class TimerStatus(StrEnum):
    stopped = "stopped"
    running = "running"
    paused = "paused"


@dataclass(frozen=True)
class Timer:
    """`ends_at` while running; `remaining_s` while paused or stopped."""

    status: TimerStatus = TimerStatus.stopped
    duration_s: int = 0
    ends_at: datetime | None = None
    remaining_s: int | None = 0

    def remaining(self, now: datetime) -> int:
        """Whole seconds left, never negative."""
        if self.status is TimerStatus.running:
            assert self.ends_at is not None
            return max(0, math.ceil((self.ends_at - now).total_seconds()))
        return max(0, self.remaining_s or 0)

    def expired(self, now: datetime) -> bool:
        return self.status is TimerStatus.running and self.remaining(now) == 0

    def as_dict(self, now: datetime) -> dict:
        return {
            "status": self.status.value,
            "duration_s": self.duration_s,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "remaining_s": self.remaining_s if self.status is not TimerStatus.running else None,
            "server_now": now.isoformat(),
        }


def check_seconds(seconds: int) -> int:
    if not 0 < seconds <= MAX_TIMER_S:
        raise TimerConflict(
            f"Timer seconds must be between 1 and {MAX_TIMER_S}.",
            status=422,
            code="invalid_seconds",
        )
    return seconds


def start(seconds: int, now: datetime) -> Timer:
    check_seconds(seconds)
    return Timer(TimerStatus.running, seconds, now + timedelta(seconds=seconds), None)


def stopped(seconds: int) -> Timer:
    return Timer(TimerStatus.stopped, seconds, None, seconds)


def pause(timer: Timer, now: datetime) -> Timer:
    if timer.status is not TimerStatus.running:
        raise TimerConflict("The timer is not running, so it cannot be paused.")
    return Timer(TimerStatus.paused, timer.duration_s, None, timer.remaining(now))


def resume(timer: Timer, now: datetime) -> Timer:
    if timer.status is not TimerStatus.paused:
        raise TimerConflict("The timer is not paused, so it cannot be resumed.")
    left = timer.remaining_s or 0
    return Timer(TimerStatus.running, timer.duration_s, now + timedelta(seconds=left), None)


def extend(timer: Timer, seconds: int, now: datetime) -> Timer:
    """Add time; a timer that ran out gets the time from now, so '+1 min' means one more minute."""
    check_seconds(seconds)
    duration = min(MAX_TIMER_S, timer.duration_s + seconds)
    if timer.status is TimerStatus.running:
        assert timer.ends_at is not None
        base = max(timer.ends_at, now)
        ends_at = min(base + timedelta(seconds=seconds), now + timedelta(seconds=MAX_TIMER_S))
        return Timer(TimerStatus.running, duration, ends_at, None)
    left = min(MAX_TIMER_S, (timer.remaining_s or 0) + seconds)
    return Timer(timer.status, duration, None, left)


def from_fields(
    status: str, duration_s: int, ends_at: datetime | None, remaining_s: int | None
) -> Timer:
    return Timer(TimerStatus(status), duration_s, ends_at, remaining_s)
