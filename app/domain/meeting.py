"""The meeting's running state (phase, agenda, timer, mute) and the commands that change it.

Each command returns the new state and the events it causes, in order. Nothing here does I/O,
and the clock is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from . import timer as timers
from .errors import Invalid, TimerConflict
from .events import AgendaChanged, Event, MuteChanged, PhaseChanged, TimerChanged
from .phases import (
    MAX_DURATION_MINUTES,
    PHASE_NAMES,
    Agenda,
    Phase,
    enter,
    not_phases,
    planned_s,
    replan,
    resolve_move,
    start_clock,
)
from .rules import Mute, check_speakers, mute_on_entering
from .timer import Timer


@dataclass(frozen=True)
class Meeting:
    phase: Phase
    agenda: Agenda
    timer: Timer
    mute: Mute

    def agenda_dicts(self) -> list[dict]:
        return [item.as_dict() for item in self.agenda]

    def timer_dict(self, now: datetime) -> dict:
        """The timer as screens get it: a deadline, the server's clock, and its phase."""
        return {**self.timer.as_dict(now), "phase": self.phase.value}


def opening(agenda: Agenda) -> Meeting:
    """A new meeting: in welcome, its timer set to the welcome slot but not started."""
    return Meeting(Phase.welcome, agenda, timers.stopped(planned_s(agenda, Phase.welcome)), Mute())


def change_phase(meeting: Meeting, to: str, now: datetime) -> tuple[Meeting, list[Event]]:
    """Enter another phase: book the time, set the phase's mute, restart the timer."""
    target = resolve_move(meeting.phase, to)
    agenda = enter(meeting.agenda, meeting.phase, target, now)
    mute = mute_on_entering(target)
    length = planned_s(agenda, target)
    # Closing the meeting stops the clock; every other phase starts its planned slot at once.
    timer = (
        timers.start(length, now)
        if target is not Phase.closed and length > 0
        else (timers.stopped(length))
    )
    after = Meeting(target, agenda, timer, mute)
    events: list[Event] = [PhaseChanged(target.value, meeting.phase.value, after.agenda_dicts())]
    # Entering questions or analysis mutes the host team, and API.md has it say so every
    # time, even coming from the other muted phase; elsewhere only a change is news.
    if mute != meeting.mute or mute.host_team_muted:
        events.append(MuteChanged(mute.host_team_muted, list(mute.speakers), target.value))
    events.append(TimerChanged(after.timer_dict(now)))
    return after, events


def command_timer(
    meeting: Meeting, action: str, seconds: int | None, now: datetime
) -> tuple[Meeting, list[Event]]:
    """Apply start, pause, resume, extend or reset."""
    current = meeting.timer
    planned = planned_s(meeting.agenda, meeting.phase)
    agenda = meeting.agenda
    if action == "start":
        if seconds is None and planned == 0:
            # A well-formed request that this meeting's plan cannot meet: a conflict, not 422.
            raise TimerConflict(
                "This phase has no planned time: say how many seconds to run the timer for, "
                "or plan the phase first.",
                code="no_planned_time",
            )
        new = timers.start(seconds if seconds is not None else planned, now)
        # The welcome slot has no entry moment (the meeting may be set up days before), so
        # its actual time runs from the first start of its timer.
        agenda = start_clock(agenda, meeting.phase, now)
    elif action == "pause":
        new = timers.pause(current, now)
    elif action == "resume":
        new = timers.resume(current, now)
    elif action == "extend":
        new = timers.extend(current, seconds if seconds is not None else 60, now)
    elif action == "reset":
        length = seconds if seconds is not None else planned
        new = timers.stopped(timers.check_seconds(length) if seconds is not None else length)
    else:
        raise TimerConflict(
            f"'{action}' is not a timer action. Use start, pause, resume, extend or reset.",
            status=422,
            code="unknown_timer_action",
        )
    after = replace(meeting, timer=new, agenda=agenda)
    events: list[Event] = []
    if agenda != meeting.agenda:
        events.append(AgendaChanged(after.agenda_dicts(), meeting.phase.value))
    events.append(TimerChanged(after.timer_dict(now)))
    return after, events


def set_mute(
    meeting: Meeting, host_team_muted: bool, speakers: list[int], host_ids: set[int]
) -> tuple[Meeting, list[Event]]:
    """The facilitator's override: mute or unmute the host team and name who may still speak."""
    mute = Mute(host_team_muted, check_speakers(speakers, host_ids))
    after = replace(meeting, mute=mute)
    # Said even when nothing changed: every committed write adds an event (API.md), and a
    # screen that missed the last one is set right.
    return after, [MuteChanged(mute.host_team_muted, list(mute.speakers), meeting.phase.value)]


def edit_agenda(
    meeting: Meeting, planned: dict[str, int], now: datetime
) -> tuple[Meeting, list[Event]]:
    """Re-plan phase lengths. A running or paused timer is left alone (extend it to change
    it); a timer not started yet that holds this phase's old plan takes the new one, or the
    screens would count down a slot the facilitator has just changed."""
    unknown = [name for name in planned if name not in {p.value for p in Phase}]
    if unknown:
        raise Invalid(
            f"The agenda could not be changed: {not_phases(unknown)}. The phases are: "
            f"{PHASE_NAMES}.",
            code="invalid_agenda",
        )
    try:
        by_phase = {Phase(name): int(seconds) for name, seconds in planned.items()}
        agenda = replan(meeting.agenda, by_phase)
    except ValueError:
        raise Invalid(
            "The agenda could not be changed: give each phase from 0 to "
            f"{MAX_DURATION_MINUTES * 60} seconds.",
            code="invalid_agenda",
        ) from None
    timer = meeting.timer
    old, new = planned_s(meeting.agenda, meeting.phase), planned_s(agenda, meeting.phase)
    if timer == timers.stopped(old) and new != old:
        timer = timers.stopped(new)
    after = replace(meeting, agenda=agenda, timer=timer)
    events: list[Event] = [AgendaChanged(after.agenda_dicts(), meeting.phase.value)]
    if timer != meeting.timer:
        events.append(TimerChanged(after.timer_dict(now)))
    return after, events
