"""CSV export of the action list, ready for Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.exports._common import (
    Action,
    Card,
    Commitment,
    Workshop,
    linked_cards,
    status_label,
    themes,
    visible_cards_by_id,
)

ACTION_COLUMNS = ("Action", "Owner", "Due date", "Status", "Linked cards")

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, strips them and then may). Prefixing an apostrophe makes it plain text.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: str) -> str:
    """Neutralise CSV/formula injection: prefix an apostrophe to risky leading characters."""
    return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value


def to_csv(
    workshop: Workshop,
    actions: Sequence[Action],
    commitment: Commitment | None,
    cards: Sequence[Card],
) -> bytes:
    """Render the workshop's action list as UTF-8 CSV with a BOM and CRLF rows.

    A header section (workshop title, report-back commitment) comes first, then a blank
    row, then the actions table. Every cell goes through :func:`guard_cell`.
    """
    cards_by_id = visible_cards_by_id(cards)
    rows: list[list[str]] = [
        ["Workshop", workshop["title"]],
        [
            "Report back by",
            (commitment or {}).get("report_back_by") or "",
            (commitment or {}).get("note") or "",
        ],
        [],
        list(ACTION_COLUMNS),
    ]
    for action in actions:
        rows.append(
            [
                action["title"],
                action.get("owner") or "",
                action.get("due_date") or "",
                status_label(action["status"]),
                "\n".join(card["text"] for card in linked_cards(action, cards_by_id)),
            ]
        )

    grouped = themes(cards)
    if grouped:
        # The themes the facilitator grouped the cards into, after the actions they led to.
        rows += [[], ["Theme", "Votes", "Cards"]]
        rows += [
            [group.name or "", str(group.votes), "\n".join(c["text"] for c in group.cards)]
            for group in grouped
        ]

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # excel dialect: "\r\n" row terminator, minimal quoting
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
