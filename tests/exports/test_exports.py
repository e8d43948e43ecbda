"""Tests for the pure action-list exporters in app.exports."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.exports import to_csv, to_ics, to_json, to_markdown

UID_DOMAIN = "peer-assist.example.org"

TRICKY_TITLES = [
    "Plain title",
    "Commas, everywhere, really",
    'She said "ship it" and left',
    "Line one\nLine two\nLine three",
    "Windows\r\nline break",
    "Pipes | in | the | middle",
    "Semi;colons; and back\\slashes",
    "Ünïcödé — 日本語のタイトル — emoji 🚀👩🏽‍💻",
    "x" * 2000,
]
# The action list's columns in CSV and Excel; Markdown puts "#" first.
ACTION_HEADER = ["Action", "Owner", "Due date", "Status", "Linked cards", "Note"]
FORMULA_TITLES = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tindent", "\rcarriage"]


def make_workshop(**overrides: Any) -> dict[str, Any]:
    workshop = {
        "id": "ws-42",
        "title": "Reducing onboarding time",
        "problem": "New hires take 6 weeks to ship.\nWe want 2 | maybe 3.",
        "purpose": "Decide what to try first",
        "duration_minutes": 90,
        "decision_date": "2024-06-30",
        "starts_at": "2024-05-02T09:00:00+00:00",
        "created_at": "2024-05-01T08:30:00+00:00",
        "facilitator_name": "Fatima",
    }
    workshop.update(overrides)
    return workshop


def make_action(action_id: int, **overrides: Any) -> dict[str, Any]:
    action = {
        "id": action_id,
        "title": f"Action {action_id}",
        "owner": "Olu",
        "due_date": "2024-06-01",
        "status": "open",
        "card_ids": [],
        "created_at": "2024-05-02T10:00:00+00:00",
        "updated_at": "2024-05-02T10:15:30+02:00",
        "note": None,
    }
    action.update(overrides)
    return action


def make_commitment(**overrides: Any) -> dict[str, Any]:
    commitment = {
        "report_back_by": "2024-07-15",
        "note": "Team retro, then email the sponsor",
        "set_at": "2024-05-02T11:00:00+00:00",
        "set_by": {"id": 7, "name": "Priya"},
    }
    commitment.update(overrides)
    return commitment


CARDS = [
    {"id": 1, "kind": "insight", "text": "Pair on the first ticket"},
    {"id": 2, "kind": "question", "text": "Who owns the dev setup docs?"},
    {"id": 3, "kind": "insight"},  # redacted: no text
    {"id": 4, "kind": "insight", "text": None},  # redacted: text nulled
]


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def action_rows(rows: list[list[str]]) -> list[list[str]]:
    header_at = rows.index(ACTION_HEADER)
    return rows[header_at + 1 :]


def parse_ics(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events(data: bytes) -> list[icalendar.Event]:
    return list(parse_ics(data).walk("VEVENT"))


def event_by_uid(data: bytes, uid: str) -> icalendar.Event:
    matches = [event for event in events(data) if str(event["UID"]) == uid]
    assert len(matches) == 1, f"expected exactly one event with UID {uid}"
    return matches[0]


def ics(workshop: dict[str, Any], actions: list[dict[str, Any]], commitment: Any) -> bytes:
    return to_ics(workshop, actions, commitment, CARDS, uid_domain=UID_DOMAIN)


# --------------------------------------------------------------------------- CSV


def test_csv_starts_with_bom_and_uses_crlf_rows() -> None:
    data = to_csv(make_workshop(), [make_action(1), make_action(2)], make_commitment(), CARDS)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 6  # title, commitment, blank, header, two actions
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_csv_header_section_holds_title_and_commitment() -> None:
    rows = parse_csv(to_csv(make_workshop(), [make_action(1)], make_commitment(), CARDS))
    assert rows[0] == ["Workshop", "Reducing onboarding time"]
    assert rows[1] == ["Report back by", "2024-07-15", "Team retro, then email the sponsor"]
    assert rows[2] == []
    assert rows[3] == ACTION_HEADER


def test_csv_action_columns() -> None:
    actions = [
        make_action(1, status="in_progress", card_ids=[2, 3, 1, 99], note="Two wards started"),
        make_action(2, owner=None, due_date=None, status="dropped"),
    ]
    rows = action_rows(parse_csv(to_csv(make_workshop(), actions, make_commitment(), CARDS)))
    assert rows == [
        [
            "Action 1",
            "Olu",
            "2024-06-01",
            "In progress",
            "Who owns the dev setup docs?\nPair on the first ticket",
            # The follow-up note, last, as the record's action table has it.
            "Two wards started",
        ],
        ["Action 2", "", "", "Dropped", "", ""],
    ]


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_csv_tricky_titles_round_trip(title: str) -> None:
    data = to_csv(make_workshop(title=title), [make_action(1, title=title)], None, CARDS)
    rows = parse_csv(data)
    assert rows[0] == ["Workshop", title]
    assert action_rows(rows)[0][0] == title


@pytest.mark.parametrize("value", FORMULA_TITLES)
def test_csv_guards_formula_injection_in_every_text_cell(value: str) -> None:
    cards = [{"id": 1, "kind": "insight", "text": value}]
    data = to_csv(
        make_workshop(title=value),
        [make_action(1, title=value, owner=value, card_ids=[1], note=value)],
        make_commitment(note=value),
        cards,
    )
    rows = parse_csv(data)
    guarded = "'" + value
    assert rows[0][1] == guarded
    assert rows[1][2] == guarded
    assert action_rows(rows)[0] == [guarded, guarded, "2024-06-01", "Open", guarded, guarded]


@pytest.mark.parametrize("value", ["a=b", "1-2", "'quoted already", " =leading space", "📎 @x"])
def test_csv_leaves_harmless_values_alone(value: str) -> None:
    rows = parse_csv(to_csv(make_workshop(), [make_action(1, title=value)], None, CARDS))
    assert action_rows(rows)[0][0] == value


# ---------------------------------------------------------------------- Markdown


def split_gfm_row(line: str) -> list[str]:
    """Split a GFM table row the way cmark-gfm does: a backslash escapes the next char."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, current, i = [], "", 1
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            current += line[i : i + 2]
            i += 2
            continue
        if char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
        i += 1
    return cells


