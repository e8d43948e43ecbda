"""How long a peer assist is kept, and what is left of a participant the facilitator removed."""

from __future__ import annotations

from datetime import datetime, timedelta

from .phases import Phase

# What a removed participant's cards, commitment and events say instead of their name.
FORMER_PARTICIPANT = "a former participant"
# The daily sweep: each worker looks this often, and the one that finds a day gone by runs it.
SWEEP_EVERY = timedelta(days=1)


def closed_at(was: datetime | None, phase: Phase, now: datetime) -> datetime | None:
    """When the workshop closed: kept while it stays closed, forgotten when it reopens."""
    if phase is not Phase.closed:
        return None
    return was or now


def purge_cutoff(now: datetime, retention_days: int) -> datetime | None:
    """Workshops closed before this moment are due for deletion; None keeps them for ever."""
    if retention_days <= 0:
        return None
    return now - timedelta(days=retention_days)


def sweep_due(last_run_at: datetime | None, now: datetime) -> bool:
    return last_run_at is None or now - last_run_at >= SWEEP_EVERY


def scrub_event(
    event_type: str, data: dict, *, participant_id: int, knock_ids: frozenset[int]
) -> dict | None:
    """The event with a removed participant's name replaced, or None when it never named them.

    Events keep what was said when it happened, so a name lives on in every card, join and
    lobby event. Removing a participant takes it out of the record too."""
    if event_type in ("card.added", "card.updated") and data.get("author_id") == participant_id:
        return {**data, "author_name": FORMER_PARTICIPANT}
    if event_type in ("participant.joined", "participant.updated") and (
        data.get("id") == participant_id
    ):
        return {**data, "name": FORMER_PARTICIPANT}
    if event_type == "commitment.set" and (data.get("set_by") or {}).get("id") == participant_id:
        return {**data, "set_by": {**data["set_by"], "name": FORMER_PARTICIPANT}}
    if event_type == "lobby.changed" and any(w.get("id") in knock_ids for w in data["waiting"]):
        waiting = [
            {**w, "name": FORMER_PARTICIPANT} if w.get("id") in knock_ids else w
            for w in data["waiting"]
        ]
        return {**data, "waiting": waiting}
    return None
