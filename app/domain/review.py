"""The after action review's figures: what was planned against what happened.

The method suggests looking back at whether the session went to plan, what differed and why.
These figures start that conversation; the team's own words finish it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .phases import ORDER, Phase


def actual_seconds(
    changes: Sequence[tuple[datetime, str, str]],
    *,
    current: Phase,
    now: datetime,
    welcome_s: int = 0,
) -> dict[str, int]:
    """Seconds spent in each phase, from the phase changes in order.

    A phase runs from the change that entered it to the next change; the current phase runs
    until now unless the meeting is closed. Welcome has no entering change (a meeting may be
    set up days ahead), so its time comes from `welcome_s`, which the agenda books from the
    first start of its timer.
    """
    spent = dict.fromkeys((p.value for p in ORDER), 0)
    spent[Phase.welcome.value] = welcome_s
    for i, (at, _, entered) in enumerate(changes):
        if i + 1 < len(changes):
            until = changes[i + 1][0]
        elif entered == current.value and current is not Phase.closed:
            until = now
        else:
            continue
        spent[entered] += max(0, int((until - at).total_seconds()))
    spent[Phase.closed.value] = 0
    return spent


def timed(phase: Phase, seconds: int) -> bool:
    """Whether a phase's actual time was measured. The welcome's runs from the first start of
    its timer (actual_seconds): a welcome whose timer never ran was not timed, and its 0 would
    read as a welcome skipped."""
    return phase is not Phase.welcome or seconds > 0


def phase_rows(planned: Mapping[str, int], actual: Mapping[str, int]) -> list[dict]:
    """Planned against actual minutes per phase (closed has no time of its own); the actual
    time and the difference are None for a phase that was not timed."""
    rows = []
    for p in ORDER:
        if p is Phase.closed:
            continue
        plan, spent = planned.get(p.value, 0), actual.get(p.value, 0)
        known = timed(p, spent)
        rows.append(
            {
                "phase": p.value,
                "planned_min": round(plan / 60),
                "actual_min": round(spent / 60) if known else None,
                "difference_min": round((spent - plan) / 60) if known else None,
            }
        )
    return rows


def cards_by_phase_and_role(cards: Iterable[Mapping[str, Any]]) -> list[dict]:
    """How many cards each role wrote in each phase, in the meeting's order."""
    counts = Counter((c["phase"], c["author_role"]) for c in cards)
    roles = ("host", "visitor", "facilitator")
    return [
        {"phase": p.value, **{role: counts[(p.value, role)] for role in roles}}
        for p in ORDER
        if any(counts[(p.value, role)] for role in roles)
    ]


def vote_figures(votes: Iterable[tuple[int, int, datetime]], visitors: int) -> dict:
    """Votes cast, by how many of the visitors, and how many each used."""
    votes = list(votes)
    per_voter = Counter(voter for _, voter, _ in votes)
    return {
        "votes": len(votes),
        "voters": len(per_voter),
        "visitors": visitors,
        "cards_voted_for": len({card for card, _, _ in votes}),
    }


def attendance(
    participants: Iterable[Mapping[str, Any]], last_active: Mapping[int, datetime]
) -> list[dict]:
    """When each person joined, and when they last wrote something (cards, votes, feedback).

    The app does not keep when a screen went away, only what people did: the last thing a
    person did is as near to when they left as the record can honestly say, to the minute
    (a card's own time, to the microsecond, must not be matched to a person through it).
    """
    rows = []
    for p in participants:
        if p["role"] == "projector":
            continue
        seen = last_active.get(p["id"])
        rows.append(
            {
                "name": p["name"],
                "role": p["role"],
                "joined_at": p["joined_at"],
                "last_active_at": seen.replace(second=0, microsecond=0).isoformat()
                if seen
                else None,
            }
        )
    return rows