def markdown_table(text: str) -> list[list[str]]:
    lines = text.split("\n")
    start = lines.index("| # | Action | Owner | Due date | Status | Linked cards | Note |")
    table = []
    for line in lines[start:]:
        if not line:
            break
        table.append(split_gfm_row(line))
    return table


def test_markdown_has_title_problem_commitment_and_actions() -> None:
    actions = [
        make_action(1, card_ids=[1, 3]),
        make_action(2, title="Write the buddy guide", note="Started *slowly*\non two wards"),
    ]
    text = to_markdown(make_workshop(), actions, make_commitment(), CARDS).decode("utf-8")
    assert text.startswith("# Reducing onboarding time\n")
    # Read in an editor, it says what was typed: only the pipe, a table's cell mark, is escaped.
    assert "> New hires take 6 weeks to ship.\n> We want 2 \\| maybe 3." in text
    assert (
        "**Report back by:** 2024-07-15 — Team retro, then email the sponsor _(set by Priya)_"
        in text
    )
    table = markdown_table(text)
    assert len(table) == 4
    assert table[1] == ["---"] * 7
    assert table[2] == [
        "1",
        "Action 1",
        "Olu",
        "2024-06-01",
        "Open",
        "• Pair on the first ticket",
        "",
    ]
    assert table[3][1] == "Write the buddy guide"
    assert table[3][6] == "Started \\*slowly\\*<br>on two wards"


@pytest.mark.parametrize(
    "title",
    [*TRICKY_TITLES, "ends with backslash \\", "escaped \\| pipe", "| leading pipe", "a||b"],
)
def test_markdown_table_survives_pipes_and_newlines(title: str) -> None:
    cards = [{"id": 1, "kind": "insight", "text": title}]
    actions = [make_action(1, title=title, owner=title, card_ids=[1], note=title), make_action(2)]
    text = to_markdown(make_workshop(), actions, None, cards).decode("utf-8")
    table = markdown_table(text)
    assert len(table) == 4, "a newline leaked out of a cell and split the table"
    assert all(len(row) == 7 for row in table), table
    assert table[3][1] == "Action 2"
    assert table[2][1].count("<br>") == len(re.findall(r"\r\n|\r|\n", title.strip()))


def test_markdown_links_card_texts_and_skips_redacted() -> None:
    actions = [make_action(1, card_ids=[2, 3, 4, 1])]
    table = markdown_table(to_markdown(make_workshop(), actions, None, CARDS).decode("utf-8"))
    assert table[2][5] == "• Who owns the dev setup docs?<br>• Pair on the first ticket"


