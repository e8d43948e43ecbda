"""The phase timer as a deadline, driven by a clock the test moves by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.domain import timer as timers
from app.domain.errors import TimerConflict
from app.domain.timer import MAX_TIMER_S, Timer, TimerStatus
from tests.conftest import Clock


def test_start_runs_to_a_deadline(clock: Clock) -> None:
    t = timers.start(300, clock())
    assert t.status is TimerStatus.running
    assert (t.duration_s, t.ends_at, t.remaining_s) == (300, clock() + timedelta(seconds=300), None)
    assert t.remaining(clock()) == 300
    clock.advance(100)
    assert t.remaining(clock()) == 200
    assert not t.expired(clock())


def test_remaining_rounds_up_and_never_goes_negative(clock: Clock) -> None:
    t = timers.start(10, clock())
    clock.advance(9.5)
    assert t.remaining(clock()) == 1
    clock.advance(0.5)
    assert t.remaining(clock()) == 0 and t.expired(clock())
    clock.advance(3600)
    assert t.remaining(clock()) == 0 and t.expired(clock())
    assert Timer(TimerStatus.paused, 10, None, -5).remaining(clock()) == 0
    assert Timer(TimerStatus.stopped, 10, None, None).remaining(clock()) == 0


def test_pause_freezes_and_resume_continues(clock: Clock) -> None:
    t = timers.start(300, clock())
    clock.advance(120)
    paused = timers.pause(t, clock())
    assert (paused.status, paused.remaining_s, paused.ends_at) == (TimerStatus.paused, 180, None)
    assert paused.duration_s == 300
    clock.advance(1000)
    assert paused.remaining(clock()) == 180
    resumed = timers.resume(paused, clock())
    assert resumed.status is TimerStatus.running
    assert resumed.ends_at == clock() + timedelta(seconds=180)
    assert resumed.duration_s == 300
    assert not paused.expired(clock())


def test_pause_an_expired_timer_keeps_zero(clock: Clock) -> None:
    t = timers.start(5, clock())
    clock.advance(60)
    assert timers.pause(t, clock()).remaining_s == 0


@pytest.mark.parametrize("timer", [timers.stopped(60), Timer(TimerStatus.paused, 60, None, 30)])
def test_pause_when_not_running_is_a_conflict(clock: Clock, timer: Timer) -> None:
    with pytest.raises(TimerConflict) as caught:
        timers.pause(timer, clock())
    assert (caught.value.status, caught.value.code) == (409, "timer_conflict")


@pytest.mark.parametrize("status", [TimerStatus.running, TimerStatus.stopped])
def test_resume_when_not_paused_is_a_conflict(clock: Clock, status: TimerStatus) -> None:
    timer = timers.start(60, clock()) if status is TimerStatus.running else timers.stopped(60)
    with pytest.raises(TimerConflict) as caught:
        timers.resume(timer, clock())
    assert (caught.value.status, caught.value.code) == (409, "timer_conflict")


def test_extend_a_running_timer_moves_its_deadline(clock: Clock) -> None:
    t = timers.start(300, clock())
    clock.advance(100)
    longer = timers.extend(t, 60, clock())
    assert longer.status is TimerStatus.running
    assert longer.ends_at == t.ends_at + timedelta(seconds=60)  # type: ignore[operator]
    assert longer.remaining(clock()) == 260
    assert longer.duration_s == 360


def test_extend_an_expired_running_timer_counts_from_now(clock: Clock) -> None:
    t = timers.start(300, clock())
    clock.advance(1000)
    longer = timers.extend(t, 60, clock())
    assert longer.ends_at == clock() + timedelta(seconds=60)
    assert longer.remaining(clock()) == 60


@pytest.mark.parametrize("status", [TimerStatus.paused, TimerStatus.stopped])
def test_extend_a_paused_or_stopped_timer_adds_to_what_is_left(
    clock: Clock, status: TimerStatus
) -> None:
    t = Timer(status, 300, None, 40)
    longer = timers.extend(t, 60, clock())
    assert (longer.status, longer.remaining_s, longer.ends_at) == (status, 100, None)
    assert longer.duration_s == 360


def test_extend_is_capped_while_paused(clock: Clock) -> None:
    t = Timer(TimerStatus.paused, MAX_TIMER_S, None, MAX_TIMER_S - 10)
    longer = timers.extend(t, 60, clock())
    assert (longer.remaining_s, longer.duration_s) == (MAX_TIMER_S, MAX_TIMER_S)


def test_extend_running_never_exceeds_the_cap(clock: Clock) -> None:
    longer = timers.extend(timers.start(MAX_TIMER_S, clock()), 60, clock())
    assert longer.remaining(clock()) <= longer.duration_s <= MAX_TIMER_S


def test_reset_is_a_stopped_timer_with_the_full_length(clock: Clock) -> None:
    t = timers.stopped(420)
    assert (t.status, t.duration_s, t.remaining_s, t.ends_at) == (
        TimerStatus.stopped,
        420,
        420,
        None,
    )
    assert t.remaining(clock()) == 420
    assert not t.expired(clock())


@pytest.mark.parametrize("seconds", [0, -1, -3600, MAX_TIMER_S + 1, 10**9])
def test_seconds_out_of_bounds_are_refused(clock: Clock, seconds: int) -> None:
    for call in (
        lambda: timers.start(seconds, clock()),
        lambda: timers.extend(timers.start(60, clock()), seconds, clock()),
        lambda: timers.check_seconds(seconds),
    ):
        with pytest.raises(TimerConflict) as caught:
            call()
        assert (caught.value.status, caught.value.code) == (422, "invalid_seconds")


@pytest.mark.parametrize("seconds", [1, 59, MAX_TIMER_S])
def test_seconds_bounds_are_inclusive(clock: Clock, seconds: int) -> None:
    assert timers.check_seconds(seconds) == seconds
    assert timers.start(seconds, clock()).remaining(clock()) == seconds


def test_as_dict_sends_a_deadline_or_what_is_left(clock: Clock) -> None:
    running = timers.start(60, clock()).as_dict(clock())
    assert running == {
        "status": "running",
        "duration_s": 60,
        "ends_at": (clock() + timedelta(seconds=60)).isoformat(),
        "remaining_s": None,
        "server_now": clock().isoformat(),
    }
    paused = timers.pause(timers.start(60, clock()), clock()).as_dict(clock())
    assert (paused["status"], paused["ends_at"], paused["remaining_s"]) == ("paused", None, 60)


def test_from_fields_round_trips(clock: Clock) -> None:
    t = timers.start(90, clock())
    assert timers.from_fields("running", 90, t.ends_at, None) == t
    with pytest.raises(ValueError):
        timers.from_fields("ticking", 90, None, 90)
