"""Who may do what, and when: the one table of card kinds per phase and role, votes and mute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .dates import check_date
from .errors import (
    Forbidden,
    HostTeamMuted,
    NotAllowedInPhase,
    NoVotesLeft,
    RuleError,
    listed,
)
from .phases import Phase


class Role(StrEnum):
    facilitator = "facilitator"
    host = "host"
    visitor = "visitor"
    projector = "projector"


class CardKind(StrEnum):
    context = "context"
    question = "question"
    surprise = "surprise"
    gap = "gap"
    need = "need"
    insight = "insight"
    option = "option"
    worked_elsewhere = "worked_elsewhere"
    strength = "strength"
    takeaway = "takeaway"


class Evidence(StrEnum):
    experience = "experience"
    research = "research"
    both = "both"


class Signal(StrEnum):
    """What a participant shows the facilitator without speaking."""

    none = "none"
    hand = "hand"
    done = "done"


class ActionStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


K = CardKind
# What visitors and the host team may add in each phase. The host-team column applies while the
# host team may speak; a muted host team adds nothing unless the facilitator names it a speaker.
CARD_RULES: dict[Phase, dict[Role, frozenset[CardKind]]] = {
    Phase.welcome: {Role.visitor: frozenset(), Role.host: frozenset()},
    Phase.context: {Role.visitor: frozenset({K.question}), Role.host: frozenset({K.context})},
    Phase.questions: {
        Role.visitor: frozenset({K.surprise, K.gap, K.need, K.question}),
        Role.host: frozenset({K.context, K.question}),
    },
    Phase.analysis: {
        Role.visitor: frozenset({K.insight, K.option, K.need}),
        Role.host: frozenset({K.context, K.question}),
    },
    Phase.feedback: {
        Role.visitor: frozenset({K.strength, K.insight, K.option, K.worked_elsewhere}),
        Role.host: frozenset({K.question}),
    },
    Phase.commitment: {Role.visitor: frozenset(), Role.host: frozenset()},
    Phase.reflection: {Role.visitor: frozenset({K.takeaway}), Role.host: frozenset({K.takeaway})},
    Phase.closed: {Role.visitor: frozenset(), Role.host: frozenset()},
}
# A named speaker talks while the rest of the host team listens: clarifying only.
SPEAKER_KINDS: frozenset[CardKind] = frozenset({K.context, K.question})
VOTING_PHASES: frozenset[Phase] = frozenset({Phase.analysis, Phase.feedback})
ACTION_PHASES: frozenset[Phase] = frozenset({Phase.commitment, Phase.reflection, Phase.closed})
# The cards an action grows from, offered when the host team links one: the visitors' options
# and insights, what worked elsewhere, and what else the team needs to find out.
ACTION_SOURCE_KINDS: tuple[CardKind, ...] = (K.option, K.insight, K.worked_elsewhere, K.need)
VOTES_PER_VISITOR = 5

# Field limits from the public contract.
TITLE_MAX = 200
NAME_MAX = 80
TEXT_MAX = 2000


@dataclass(frozen=True)
class Actor:
    """The participant sending a command."""

    id: int
    role: Role


@dataclass(frozen=True)
class Mute:
    host_team_muted: bool = False
    speakers: tuple[int, ...] = ()

    def silences(self, actor: Actor) -> bool:
        """True when this actor belongs to the host team and may not speak now."""
        return actor.role is Role.host and self.host_team_muted and actor.id not in self.speakers

    def as_dict(self) -> dict:
        return {"host_team_muted": self.host_team_muted, "speakers": list(self.speakers)}


def mute_on_entering(phase: Phase) -> Mute:
    """Entering a phase sets the mute the method expects there and clears the speakers."""
    from .phases import MUTED_PHASES

    return Mute(host_team_muted=phase in MUTED_PHASES, speakers=())


def allowed_kinds(phase: Phase, actor: Actor, mute: Mute) -> frozenset[CardKind]:
    """Card kinds this actor may add right now (empty when none)."""
    if actor.role is Role.facilitator:
        return frozenset(CardKind)
    if actor.role is Role.projector:
        return frozenset()
    kinds = CARD_RULES[phase][actor.role]
    if actor.role is Role.host and mute.host_team_muted:
        if mute.silences(actor) or phase in (Phase.welcome, Phase.closed):
            return frozenset()
        return kinds | SPEAKER_KINDS
    return kinds


# A refusal names people as the room knows them, not by the API's role values.
ROLE_WHO = {
    Role.facilitator: "the facilitator",
    Role.host: "the host team",
    Role.visitor: "visitors",
    Role.projector: "the projector",
}
ROLE_JOINED = {
    Role.facilitator: "the facilitator",
    Role.host: "part of the host team",
    Role.visitor: "a visitor",
    Role.projector: "the projector",
}


def check_writer(actor: Actor, roles: tuple[Role, ...], what: str) -> None:
    """'Only visitors may vote; you joined as part of the host team.'"""
    if actor.role not in roles:
        names = [ROLE_WHO[r] for r in roles]
        who = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise Forbidden(f"Only {who} may {what}; you joined as {ROLE_JOINED[actor.role]}.")


def check_not_muted(actor: Actor, mute: Mute) -> None:
    if mute.silences(actor):
        raise HostTeamMuted(
            "The host team is listening right now; the facilitator has muted it. "
            "Ask the facilitator to name you a speaker."
        )


def during(phase: Phase) -> str:
    """When a refusal happens, in words: 'during the analysis', 'once the meeting is closed'."""
    if phase is Phase.closed:
        return "once the meeting is closed"
    return f"during the {phase.value}"


def _a(word: str) -> str:
    article = "An" if word[0] in "aeiou" else "A"
    return f"{article} {word.replace('_', ' ')}"


def check_add_card(phase: Phase, actor: Actor, mute: Mute, kind: CardKind) -> None:
    check_writer(actor, (Role.host, Role.visitor, Role.facilitator), "add cards")
    check_not_muted(actor, mute)
    allowed = allowed_kinds(phase, actor, mute)
    if kind not in allowed:
        if allowed:
            names = ", ".join(sorted(k.value for k in allowed))
            hint = f"In {phase.value} you may add: {names}."
        else:
            hint = f"Nobody in your role adds cards {during(phase)}."
        raise NotAllowedInPhase(f"{_a(kind.value)} card is not open to you now. {hint}")


def check_edit_card(
    phase: Phase,
    actor: Actor,
    mute: Mute,
    *,
    author_id: int | None,
    new_kind: CardKind | None,
    moderates: bool,
) -> None:
    """Authors edit their own words; only the facilitator moderates (themes, hiding)."""
    if actor.role is Role.facilitator:
        return
    if actor.id != author_id:
        raise Forbidden("Only the card's author or the facilitator may change this card.")
    if moderates:
        raise Forbidden("Only the facilitator may group cards into themes or hide them.")
    check_not_muted(actor, mute)
    if phase in (Phase.welcome, Phase.closed):
        raise NotAllowedInPhase(f"Cards cannot be edited {during(phase)}.")
    if new_kind is not None and new_kind not in allowed_kinds(phase, actor, mute):
        raise NotAllowedInPhase(f"You cannot turn a card into a {new_kind.value} {during(phase)}.")


def check_vote(
    phase: Phase, actor: Actor, *, already_voted: bool, votes_used: int, on_board: bool = True
) -> None:
    """`on_board` is False for a hidden card or a private one not yet revealed."""
    check_writer(actor, (Role.visitor,), "vote")
    if phase not in VOTING_PHASES:
        raise NotAllowedInPhase("Voting is open during analysis and feedback only.")
    if not on_board:
        raise NotAllowedInPhase(
            "This card is not on the board, so it cannot be voted for.", code="card_not_on_board"
        )
    if already_voted:
        raise NotAllowedInPhase("You have already voted for this card.", code="already_voted")
    if votes_used >= VOTES_PER_VISITOR:
        raise NoVotesLeft(f"You have used all {VOTES_PER_VISITOR} of your votes.")


def check_unvote(phase: Phase, actor: Actor, *, has_voted: bool) -> None:
    check_writer(actor, (Role.visitor,), "vote")
    if phase not in VOTING_PHASES:
        raise NotAllowedInPhase("Voting is open during analysis and feedback only.")
    if not has_voted:
        raise NotAllowedInPhase("You have not voted for this card.", code="not_voted")


def check_action_list(phase: Phase, actor: Actor, mute: Mute) -> None:
    """The host team writes its own action list, from `commitment` on, closed included."""
    check_writer(actor, (Role.host, Role.facilitator), "write the action list")
    check_not_muted(actor, mute)
    if phase not in ACTION_PHASES:
        raise NotAllowedInPhase("The action list and the commitment open in the commitment phase.")


def check_held(phase: Phase, met: Callable[[], bool]) -> None:
    """A peer assist called off from its welcome has no action list, commitment, feedback or
    report back: no meeting took place to act on, rate or report on (phases.met). `met` is
    asked only of a closed one (it reads the phase changes)."""
    if phase is Phase.closed and not met():
        raise NotAllowedInPhase(
            "This peer assist was called off before it began: it has no action list, "
            "commitment, feedback or report back."
        )


def check_signal(phase: Phase, actor: Actor, mute: Mute, signal: Signal) -> None:
    """A hand may go up whenever the meeting is open, a muted host team's included: asking to
    speak is what a listener does. "Done" answers the writing, so it needs something to write."""
    check_writer(actor, (Role.visitor, Role.host), "raise a hand or say they are done")
    if phase is Phase.closed:
        raise NotAllowedInPhase("The meeting is closed.")
    if signal is Signal.done and not allowed_kinds(phase, actor, mute):
        raise NotAllowedInPhase(
            f"There is nothing for you to write {during(phase)}, so nothing to be done with."
        )


def signals_to_clear(signals: dict[int, Signal]) -> list[int]:
    """Who to lower when the meeting enters another phase.

    A raised hand or "done" answers the phase it was given in: carried into the next, a hand
    looks like a new request and "done" claims work not yet started."""
    return [pid for pid, signal in signals.items() if signal is not Signal.none]


def check_report_back_by(report_back_by: date, today: date) -> None:
    check_date("report_back_by", report_back_by, today)


def check_speakers(speakers: list[int], host_ids: set[int]) -> tuple[int, ...]:
    unknown = [s for s in speakers if s not in host_ids]
    if unknown:
        # 409: well formed, but the host team of this meeting has no such members.
        raise RuleError(
            f"Speakers must be members of the host team; these are not: {listed(unknown)}.",
            code="speaker_not_host",
            status=409,
        )
    return tuple(dict.fromkeys(speakers))