# -------------------------------------------------------------------------- JSON


def test_json_round_trips() -> None:
    workshop = make_workshop(join_secret="do-not-leak")
    actions = [make_action(1, title=TRICKY_TITLES[7], card_ids=[1, 3]), make_action(2)]
    commitment = make_commitment()
    doc = json.loads(to_json(workshop, actions, commitment, CARDS))
    assert list(doc) == ["workshop", "commitment", "actions", "themes"]
    assert doc["workshop"] == {k: v for k, v in workshop.items() if k != "join_secret"}
    assert doc["commitment"] == commitment
    assert [
        {k: v for k, v in a.items() if k not in ("linked_cards", "themes")} for a in doc["actions"]
    ] == actions
    assert doc["actions"][0]["linked_cards"] == [CARDS[0]]
    assert doc["actions"][1]["linked_cards"] == []


def test_json_key_order_is_stable() -> None:
    shuffled = dict(reversed(list(make_action(1).items())))
    doc = json.loads(to_json(make_workshop(), [shuffled], None, CARDS))
    assert list(doc["actions"][0]) == [
        "id",
        "title",
        "owner",
        "due_date",
        "status",
        "card_ids",
        "created_at",
        "updated_at",
        "note",
        "linked_cards",
        "themes",
    ]
    assert list(doc["workshop"])[:3] == ["id", "title", "problem"]


def test_json_keeps_unicode_readable() -> None:
    data = to_json(make_workshop(title="Café 🚀"), [], None, CARDS)
    assert "Café 🚀".encode() in data


# --------------------------------------------------------------------------- ICS


def test_ics_has_one_event_per_dated_action_plus_commitment() -> None:
    actions = [make_action(1), make_action(2, due_date=None), make_action(3, due_date="2024-12-31")]
    data = ics(make_workshop(), actions, make_commitment())
    cal = parse_ics(data)
    assert str(cal["VERSION"]) == "2.0"
    assert "Peer Assist Live" in str(cal["PRODID"])
    assert sorted(str(event["UID"]) for event in events(data)) == [
        f"action-1-ws-42@{UID_DOMAIN}",
        f"action-3-ws-42@{UID_DOMAIN}",
        f"commitment-ws-42@{UID_DOMAIN}",
    ]


def test_ics_events_are_all_day() -> None:
    actions = [make_action(1, due_date="2024-12-31")]
    data = ics(make_workshop(), actions, make_commitment(report_back_by="2024-02-28"))
    starts = {}
    for event in events(data):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert type(start) is date and type(end) is date
        assert end == start + timedelta(days=1)
        starts[str(event["UID"]).split("-")[0]] = start
    assert starts == {"commitment": date(2024, 2, 28), "action": date(2024, 12, 31)}
    assert b"DTSTART;VALUE=DATE:20241231\r\nDTEND;VALUE=DATE:20250101\r\n" in data


def test_ics_uids_are_stable_and_distinct() -> None:
    def uids() -> list[str]:
        data = ics(make_workshop(), [make_action(1), make_action(2)], make_commitment())
        return [str(event["UID"]) for event in events(data)]

    first = uids()
    assert first == uids()
    assert len(set(first)) == 3
    other_workshop = ics(make_workshop(id="ws-43"), [make_action(1)], make_commitment())
    assert not set(first) & {str(event["UID"]) for event in events(other_workshop)}


def test_ics_dtstamp_comes_from_the_data_in_utc() -> None:
    data = ics(make_workshop(), [make_action(1)], make_commitment())
    commitment = event_by_uid(data, f"commitment-ws-42@{UID_DOMAIN}")
    action = event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")
    assert commitment["DTSTAMP"].dt == datetime.fromisoformat("2024-05-02T11:00:00+00:00")
    assert action["DTSTAMP"].dt == datetime.fromisoformat("2024-05-02T08:15:30+00:00")
    assert b"DTSTAMP:20240502T081530Z\r\n" in data


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_ics_summaries_round_trip(title: str) -> None:
    data = ics(make_workshop(), [make_action(1, title=title)], None)
    expected = title.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")["SUMMARY"]) == expected


