"""JSON export of the action list (deterministic: fixed key order, no export timestamp)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from app.exports._common import (
    Action,
    Card,
    Commitment,
    Workshop,
    linked_cards,
    themes,
    themes_of,
    visible_cards_by_id,
)

WORKSHOP_FIELDS = (
    "id",
    "title",
    "problem",
    "purpose",
    "duration_minutes",
    "decision_date",
    "starts_at",
    "created_at",
    "facilitator_name",
)
ACTION_FIELDS = (
    "id",
    "title",
    "owner",
    "due_date",
    "status",
    "card_ids",
    "created_at",
    "updated_at",
    "note",
)


def _commitment(commitment: Commitment | None) -> dict[str, Any] | None:
    if commitment is None:
        return None
    set_by = commitment.get("set_by")
    return {
        "report_back_by": commitment["report_back_by"],
        "note": commitment.get("note"),
        "set_at": commitment.get("set_at"),
        "set_by": None if set_by is None else {"id": set_by["id"], "name": set_by["name"]},
    }


def to_json(
    workshop: Workshop,
    actions: Sequence[Action],
    commitment: Commitment | None,
    cards: Sequence[Card],
) -> bytes:
    """Render the action list as UTF-8 JSON with a fixed key order.

    Only whitelisted workshop/action fields are copied. Each action gains
    ``linked_cards`` (id, kind, text) for its visible, non-redacted cards.
    """
    cards_by_id = visible_cards_by_id(cards)
    document = {
        "workshop": {field: workshop.get(field) for field in WORKSHOP_FIELDS},
        "commitment": _commitment(commitment),
        "actions": [
            {field: action.get(field) for field in ACTION_FIELDS}
            | {"card_ids": list(action.get("card_ids") or [])}
            | {
                "linked_cards": [
                    {"id": card["id"], "kind": card.get("kind"), "text": card["text"]}
                    for card in linked_cards(action, cards_by_id)
                ],
                "themes": themes_of(linked_cards(action, cards_by_id)),
            }
            for action in actions
        ],
        "themes": [
            {
                "name": group.name,
                "votes": group.votes,
                "card_ids": [card["id"] for card in group.cards],
            }
            for group in themes(cards)
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
