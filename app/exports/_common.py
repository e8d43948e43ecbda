"""Helpers shared by the action-list exporters (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.domain.themes import Group, group_cards, key

# The inputs are plain dicts exactly as the JSON API returns them.
Workshop = Mapping[str, Any]
Action = Mapping[str, Any]
Commitment = Mapping[str, Any]
Card = Mapping[str, Any]

STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}


def status_label(status: str) -> str:
    """Human label for an action status; unknown values pass through unchanged."""
    return STATUS_LABELS.get(status, status)


def visible_cards_by_id(cards: Sequence[Card]) -> dict[int, Card]:
    """Index cards by id, leaving out cards whose text is missing (redacted) or empty."""
    by_id: dict[int, Card] = {}
    for card in cards:
        text = card.get("text")
        if isinstance(text, str) and text:
            by_id[card["id"]] = card
    return by_id


def linked_cards(action: Action, cards_by_id: Mapping[int, Card]) -> list[Card]:
    """The visible cards an action links to, in the action's card_ids order."""
    return [cards_by_id[cid] for cid in action.get("card_ids") or () if cid in cards_by_id]


# The action list's columns, in every table of it (CSV, Excel, Markdown): the note is what the
# host team said when it last updated the action, as the record shows it too.
ACTION_COLUMNS = ("Action", "Owner", "Due date", "Status", "Linked cards", "Note")


def action_row(
    action: Action,
    cards_by_id: Mapping[int, Card],
    *,
    typed: Callable[[str], str] = str,
    cards: Callable[[list[str]], str] = "\n".join,
) -> list[str]:
    """One action's cells under ACTION_COLUMNS: what people typed goes through `typed`, the
    linked cards' words through `cards` (a format's escaping and its way to list them)."""
    return [
        typed(action["title"]),
        typed(action.get("owner") or ""),
        action.get("due_date") or "",
        status_label(action["status"]),
        cards([card["text"] for card in linked_cards(action, cards_by_id)]),
        typed(action.get("note") or ""),
    ]


def themes(cards: Sequence[Card]) -> list[Group]:
    """The visible cards' themes, most voted first, each with its cards (no unthemed group)."""
    return [g for g in group_cards(visible_cards_by_id(cards).values()) if g.name]


def themes_of(cards: Sequence[Card]) -> list[str]:
    """The distinct themes of these cards, in order, spelt as the first card spells them."""
    seen: dict[str, str] = {}
    for card in cards:
        if card.get("theme"):
            seen.setdefault(key(card["theme"]), card["theme"])
    return list(seen.values())
