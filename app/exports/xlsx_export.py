"""The action list as an Excel workbook whose every cell is text.

A CSV file leaves it to the spreadsheet to guess what each cell is, and the guess can be a
formula. Here each cell is written with the string type, so `=cmd|' /C calc'!A0` is shown as
those characters and never run, in any locale, and the words need no apostrophe in front.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from app.exports._common import (
    ACTION_COLUMNS,
    Action,
    Card,
    Commitment,
    Workshop,
    action_row,
    visible_cards_by_id,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel holds at most this many characters in a cell.
CELL_MAX = 32_767
WIDTHS = {"A": 48, "B": 20, "C": 14, "D": 14, "E": 60, "F": 48}


def text_cell(value: str) -> str:
    """What a cell may hold: no control characters XML refuses, and no more than Excel keeps.

    Line breaks become "\n": XML reads a bare carriage return back as one anyway.
    """
    value = ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value if len(value) <= CELL_MAX else value[: CELL_MAX - 1] + "…"


def _put_row(sheet: Worksheet, row: int, values: Sequence[str], *, bold: bool = False) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        cell.value = text_cell(value)
        # openpyxl guesses a formula from a leading "="; text is what the person typed.
        cell.data_type = "s"
        # Excel keeps it text even when someone edits the cell and presses Enter.
        cell.quotePrefix = True
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True)


def to_xlsx(
    workshop: Workshop,
    actions: Sequence[Action],
    commitment: Commitment | None,
    cards: Sequence[Card],
) -> bytes:
    """Render the action list as .xlsx, laid out like the CSV export, every cell text."""
    cards_by_id = visible_cards_by_id(cards)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Actions"
    _put_row(sheet, 1, ["Workshop", workshop["title"]], bold=True)
    _put_row(
        sheet,
        2,
        [
            "Report back by",
            (commitment or {}).get("report_back_by") or "",
            (commitment or {}).get("note") or "",
        ],
    )
    _put_row(sheet, 4, list(ACTION_COLUMNS), bold=True)
    for row, action in enumerate(actions, start=5):
        _put_row(sheet, row, action_row(action, cards_by_id))
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A5"
    # The file's own dates come from the data, not the clock, like the other exports.
    created = datetime.fromisoformat(workshop["created_at"]).astimezone(UTC).replace(tzinfo=None)
    book.properties.created = book.properties.modified = created
    book.properties.title = text_cell(workshop["title"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
