"""The record for people who were not there: its sections, in the contract's order, in every
format, and what never reaches it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import httpx
from docx import Document
from markupsafe import escape

from app.domain.dates import long_date
from app.domain.record import SECTIONS, listed_participants
from tests.api.helpers import assert_error, url
from tests.api.record_room import ANONYMOUS, HIDDEN, PRIVATE, reflection_room
from tests.conftest import Clock
from tests.factories import create_room, move

TITLES = [title for _, title, _ in SECTIONS]
NEVER = (HIDDEN, PRIVATE, "NEED-CARD", "HOST-TAKEAWAY")


async def record(client: httpx.AsyncClient, room, who, fmt: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    response = await client.get(url(room, f"/record.{fmt}"), headers=who.headers)
    assert response.status_code == 200, response.text
    return response


async def test_markdown_has_the_sections_in_order_and_nothing_hidden(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    text = (await record(client, made.room, made.visitors[0], "md")).text
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings[: len(TITLES)] == TITLES
    for secret in NEVER:
        assert secret not in text
    assert ANONYMOUS in text
    anonymous_line = next(line for line in text.splitlines() if ANONYMOUS in line)
    assert "Vic" not in anonymous_line
    # The first lines hold the promise: the report-back date, before any section.
    assert text.index(f"**Report back by:** {made.report_back_by}") < text.index("## ")
    assert "- **Host team:** Hana Host" in text
    assert "- **Visiting peers:** Vera Visitor, Vic Visitor" in text


async def test_json_sections_in_order_with_themes_most_voted_first(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    response = await record(client, made.room, made.host, "json")
    body = response.json()
    assert [s["id"] for s in body["sections"]] == [s for s, _, _ in SECTIONS]
    assert [s["title"] for s in body["sections"]] == TITLES
    sections = {s["id"]: s for s in body["sections"]}
    themes = sections["insights"]["themes"]
    # Transport has three votes, Medicines none; cards nobody grouped come last.
    assert [t["theme"] for t in themes] == ["Transport", "Medicines", "Not grouped into a theme"]
    transport = themes[0]["points"]
    assert [p["text"] for p in transport] == ["Book transport at admission", ANONYMOUS]
    assert transport[0]["votes"] == 2
    assert transport[0]["evidence"] == "research"
    assert transport[0]["source_url"] == "https://example.org/discharge-study"
    assert transport[0]["author"] == {"name": "Vic Visitor", "role": "visitor"}
    assert transport[1]["author"] is None
    assert [p["text"] for p in sections["background"]["points"]] == [
        "Transport is booked on the day"
    ]
    assert [p["text"] for p in sections["surprises"]["surprised"]] == [
        "Nobody owns the discharge list"
    ]
    assert [p["text"] for p in sections["surprises"]["not_heard"]] == [
        "We expected to hear about weekend staffing"
    ]
    assert [p["text"] for p in sections["worked_elsewhere"]["points"]] == ["Ward 3 runs a lounge"]
    assert [p["text"] for p in sections["strengths"]["points"]] == [
        "The team already measures delays"
    ]
    assert [a["title"] for a in sections["actions"]["actions"]] == [
        "Book transport at admission",
        "Ask pharmacy about late hours",
    ]
    assert sections["actions"]["report_back"]["by"] == made.report_back_by
    assert [p["text"] for p in sections["takeaways"]["points"]] == [
        "I will try admission-day booking too"
    ]
    for secret in NEVER:
        assert secret not in response.text


async def test_docx_has_real_headings_an_actions_table_and_the_date_up_front(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    response = await record(client, made.room, made.room.facilitator, "docx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "-record.docx" in response.headers["content-disposition"]
    doc = Document(io.BytesIO(response.content))
    paragraphs = doc.paragraphs
    level_one = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert level_one[: len(TITLES)] == TITLES
    themes = [p.text for p in paragraphs if p.style.name == "Heading 2"]
    assert themes.index("Transport") < themes.index("Medicines")
    # The title, then the report-back date straight under it, before the first section.
    assert paragraphs[0].style.name == "Title"
    assert paragraphs[1].text.startswith(f"Report back by: {made.report_back_by}")
    first_section = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1")
    assert first_section > 1
    (table,) = doc.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Action", "Owner", "Due", "Status", "Note"]
    assert [r[0] for r in rows[1:]] == [
        "Book transport at admission",
        "Ask pharmacy about late hours",
    ]
    assert rows[1][1:4] == ["Hana", rows[1][2], "Open"]
    words = "\n".join(p.text for p in paragraphs) + json.dumps(rows)
    for secret in NEVER:
        assert secret not in words
    assert ANONYMOUS in words


async def test_the_record_needs_a_participant(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    assert_error(await client.get(url(room, "/record.md")), 401)
    other = await create_room(client)
    response = await client.get(url(room, "/record.json"), headers=other.facilitator.headers)
    assert_error(response, 403)
    response = await client.get(url("nope", "/record.json"), headers=room.facilitator.headers)
    assert response.status_code in (403, 404)
    empty = await client.get(url(room, "/record.json"), headers=room.facilitator.headers)
    assert empty.status_code == 200
    assert [s["id"] for s in empty.json()["sections"]] == [s for s, _, _ in SECTIONS]


def test_a_restricted_workshop_lists_nobody() -> None:
    people = [
        {"name": "Hana", "role": "host", "unit": "Ward 7"},
        {"name": "Vera", "role": "visitor"},
        {"name": "Board", "role": "projector"},
    ]
    listed = listed_participants({"visibility": "organisation"}, people)
    assert listed == [
        {"role": "host", "label": "Host team", "people": [{"name": "Hana", "unit": "Ward 7"}]},
        {"role": "visitor", "label": "Visiting peers", "people": [{"name": "Vera", "unit": None}]},
    ]
    assert listed_participants({"visibility": "restricted"}, people) is None
    assert listed_participants({"restricted": True}, people) is None


async def test_the_web_page_and_its_print_view_hold_the_same_record(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    pages = {}
    for name, path in (("page", "/record"), ("print", "/record/print")):
        response = await client.get(f"/w/{made.room.id}{path}", headers=made.visitors[0].headers)
        assert response.status_code == 200, response.text
        pages[name] = response.text
    for html in pages.values():
        positions = [html.index(f">{escape(title)}</h2>") for title in TITLES]
        assert positions == sorted(positions)
        for secret in NEVER:
            assert secret not in html
        assert "<script>" not in html and "style=" not in html and " onclick=" not in html
    assert "record-print" in pages["print"] and "data-print" in pages["print"]
    # Dates read the way the room says them, never as ISO.
    spoken = long_date(made.report_back_by)
    for html in pages.values():
        assert spoken in html and made.report_back_by not in html
        assert 'data-label="Due"' in html  # the action table stacks on a phone (record.css)
    # Only the facilitator gets the sharing panel.
    assert "Create a share link" not in pages["page"]
    console = await client.get(f"/w/{made.room.id}/record", headers=made.room.facilitator.headers)
    assert "Create a share link" in console.text
    assert (await client.get(f"/w/{made.room.id}/record")).status_code == 401


async def test_the_record_is_dated_by_the_day_the_room_met_not_the_plan(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    tomorrow = clock.now + timedelta(days=1)
    room = await create_room(client, starts_at=tomorrow.isoformat())

    async def held_on() -> str:
        return (await record(client, room, room.facilitator, "json")).json()["workshop"]["held_on"]

    assert await held_on() == tomorrow.date().isoformat()  # not begun: the planned day
    await move(client, room, "context")  # run a day early
    clock.advance(3 * 86400)
    await move(client, room, "closed")  # and closed days later
    assert await held_on() == (tomorrow - timedelta(days=1)).date().isoformat()


async def test_a_peer_assist_closed_from_its_welcome_is_not_said_to_have_been_held(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    """Its record said "Held on", in every format, of a meeting that never met, dated by the
    day it was called off."""
    planned = clock.now + timedelta(days=7)
    cancelled = await create_room(client, starts_at=planned.isoformat())
    unplanned, held = await create_room(client), await create_room(client)
    for room in (cancelled, unplanned):
        await move(client, room, "closed")
    await move(client, held, "context")
    await move(client, held, "closed")  # however briefly it met, it met
    for room, met in ((cancelled, False), (unplanned, False), (held, True)):
        workshop = (await record(client, room, room.facilitator, "json")).json()["workshop"]
        assert workshop["met"] is met
        if room is cancelled:  # the day planned, not the day it was called off
            assert workshop["held_on"] == planned.date().isoformat()
        markdown = (await record(client, room, room.facilitator, "md")).text
        docx = await record(client, room, room.facilitator, "docx")
        words = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
        page = (await client.get(f"/w/{room.id}/record", headers=room.facilitator.headers)).text
        day = workshop["held_on"]
        for text, when in ((markdown, day), (words, day), (page, long_date(day))):
            if met:
                assert f"Held on {when}, facilitated by " in text
            else:  # no day: one never planned would be "planned" for the day it was made
                assert "Held on" not in text and when not in text, text
                assert "Not held: the room has not met. Facilitator: " in text
