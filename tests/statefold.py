"""Rebuild a participant's state from a snapshot and the events that follow (Zulip's
verify_action idea): the result must equal a fresh `GET /workshops/{id}`.

Each event type says how it folds into a state (`app/domain/events.py`); a frame of a type
that is not declared there fails here."""

from __future__ import annotations

import copy

from app.domain.events import spec


def apply(state: dict, event: dict) -> dict:
    """Apply one event frame to a state, returning the new state."""
    state = copy.deepcopy(state)
    spec(event["type"]).fold(state, event["data"])
    state["seq"] = event["seq"]
    return state


def comparable(state: dict) -> dict:
    """Drop what legitimately differs between two reads: the clock and who is online."""
    state = copy.deepcopy(state)
    state.pop("presence", None)
    state["timer"].pop("server_now", None)
    return state
