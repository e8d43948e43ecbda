"""Phases of a peer assist and the agenda that plans and records their time."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .errors import InvalidMove, listed


class Phase(StrEnum):
    welcome = "welcome"
    context = "context"
    questions = "questions"
    analysis = "analysis"
    feedback = "feedback"
    commitment = "commitment"
    reflection = "reflection"
    closed = "closed"


ORDER: tuple[Phase, ...] = tuple(Phase)
CORE: tuple[Phase, ...] = (Phase.context, Phase.questions, Phase.analysis, Phase.feedback)
# The host team listens while visitors talk among themselves (the method's second and third
# quarters), so entering these phases mutes it.
MUTED_PHASES: frozenset[Phase] = frozenset({Phase.questions, Phase.analysis})

MIN_DURATION_MINUTES = 30
MAX_DURATION_MINUTES = 3 * 24 * 60


@dataclass(frozen=True)
class AgendaItem:
    """Planned and actual time of one phase; `entered_at` is set while the phase is current."""

    phase: Phase
    planned_s: int
    actual_s: int = 0
    entered_at: datetime | None = None

    def as_dict(self) -> dict:
        return {
            "phase": self.phase.value,
            "planned_s": self.planned_s,
            "actual_s": self.actual_s,
            "entered_at": self.entered_at.isoformat() if self.entered_at else None,
        }


Agenda = tuple[AgendaItem, ...]


def short_slot_s(duration_minutes: int) -> int:
    """Length of the welcome, commitment and reflection slots: a twelfth, 5 to 30 minutes."""
    return max(5, min(30, duration_minutes // 12)) * 60


def default_agenda(duration_minutes: int) -> Agenda:
    """Split the meeting: short slots around a core of four equal parts."""
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValueError("duration out of range")
    short = short_slot_s(duration_minutes)
    core_total = duration_minutes * 60 - 3 * short
    quarter, remainder = divmod(core_total, 4)
    planned = {p: quarter for p in CORE}
    planned[Phase.feedback] += remainder
    planned.update({Phase.welcome: short, Phase.commitment: short, Phase.reflection: short})
    planned[Phase.closed] = 0
    return tuple(AgendaItem(phase=p, planned_s=planned[p]) for p in ORDER)


def _plan(welcome: int, quarter: int, commitment: int, reflection: int) -> dict[Phase, int]:
    minutes = {
        Phase.welcome: welcome,
        Phase.commitment: commitment,
        Phase.reflection: reflection,
        Phase.closed: 0,
    }
    minutes.update({p: quarter for p in CORE})
    return {p: m * 60 for p, m in minutes.items()}


# Ready-made agendas: four equal core parts, with room to get to know each other first
# (longer sessions give more of it, as the method suggests).
AGENDA_TEMPLATES: dict[str, tuple[str, dict[Phase, int]]] = {
    "half_day": ("Half day (4 hours)", _plan(welcome=20, quarter=45, commitment=20, reflection=20)),
    "full_day": ("Full day (7 hours)", _plan(welcome=40, quarter=80, commitment=30, reflection=30)),
    "two_days": (
        "Two days (2 × 7 hours)",
        _plan(welcome=120, quarter=150, commitment=60, reflection=60),
    ),
}


def has_begun(phase: Phase) -> bool:
    """Under way or over: the meeting has left the welcome, where it waits for its people."""
    return phase is not Phase.welcome


def met(entered: Iterable[str], *, history_cut: bool = False) -> bool:
    """Whether the room met: it entered a phase between the welcome and the close, however
    briefly (a script moves through them in milliseconds). One closed from its welcome, called
    off, never did. `entered` is the phases its kept phase changes entered; when its oldest
    events were pruned, it met (ten thousand events are a meeting)."""
    return history_cut or any(name not in (Phase.welcome, Phase.closed) for name in entered)


def plan_minutes(planned: dict[Phase, int]) -> int:
    return sum(planned.values()) // 60


def planned_s(agenda: Agenda, phase: Phase) -> int:
    return next(item.planned_s for item in agenda if item.phase is phase)


PHASE_NAMES = ", ".join(p.value for p in ORDER)


def not_phases(names: list[str]) -> str:
    """'"lunch" is not a phase', as every refusal of a phase name words it."""
    return (
        f"{listed(names, quoted=True)} {'is not a phase' if len(names) == 1 else 'are not phases'}"
    )


def resolve_move(current: Phase, to: str) -> Phase:
    """Turn `next`, `previous` or a phase name into the phase to enter, or raise InvalidMove."""
    index = ORDER.index(current)
    if to == "next":
        if index == len(ORDER) - 1:
            raise InvalidMove("The meeting is already closed; there is no next phase.")
        return ORDER[index + 1]
    if to == "previous":
        if index == 0:
            raise InvalidMove("The meeting is at its first phase; there is no previous phase.")
        return ORDER[index - 1]
    try:
        target = Phase(to)
    except ValueError:
        raise InvalidMove(
            f"{not_phases([to])}. Use next, previous or one of: {PHASE_NAMES}.",
            status=422,
            code="unknown_phase",
        ) from None
    if target is current:
        raise InvalidMove(f"The meeting is already in {current.value}.")
    return target


def enter(agenda: Agenda, current: Phase, target: Phase, now: datetime) -> Agenda:
    """Close the books on the current phase's actual time and open them on the target's."""
    items = []
    for item in agenda:
        if item.phase is current and item.entered_at is not None:
            spent = max(0, round((now - item.entered_at).total_seconds()))
            item = replace(item, actual_s=item.actual_s + spent, entered_at=None)
        if item.phase is target:
            item = replace(item, entered_at=None if target is Phase.closed else now)
        items.append(item)
    return tuple(items)


def start_clock(agenda: Agenda, current: Phase, now: datetime) -> Agenda:
    """Open the current phase's books if nothing has opened them yet."""
    return tuple(
        replace(item, entered_at=now)
        if item.phase is current and item.entered_at is None and current is not Phase.closed
        else item
        for item in agenda
    )


def replan(agenda: Agenda, planned: dict[Phase, int]) -> Agenda:
    """Change planned lengths (seconds); phases not named keep theirs."""
    for phase, seconds in planned.items():
        if not 0 <= seconds <= MAX_DURATION_MINUTES * 60:
            raise ValueError(f"planned time for {phase.value} out of range")
    return tuple(
        replace(item, planned_s=planned.get(item.phase, item.planned_s)) for item in agenda
    )


def agenda_from_dicts(rows: list[dict]) -> Agenda:
    # Every write reads its workshop's agenda, which changes only with the phase: its items
    # are made once per distinct agenda (they are frozen, so sharing them is safe).
    return _agenda(
        tuple((r["phase"], r["planned_s"], r.get("actual_s", 0), r.get("entered_at")) for r in rows)
    )


@functools.lru_cache(maxsize=1024)
def _agenda(rows: tuple[tuple[str, int, int, str | None], ...]) -> Agenda:
    return tuple(
        AgendaItem(
            phase=Phase(phase),
            planned_s=int(planned_s),
            actual_s=int(actual_s),
            entered_at=datetime.fromisoformat(entered_at) if entered_at else None,
        )
        for phase, planned_s, actual_s, entered_at in rows
    )
