"""The record's renderers, from a structure built by hand: awkward text stays intact."""

from __future__ import annotations

import io
import json
from datetime import date

from docx import Document

from app.exports.record import build_record
from app.exports.record_docx import record_docx
from app.exports.record_text import record_json, record_markdown

WORKSHOP = {
    "id": "w1",
    "title": "Ward 7 | <b>discharge</b>",
    "problem": "Line one\nLine two",
    "purpose": None,
    "facilitator_name": "Ada",
    "starts_at": None,
    "created_at": "2026-11-23T09:00:00+00:00",
    "decision_date": None,
}


def card(card_id: int, kind: str, text: str, **extra: object) -> dict:
    return {
        "id": card_id,
        "kind": kind,
        "text": text,
        "votes": 0,
        "evidence": None,
        "source_url": None,
        "anonymous": False,
        "theme": None,
        "hidden": False,
        "private": False,
        "author_name": "Vera",
        "author_role": "visitor",
        **extra,
    }


def test_control_characters_and_markup_do_not_break_any_format() -> None:
    record = build_record(
        workshop=WORKSHOP,
        participants=[{"name": "Vera", "role": "visitor", "unit": "Ward 3"}],
        cards=[card(1, "insight", "Bell\x07 and tab\tand form\x0cfeed <script>")],
        actions=[{"title": "Act | now", "owner": None, "due_date": None, "status": "open"}],
        commitment=None,
        today=date(2026, 11, 23),
        held_on=date(2026, 11, 20),
        met=True,
    )
    doc = Document(io.BytesIO(record_docx(record)))
    words = "\n".join(p.text for p in doc.paragraphs)
    assert "Bell and tab\tand formfeed <script>" in words
    assert "Vera (Ward 3)" in words
    assert "Report back by: not set yet" in words
    markdown = record_markdown(record).decode()
    assert "&lt;script>" in markdown and "<script>" not in markdown
    assert "| 1 | Act \\| now |" in markdown
    assert json.loads(record_json(record))["sections"][3]["themes"][0]["points"][0]["text"] == (
        "Bell\x07 and tab\tand form\x0cfeed <script>"
    )


def test_an_address_in_the_markdown_record_reads_as_typed() -> None:
    address = "https://example.org/lounge-study"
    record = build_record(
        workshop=WORKSHOP,
        participants=[],
        cards=[
            card(
                1,
                "insight",
                f"The lounge study ({address}) found fewer delays.",
                evidence="research",
                source_url=address,
                theme="Lounge",
            )
        ],
        actions=[],
        commitment=None,
        today=date(2026, 11, 23),
        held_on=date(2026, 11, 20),
        met=True,
    )
    markdown = record_markdown(record).decode()
    point = next(line for line in markdown.splitlines() if "lounge study" in line)
    # The address whole in the card's words and in its source, as an autolink: no backslash.
    assert point.startswith(f"- The lounge study (<{address}>) found fewer delays.")
    assert f"source: <{address}>" in point
    assert "\\" not in point
