"""Themes appear in every export: the grouped cards with their votes, and each action's themes."""

from __future__ import annotations

import csv
import io
import json

import icalendar

from app.exports import to_csv, to_ics, to_json, to_markdown
from tests.exports.test_exports import make_action, make_commitment, make_workshop

CARDS = [
    {
        "id": 1,
        "kind": "option",
        "text": "Book transport the day before",
        "theme": "Transport",
        "votes": 3,
    },
    {"id": 2, "kind": "insight", "text": "Pharmacy closes at 5", "theme": "Medicines", "votes": 1},
    {"id": 3, "kind": "option", "text": "A discharge lounge", "theme": "Transport", "votes": 2},
    {"id": 4, "kind": "option", "text": "Nobody grouped this", "theme": None, "votes": 9},
    {"id": 5, "kind": "option", "theme": "Secret", "redacted": True},  # hidden: no words
]


def test_csv_lists_each_theme_with_its_votes_and_cards() -> None:
    rows = list(
        csv.reader(io.StringIO(to_csv(make_workshop(), [], None, CARDS).decode("utf-8-sig")))
    )
    start = rows.index(["Theme", "Votes", "Cards"])
    assert rows[start + 1 :] == [
        ["Transport", "5", "Book transport the day before\nA discharge lounge"],
        ["Medicines", "1", "Pharmacy closes at 5"],
    ]


def test_markdown_has_a_themes_section_most_voted_first() -> None:
    text = to_markdown(make_workshop(), [], None, CARDS).decode()
    section = text.split("## Themes", 1)[1]
    assert section.index("### Transport (5 votes)") < section.index("### Medicines (1 vote)")
    assert "- A discharge lounge" in section and "Secret" not in text


def test_json_carries_themes_and_each_actions_themes() -> None:
    action = make_action(1, card_ids=[3, 2])
    doc = json.loads(to_json(make_workshop(), [action], make_commitment(), CARDS))
    assert doc["themes"] == [
        {"name": "Transport", "votes": 5, "card_ids": [1, 3]},
        {"name": "Medicines", "votes": 1, "card_ids": [2]},
    ]
    assert doc["actions"][0]["themes"] == ["Transport", "Medicines"]


def test_ics_names_the_themes_an_action_came_from() -> None:
    action = make_action(1, card_ids=[1], due_date="2027-03-01")
    calendar = icalendar.Calendar.from_ical(
        to_ics(make_workshop(), [action], None, CARDS, uid_domain="example.org")
    )
    (event,) = [c for c in calendar.walk("VEVENT")]
    assert "Themes: Transport" in str(event["DESCRIPTION"]).splitlines()
