"""CSV export of the action list, ready for Excel."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from app.exports._common import (
    ACTION_COLUMNS,
    Action,
    Card,
    Commitment,
    Workshop,
    action_row,
    themes,
    visible_cards_by_id,
)

# OWASP's CSV-injection guidance: a spreadsheet may read a cell as a formula when it starts with
# one of these. Tab and carriage return are stripped first, so they count too; the full-width
# forms are read as formulas by some East Asian Excel locales.
_TRIGGERS = "=+\\-@\t\r\uff1d\uff0b\uff0d\uff20"
# A cell is not only what our writer quotes: Excel in German, French or Dutch splits on ";",
# other tools on tabs or pipes, and a line break may start a row. Whatever follows any of
# these (and any double quotes that open a field) may become the start of a cell.
_SEPARATORS = ",;\t|\r\n"
_RISKY = re.compile(f'(^|[{_SEPARATORS}])("*)(?=[{_TRIGGERS}])')


def guard_cell(value: str) -> str:
    """Neutralise formula injection: an apostrophe before each trigger that could open a cell.

    The apostrophe goes before a trigger at the very start and before one that follows any
    separator, so `see;=cmd|' /C calc'!A0` stays text even when the file is split on ";".
    Together with quoting every field (see `to_csv`) this is OWASP's mitigation.
    """
    return _RISKY.sub(r"\1\2'", value)


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
    rows += [action_row(action, cards_by_id) for action in actions]

    grouped = themes(cards)
    if grouped:
        # The themes the facilitator grouped the cards into, after the actions they led to.
        rows += [[], ["Theme", "Votes", "Cards"]]
        rows += [
            [group.name or "", str(group.votes), "\n".join(c["text"] for c in group.cards)]
            for group in grouped
        ]

    return rows_to_csv(rows)


def rows_to_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """Rows as UTF-8 CSV with a BOM and CRLF rows, every cell through :func:`guard_cell`."""
    buffer = io.StringIO(newline="")
    # Excel dialect ("\r\n" rows). Every field is quoted, as OWASP advises: a separator inside
    # a cell then splits nothing, whichever separator the reader's locale uses.
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
