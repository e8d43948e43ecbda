"""Themes: the facilitator's grouping of cards, and the rules for making and changing them.

A card carries its theme by name (API.md: `PATCH /cards/{id}` takes `theme?`, cards show it as
a name), and a workshop's themes are the names its facilitator made. Names are compared
without regard to case or spacing, so "Transport" and " transport " are one theme.
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import Invalid, NotFound, RuleError
from .phases import Phase
from .rules import CARD_RULES, Actor, Role, check_writer, during

NAME_MAX = 80
# Where the room sees the cards by theme: the sense-making of the analysis. The feedback
# shows its own columns, what was done well first, each card labelled with its theme. The
# facilitator may sort cards into themes from the questions on, and tidy them up until the
# meeting closes.
GROUPED_PHASES = frozenset({Phase.analysis})
THEMING_PHASES = frozenset(
    {Phase.questions, Phase.analysis, Phase.feedback, Phase.commitment, Phase.reflection}
)
# What themes are for: the sense-making cards visitors write in the analysis and the feedback
# (insights, options, needs, strengths, what worked elsewhere). The welcome note, context,
# questions and surprises are not grouped, so they never swell the "not in a theme yet" pile.
THEMED_KINDS = frozenset(
    kind.value
    for phase in (Phase.analysis, Phase.feedback)
    for kind in CARD_RULES[phase][Role.visitor]
)


class ThemeExists(RuleError):
    status, code = 409, "theme_exists"


def key(name: str) -> str:
    """What makes two names one theme."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    """A theme's name as kept: single spaces, 1 to NAME_MAX characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Invalid("A theme needs a name.", code="invalid_theme_name")
    if len(cleaned) > NAME_MAX:
        raise Invalid(
            f"A theme's name is at most {NAME_MAX} characters.", code="invalid_theme_name"
        )
    return cleaned


def check_theming(phase: Phase, actor: Actor) -> None:
    check_writer(actor, (Role.facilitator,), "make, rename or merge themes")
    if phase not in THEMING_PHASES:
        raise RuleError(
            f"Themes are made from the questions phase on, not {during(phase)}.",
            code="not_allowed_in_phase",
        )


def find(themes: Iterable[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    wanted = key(name)
    return next((t for t in themes if key(t["name"]) == wanted), None)


def check_new_name(
    themes: Sequence[Mapping[str, Any]], name: str, *, renaming: int | None = None
) -> str:
    """The cleaned name, if no other theme of the workshop has it already."""
    cleaned = clean_name(name)
    same = find(themes, cleaned)
    if same is not None and same["id"] != renaming:
        raise ThemeExists(f"There is already a theme called {same['name']!r}.")
    return cleaned


def check_merge(themes: Sequence[Mapping[str, Any]], source_id: int, into_id: int) -> None:
    ids = {t["id"] for t in themes}
    if source_id not in ids or into_id not in ids:
        raise NotFound(
            "There is no theme with that id in this peer assist.", code="theme_not_found"
        )
    if source_id == into_id:
        # Well formed, but naming the same theme twice: a conflict, like merging a theme away.
        raise RuleError(
            "A theme cannot be merged into itself.", code="merge_into_itself", status=409
        )


@dataclass
class Group:
    """Cards of one theme (name None: not in a theme yet), most voted first."""

    name: str | None
    theme_id: int | None = None
    cards: list[Mapping[str, Any]] = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(int(c.get("votes") or 0) for c in self.cards)


def group_cards(
    cards: Iterable[Mapping[str, Any]],
    themes: Sequence[Mapping[str, Any]] = (),
    *,
    kinds: Iterable[str] | None = None,
) -> list[Group]:
    """Visible cards grouped by theme: themes by vote total (then name), each theme's cards by
    votes (then age), and the cards in no theme last. A theme named on cards but missing from
    `themes` still forms its group; redacted cards (no words) are left out."""
    wanted = set(kinds) if kinds is not None else None
    groups: dict[str, Group] = {key(t["name"]): Group(t["name"], t["id"]) for t in themes}
    loose = Group(None)
    for card in cards:
        if card.get("redacted") or card.get("hidden") or card.get("private"):
            continue
        if wanted is not None and card.get("kind") not in wanted:
            continue
        name = card.get("theme")
        if not name:
            loose.cards.append(card)
            continue
        groups.setdefault(key(name), Group(name)).cards.append(card)
    ordered = sorted(groups.values(), key=lambda g: (-g.votes, key(g.name or "")))
    for group in [*ordered, loose]:
        group.cards.sort(key=lambda c: (-int(c.get("votes") or 0), c["id"]))
    return [*ordered, loose] if loose.cards else ordered
