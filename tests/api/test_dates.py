"""Every date a person types lies between 2000-01-01 and ten years ahead: outside it, a 422
with a sentence, and nothing changes. The calendar export never fails, even on a date stored
before the bound existed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
import icalendar
import sqlalchemy as sa

from app.domain.dates import EARLIEST, latest
from tests.api.helpers import add_action, assert_error, count_rows, db_of, url
from tests.conftest import Clock
from tests.factories import Room, create_room, join, move, post_workshop

TODAY = datetime.now(UTC).date()
TOO_LATE = [date(9999, 12, 31), latest(TODAY) + timedelta(days=1), date(2999, 1, 1)]
TOO_EARLY = [date(1999, 12, 31), date(1, 1, 1)]
# Actions check with the app's clock (which tests set), the schema with today's date: the last
# day both take is ten years after the earlier of the two.
FINE = [latest(min(TODAY, Clock().now.date())), TODAY + timedelta(days=30)]


async def commitment_room(client: httpx.AsyncClient) -> Room:
    room = await create_room(client)
    await join(client, room, "host", "Hana Host")
    await move(client, room, "commitment")
    return room


def refused_for_range(response: httpx.Response) -> None:
    """A 422 whose sentence gives the days that would be taken."""
    body = assert_error(response, 422)
    # The app's clock (tests move it) sets the window, so read the days as a shape: in words,
    # as the pages write a date, for the person who reads the sentence.
    day = r"\d{1,2} [A-Z][a-z]+ \d{4}"
    window = re.search(rf"from ({day}) to ({day})", body["detail"])
    assert window and "10 years" in body["detail"], body


async def test_far_and_early_dates_are_422_with_the_range_and_change_nothing(
    client: httpx.AsyncClient,
) -> None:
    room = await commitment_room(client)
    created = await add_action(client, room, room.facilitator, "Book transport")
    action_id = created.json()["id"]
    fac = room.facilitator.headers
    for day in TOO_LATE + TOO_EARLY:
        value = day.isoformat()
        refused_for_range(
            await client.put(url(room, "/commitment"), json={"report_back_by": value}, headers=fac)
        )
        refused_for_range(await add_action(client, room, room.facilitator, "x", due_date=value))
        refused_for_range(
            await client.patch(
                url(room, f"/actions/{action_id}"), json={"due_date": value}, headers=fac
            )
        )
        refused_for_range(await post_workshop(client, decision_date=value))
        refused_for_range(await post_workshop(client, starts_at=f"{value}T09:00:00+00:00"))
    assert count_rows(client._transport.app, "action", workshop_id=room.id) == 1  # type: ignore[attr-defined]
    assert count_rows(client._transport.app, "commitment", workshop_id=room.id) == 0  # type: ignore[attr-defined]


async def test_dates_inside_the_range_are_kept(client: httpx.AsyncClient) -> None:
    room = await commitment_room(client)
    fac = room.facilitator.headers
    for day in FINE:
        value = day.isoformat()
        response = await client.put(
            url(room, "/commitment"), json={"report_back_by": value}, headers=fac
        )
        assert response.status_code == 200, response.text
        assert response.json()["report_back_by"] == value
        response = await add_action(client, room, room.facilitator, "x", due_date=value)
        assert response.status_code == 201, response.text
        response = await post_workshop(
            client, decision_date=value, starts_at=f"{value}T09:00:00+00:00"
        )
        assert response.status_code == 201, response.text
    # A past due date is allowed (a late action is still an action); 2000-01-01 is the floor.
    response = await add_action(client, room, room.facilitator, "x", due_date="2000-01-01")
    assert response.status_code == 201, response.text


async def test_openapi_shows_the_range_on_every_date(client: httpx.AsyncClient) -> None:
    """The schema's pattern takes exactly the days the server takes today."""
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    fields = {
        ("WorkshopCreate", "decision_date"),
        ("ActionCreate", "due_date"),
        ("ActionUpdate", "due_date"),
        ("CommitmentSet", "report_back_by"),
    }
    for model, field in fields:
        prop = schemas[model]["properties"][field]
        patterned = [s for s in prop.get("anyOf", [prop]) if "pattern" in s]
        assert len(patterned) == 1, (model, field, prop)
        takes = re.compile(patterned[0]["pattern"]).fullmatch
        assert takes(latest(TODAY).isoformat()), (model, field)
        assert takes(TODAY.isoformat()), (model, field)
        for too_late in TOO_LATE:
            assert not takes(too_late.isoformat()), (model, field, too_late)
        assert bool(takes(EARLIEST.isoformat())) is (field == "due_date"), (model, field)


async def test_exports_of_dates_stored_before_the_bound_never_fail(
    raw_client: httpx.AsyncClient,
) -> None:
    """Rows written before the bound may hold 9999-12-31 or 0001-01-01: every export works."""
    room = await commitment_room(raw_client)
    fac = room.facilitator.headers
    ok = await raw_client.put(
        url(room, "/commitment"), json={"report_back_by": FINE[1].isoformat()}, headers=fac
    )
    assert ok.status_code == 200, ok.text
    for title in ("last day", "first day"):
        assert (await add_action(raw_client, room, room.facilitator, title)).status_code == 201
    app = raw_client._transport.app  # type: ignore[attr-defined]
    with db_of(app).engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE commitment SET report_back_by = :d WHERE workshop_id = :w"),
            {"d": date.max, "w": room.id},
        )
        for title, day in (("last day", date.max), ("first day", date.min)):
            conn.execute(
                sa.text("UPDATE action SET due_date = :d WHERE workshop_id = :w AND title = :t"),
                {"d": day, "w": room.id, "t": title},
            )
    for fmt in ("ics", "csv", "md", "json"):
        response = await raw_client.get(url(room, f"/actions.{fmt}"), headers=fac)
        assert response.status_code == 200, (fmt, response.text)
    calendar = icalendar.Calendar.from_ical(
        (await raw_client.get(url(room, "/actions.ics"), headers=fac)).content
    )
    starts = sorted(event.decoded("dtstart") for event in calendar.walk("VEVENT"))
    assert starts == [date.min, date.max, date.max]
    state = await raw_client.get(url(room), headers=fac)
    assert state.status_code == 200, state.text
