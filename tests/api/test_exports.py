"""Downloading the action list with its commitment: CSV, Markdown, JSON and iCalendar."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import httpx
import icalendar

from tests.api.helpers import add_action, assert_error, card_id, url
from tests.conftest import Clock
from tests.factories import Person, Room, bearer, create_room, join, move

FORMATS = {
    "csv": "text/csv",
    "md": "text/markdown",
    "json": "application/json",
    "ics": "text/calendar",
}


async def closed_room(client: httpx.AsyncClient, clock: Clock) -> tuple[Room, dict, list[dict]]:
    """A closed meeting with three actions (two dated) and a commitment."""
    room = await create_room(client, title='Ward 7, discharge; "before noon"')
    host = await join(client, room, "host", "Hana Host")
    visitor = await join(client, room, "visitor", "Vic Visitor")
    await move(client, room, "analysis")
    insight = await card_id(client, room, visitor, "insight", "Pharmacy closes at five")
    await move(client, room, "commitment")
    today = clock().date()
    actions = []
    for title, owner, due, linked in (
        ("Book transport the day before", "Hana", today + timedelta(days=7), []),
        ('Open the pharmacy until eight, "trial"', "Hugo", today + timedelta(days=21), [insight]),
        ("Ask the board, undated", None, None, []),
    ):
        body: dict = {"card_ids": linked}
        if owner:
            body["owner"] = owner
        if due:
            body["due_date"] = due.isoformat()
        response = await add_action(client, room, host, title, **body)
        assert response.status_code == 201, response.text
        actions.append(response.json())
    commitment = await client.put(
        url(room, "/commitment"),
        json={"report_back_by": str(today + timedelta(days=42)), "note": "At the March ward board"},
        headers=host.headers,
    )
    assert commitment.status_code == 200
    await move(client, room, "closed")
    return room, commitment.json(), actions


async def download(client: httpx.AsyncClient, room: Room, who: Person, fmt: str) -> httpx.Response:
    response = await client.get(url(room, f"/actions.{fmt}"), headers=who.headers)
    assert response.status_code == 200, (fmt, response.text)
    assert response.headers["content-type"].startswith(FORMATS[fmt]), response.headers
    return response


async def test_every_participant_downloads_every_format(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, _, actions = await closed_room(client, clock)
    readers = [room.facilitator, *room.people, await join(client, room, "projector", "Wall")]
    for who in readers:
        for fmt in FORMATS:
            body = (await download(client, room, who, fmt)).content
            assert actions[0]["title"].encode() in body


async def test_csv_md_and_json_hold_the_actions_and_the_commitment(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, commitment, actions = await closed_room(client, clock)
    raw = (await download(client, room, room.facilitator, "csv")).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    for action in actions:
        row = next(r for r in rows if action["title"] in r)
        if action["owner"]:
            assert action["owner"] in row
        if action["due_date"]:
            assert action["due_date"] in row
    assert commitment["report_back_by"] in cells
    assert "At the March ward board" in cells

    markdown = (await download(client, room, room.facilitator, "md")).text
    assert commitment["report_back_by"] in markdown
    for action in actions:
        assert action["title"].split(",")[0] in markdown
    document = (await download(client, room, room.facilitator, "json")).json()
    assert document["commitment"]["report_back_by"] == commitment["report_back_by"]
    assert document["commitment"]["note"] == "At the March ward board"
    assert [a["title"] for a in document["actions"]] == [a["title"] for a in actions]
    assert [a["due_date"] for a in document["actions"]] == [a["due_date"] for a in actions]


async def test_ics_holds_an_all_day_event_per_dated_action_and_the_report_back_date(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, commitment, actions = await closed_room(client, clock)
    raw = (await download(client, room, room.facilitator, "ics")).content
    calendar = icalendar.Calendar.from_ical(raw)
    events = list(calendar.walk("VEVENT"))
    starts = {}
    for event in events:
        start = event.decoded("DTSTART")
        assert isinstance(start, date) and not hasattr(start, "hour"), "not an all-day event"
        end = event.get("DTEND")
        if end is not None:
            assert event.decoded("DTEND") == start + timedelta(days=1)
        assert event.get("UID")
        starts[str(event.get("SUMMARY"))] = start
    dated = [a for a in actions if a["due_date"]]
    assert len(events) == len(dated) + 1
    for action in dated:
        assert starts[action["title"]] == date.fromisoformat(action["due_date"])
    report_back = date.fromisoformat(commitment["report_back_by"])
    assert report_back in [
        s for title, s in starts.items() if title not in {a["title"] for a in dated}
    ]
    assert len({str(e.get("UID")) for e in events}) == len(events)


async def test_exports_need_a_participant_and_work_when_empty(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    other = await create_room(client)
    for fmt in FORMATS:
        assert_error(await client.get(url(room, f"/actions.{fmt}")), 401)
        assert_error(
            await client.get(url(room, f"/actions.{fmt}"), headers=bearer("not-a-token")), 401
        )
        assert_error(
            await client.get(url(room, f"/actions.{fmt}"), headers=other.facilitator.headers), 403
        )
        # An empty list exports too.
        await download(client, room, room.facilitator, fmt)
    ics = (await download(client, room, room.facilitator, "ics")).content
    assert list(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == []
