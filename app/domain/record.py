"""What the record of a peer assist holds, for people who were not in the room.

The record is ordered by meaning, not by the order things were said: the public contract fixes
its sections. Nothing here does I/O; the exporters render what these rules select.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from .rules import CardKind, Role

K = CardKind

# (id, title, card kinds) in the contract's order. Each renderer walks this one tuple.
SECTIONS: tuple[tuple[str, str, tuple[CardKind, ...]], ...] = (
    ("problem", "The problem and purpose", ()),
    ("background", "Background", (K.context,)),
    (
        "surprises",
        "What surprised the visitors, and what they expected but did not hear",
        (K.surprise, K.gap),
    ),
    ("insights", "Insights and options, by theme", (K.insight, K.option)),
    ("worked_elsewhere", "What has worked elsewhere", (K.worked_elsewhere,)),
    ("strengths", "What was done well", (K.strength,)),
    ("actions", "Actions and the report-back date", ()),
    ("takeaways", "Visitors' takeaways", (K.takeaway,)),
)
SECTION_IDS: tuple[str, ...] = tuple(s[0] for s in SECTIONS)
# Added after the contract's sections once the host team has reported back.
WHAT_HAPPENED_NEXT = ("what_happened_next", "What happened next")
APPENDIX = ("appendix", "Appendix: what the participants said about the session")

# Kinds the visitors voted on: the record puts the most voted first.
VOTED_KINDS: frozenset[CardKind] = frozenset({K.insight, K.option, K.worked_elsewhere, K.strength})
UNGROUPED_THEME = "Not grouped into a theme"
ROLE_LABELS: dict[str, str] = {
    Role.host.value: "Host team",
    Role.visitor.value: "Visiting peers",
    Role.facilitator.value: "Facilitator",
}
# Days before the report-back date from which it shows as due.
DUE_SOON_DAYS = 7


class ReportBackStatus(StrEnum):
    not_set = "not_set"
    upcoming = "upcoming"
    due = "due"
    overdue = "overdue"
    reported = "reported"


REPORT_BACK_LABELS: dict[ReportBackStatus, str] = {
    ReportBackStatus.not_set: "no date set",
    ReportBackStatus.upcoming: "upcoming",
    ReportBackStatus.due: "due soon",
    ReportBackStatus.overdue: "overdue",
    ReportBackStatus.reported: "reported back",
}


def on_record(card: Mapping[str, Any]) -> bool:
    """Hidden (moderated) and still-private cards never reach the record."""
    return not card.get("hidden") and not card.get("private") and bool(card.get("text"))


def author_on_record(card: Mapping[str, Any]) -> dict | None:
    """An anonymous card carries no author, whoever reads the record."""
    if card.get("anonymous"):
        return None
    return {"name": card["author_name"], "role": card["author_role"]}


def in_section(card: Mapping[str, Any], kinds: tuple[CardKind, ...], section: str) -> bool:
    if card["kind"] not in kinds:
        return False
    # The contract names the visitors' takeaways; the host team's own are its action list.
    return section != "takeaways" or card["author_role"] == Role.visitor.value


def ordered(cards: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Voted kinds most voted first (ties in the order written); the rest as written."""
    cards = sorted(cards, key=lambda c: c["id"])
    return sorted(cards, key=lambda c: -c["votes"] if c["kind"] in VOTED_KINDS else 0)


def theme_of(card: Mapping[str, Any]) -> str | None:
    theme = (card.get("theme") or "").strip()
    return theme or None


def by_theme(cards: Iterable[Mapping[str, Any]]) -> list[tuple[str | None, list]]:
    """Group by the card's theme name, the most voted theme first, ungrouped cards last."""
    groups: dict[str | None, list] = {}
    for card in sorted(cards, key=lambda c: c["id"]):
        groups.setdefault(theme_of(card), []).append(card)
    named = [(name, ordered(cs)) for name, cs in groups.items() if name is not None]
    named.sort(key=lambda g: -sum(c["votes"] for c in g[1]))
    if None in groups:
        named.append((None, ordered(groups[None])))
    return named


def listed_participants(
    workshop: Mapping[str, Any], participants: Iterable[Mapping[str, Any]]
) -> list[dict] | None:
    """Who took part, by role (with their unit when given); None for a restricted workshop.

    Restricted is read from `visibility` or a `restricted` flag, whichever the workshop carries.
    """
    if workshop.get("restricted") or workshop.get("visibility") == "restricted":
        return None
    groups = []
    # People join by name alone; the host team's unit comes from the start form.
    host_unit = workshop.get("unit") or None
    for role, label in ROLE_LABELS.items():
        people = [
            {"name": p["name"], "unit": p.get("unit") or (host_unit if role == "host" else None)}
            for p in participants
            if p["role"] == role
        ]
        if people:
            groups.append({"role": role, "label": label, "people": people})
    return groups


def report_back_status(report_back_by: date | None, today: date, *, reported: bool) -> str:
    """Where the host team stands with its promise to report back."""
    if reported:
        return ReportBackStatus.reported.value
    if report_back_by is None:
        return ReportBackStatus.not_set.value
    if today > report_back_by:
        return ReportBackStatus.overdue.value
    if (report_back_by - today).days <= DUE_SOON_DAYS:
        return ReportBackStatus.due.value
    return ReportBackStatus.upcoming.value
