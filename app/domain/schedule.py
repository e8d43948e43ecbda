"""When a peer assist meets, changed after it was made: the start moves only while the meeting
still waits at its welcome. Pure; the decision date keeps the window of app/domain/dates.py."""

from __future__ import annotations

from .errors import NotAllowedInPhase
from .phases import Phase, has_begun
from .rules import Actor, Role, check_writer


def check_scheduler(actor: Actor) -> None:
    """Who runs the peer assist moves it: its facilitators (an owner opens the console as one)."""
    check_writer(actor, (Role.facilitator,), "change when the peer assist meets")


def check_start_movable(phase: Phase) -> None:
    """A meeting that has begun began when it did: its start is the record's, not a plan."""
    if phase is Phase.closed:
        detail = "This peer assist is closed, so its start time can no longer be changed."
    elif has_begun(phase):
        detail = (
            "This peer assist has already begun, so its start time can no longer be changed. "
            "The decision date can still move."
        )
    else:
        return
    raise NotAllowedInPhase(detail, code="start_time_fixed", field="starts_at")