def test_ics_escapes_commas_semicolons_backslashes() -> None:
    title = "Budget, scope; and C:\\temp\\new"
    data = ics(make_workshop(title=title), [make_action(1, title=title)], make_commitment())
    assert b"SUMMARY:Budget\\, scope\\; and C:\\\\temp\\\\new\r\n" in data
    assert str(event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")["SUMMARY"]) == title
    commitment = event_by_uid(data, f"commitment-ws-42@{UID_DOMAIN}")
    assert str(commitment["SUMMARY"]) == f"Report back: {title}"
    assert str(commitment["DESCRIPTION"]).splitlines() == [
        f"Workshop: {title}",
        "Note: Team retro, then email the sponsor",
        "Set by: Priya",
    ]


def test_ics_long_unicode_titles_fold_at_75_octets() -> None:
    title = ("Überprüfung der Einarbeitung — 日本語 🚀👩🏽‍💻 e\u0301, ; ") * 40
    data = ics(make_workshop(), [make_action(1, title=title)], None)
    assert data.endswith(b"END:VCALENDAR\r\n")
    physical = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical) and b"\r" not in b"".join(physical)
    assert all(len(line) <= 75 for line in physical)
    for line in physical:
        line.decode("utf-8")  # raises if a fold split a multi-byte sequence
    continuations = sum(line.startswith(b" ") for line in physical)
    assert continuations >= len(title.encode("utf-8")) // 74
    assert str(event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")["SUMMARY"]) == title


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(blacklist_categories=["Cc", "Cs"]), st.sampled_from("\n,;\\:\t")
        ),
        max_size=300,
    )
)
def test_ics_any_text_round_trips(title: str) -> None:
    data = ics(make_workshop(), [make_action(1, title=title)], None)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert str(event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")["SUMMARY"]) == title


def test_ics_linked_cards_and_status_in_description() -> None:
    actions = [
        make_action(1, status="dropped", card_ids=[3, 2], note="Pharmacy said no"),
        make_action(2),
    ]
    data = ics(make_workshop(), actions, None)
    dropped = event_by_uid(data, f"action-1-ws-42@{UID_DOMAIN}")
    assert str(dropped["STATUS"]) == "CANCELLED"
    assert str(dropped["DESCRIPTION"]).splitlines() == [
        "Workshop: Reducing onboarding time",
        "Owner: Olu",
        "Status: Dropped",
        "Note: Pharmacy said no",
        "Linked cards:",
        "- Who owns the dev setup docs?",
    ]
    assert "STATUS" not in event_by_uid(data, f"action-2-ws-42@{UID_DOMAIN}")


@pytest.mark.parametrize("domain", ["", "has space", "user@host"])
def test_ics_rejects_bad_uid_domain(domain: str) -> None:
    with pytest.raises(ValueError, match="uid_domain"):
        to_ics(make_workshop(), [], None, [], uid_domain=domain)


# ------------------------------------------------------------------ all formats


def render_all(workshop: Any, actions: Any, commitment: Any, cards: Any) -> list[bytes]:
    return [
        to_csv(workshop, actions, commitment, cards),
        to_markdown(workshop, actions, commitment, cards),
        to_json(workshop, actions, commitment, cards),
        to_ics(workshop, actions, commitment, cards, uid_domain=UID_DOMAIN),
    ]


def test_every_format_is_deterministic() -> None:
    def build() -> list[bytes]:
        actions = [make_action(i, card_ids=[1, 2]) for i in range(1, 4)]
        return render_all(make_workshop(), actions, make_commitment(), CARDS)

    first, second = build(), build()
    assert all(isinstance(out, bytes) and out for out in first)
    assert first == second


def test_no_commitment_and_no_actions() -> None:
    workshop = make_workshop(purpose=None)
    csv_data, md_data, json_data, ics_data = render_all(workshop, [], None, [])

    assert parse_csv(csv_data) == [
        ["Workshop", "Reducing onboarding time"],
        ["Report back by", "", ""],
        [],
        ACTION_HEADER,
    ]

    text = md_data.decode("utf-8")
    assert "**Report back by:** not set" in text
    assert "_No actions yet._" in text
    assert "| # |" not in text
    assert "**Purpose:**" not in text

    assert json.loads(json_data)["commitment"] is None
    assert json.loads(json_data)["actions"] == []

    cal = parse_ics(ics_data)
    assert str(cal["PRODID"]).startswith("-//Peer Assist Live")
    assert list(cal.walk("VEVENT")) == []
