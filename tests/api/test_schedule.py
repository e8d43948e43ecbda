"""The Before page moves the start and the decision date: the invitation text, its calendar
request (same UID, a higher SEQUENCE) and each person's page follow; only the facilitator may,
the dates are checked as at creation, and a meeting that has begun keeps its start."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import httpx
import icalendar

from tests.conftest import Clock
from tests.factories import API, Room, create_room, join, move


async def planned(client: httpx.AsyncClient, clock: Clock) -> tuple[Room, str]:
    """A peer assist three weeks ahead with one person invited; the path of their ics."""
    starts = (clock() + timedelta(days=21)).replace(hour=9, minute=0)
    room = await create_room(
        client,
        starts_at=starts.isoformat(),
        decision_date=(starts + timedelta(days=30)).date().isoformat(),
    )
    added = await client.post(
        f"/w/{room.id}/before/invitees",
        data={"name": "Vera", "email": "vera@x.org", "unit": "Ward 3", "role": "visitor"},
        headers=room.facilitator.headers,
    )
    (person,) = set(re.findall(r"/before/invitees/(\d+)/text", added.text))
    return room, f"/w/{room.id}/before/invitees/{person}"


def event_of(response: httpx.Response) -> icalendar.Event:
    assert response.status_code == 200, response.text
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    return event


async def schedule(client: httpx.AsyncClient, room: Room, headers: dict, **form: str) -> str:
    response = await client.post(f"/w/{room.id}/before/schedule", data=form, headers=headers)
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


async def test_moving_the_start_moves_the_invitation_and_the_personal_page(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, person = await planned(client, clock)
    headers = room.facilitator.headers
    page = await client.get(f"/w/{room.id}/before", headers=headers)
    old = datetime.fromisoformat(room.created["workshop"]["starts_at"])
    # Shown as the room's clocks say it (London, in winter the same as UTC).
    assert f'name="starts_at" value="{old:%Y-%m-%dT%H:%M}"' in page.text
    before = event_of(await client.get(f"{person}/invite.ics", headers=headers))
    assert before["DTSTART"].dt == old and before.get("SEQUENCE") == 0

    new = (old + timedelta(days=7)).replace(hour=14, minute=30)
    decision = (new + timedelta(days=5)).date()
    saved = await schedule(
        client,
        room,
        headers,
        starts_at=f"{new:%Y-%m-%dT%H:%M}",
        decision_date=decision.isoformat(),
        time_zone="Europe/London",
    )
    assert "Saved." in saved and f'value="{new:%Y-%m-%dT%H:%M}"' in saved
    # The timing warning follows the new dates at once, as on the console.
    assert 'data-code="decision_too_soon"' in saved and "only 5 days after" in saved
    timing = await client.get(f"/w/{room.id}/before/timing", headers=headers)
    assert "only 5 days after" in timing.text

    after = event_of(await client.get(f"{person}/invite.ics", headers=headers))
    assert after["UID"] == before["UID"] and after.get("SEQUENCE") == 1
    assert after["DTSTART"].dt == new and after["DTEND"].dt - new == timedelta(minutes=120)
    text = html.unescape((await client.get(f"{person}/text", headers=headers)).text)
    when = f"{new.day} {new:%B %Y}, 14:30 GMT"
    assert f"When: {when}, for 2 hours" in text  # as people say a length
    assert f"decides by {decision.day} {decision:%B %Y}." in text
    link = re.search(r"http://testserver(/i/[\w-]+)", text).group(1)
    personal = html.unescape((await client.get(link)).text)
    assert when in personal and f"{decision.day} {decision:%B %Y}" in personal
    state = (await client.get(f"{API}/workshops/{room.id}", headers=headers)).json()
    assert datetime.fromisoformat(state["workshop"]["starts_at"]) == new
    assert state["workshop"]["decision_date"] == decision.isoformat()
    # Saving the same time again is no move: calendars are not asked to update.
    await schedule(client, room, headers, starts_at=f"{new:%Y-%m-%dT%H:%M}")
    assert event_of(await client.get(f"{person}/invite.ics", headers=headers))["SEQUENCE"] == 1


async def test_only_the_facilitator_moves_it_and_the_dates_are_checked(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, _ = await planned(client, clock)
    headers = room.facilitator.headers
    state = (await client.get(f"{API}/workshops/{room.id}", headers=headers)).json()["workshop"]
    vera = await join(client, room, "visitor", "Vera")
    refused = await schedule(
        client, room, vera.headers, starts_at="2027-06-01T09:00", decision_date=""
    )
    assert "Only the facilitator may change when the peer assist meets" in refused

    gap = "2027-03-28T01:30"  # the room's zone is London's: its clocks skip 01:00 to 02:00
    refused = await schedule(client, room, headers, starts_at=gap, decision_date="")
    assert "01:30 on 28 March 2027 never shows on the clocks in Europe/London" in refused
    assert f'value="{gap}"' in refused and "Saved." not in refused

    far = f"{clock().year + 11}-01-05T09:00"
    refused = await schedule(client, room, headers, starts_at=far, decision_date="2027-02-01")
    assert "Starts: must be a day from" in refused and f'value="{far}"' in refused
    assert 'value="2027-02-01"' in refused and "Saved." not in refused
    past = (clock() - timedelta(days=2)).date().isoformat()
    shown = f"{datetime.fromisoformat(state['starts_at']):%Y-%m-%dT%H:%M}"
    refused = await schedule(client, room, headers, starts_at=shown, decision_date=past)
    assert "The decision date is in the past" in refused and f'value="{past}"' in refused
    # The sentence stands under the fields, and names the one it is about.
    assert 'name="decision_date" value="' + past + '" hx-post' in refused
    assert 'aria-invalid="true"' in refused.split('name="decision_date"', 1)[1].split(">", 1)[0]
    now = (await client.get(f"{API}/workshops/{room.id}", headers=headers)).json()["workshop"]
    assert now == state


async def test_a_peer_assist_that_has_begun_keeps_its_start(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, _ = await planned(client, clock)
    headers = room.facilitator.headers
    starts = datetime.fromisoformat(room.created["workshop"]["starts_at"])
    shown = f"{starts:%Y-%m-%dT%H:%M}"
    await move(client, room, "context")
    page = await client.get(f"/w/{room.id}/before", headers=headers)
    assert f'value="{shown}" readonly' in page.text
    moved = f"{starts + timedelta(days=1):%Y-%m-%dT%H:%M}"
    refused = await schedule(client, room, headers, starts_at=moved, decision_date="")
    assert "has already begun, so its start time can no longer be changed" in refused
    assert f'value="{moved}"' in refused
    # The decision date still moves; the start, sent back as shown, is no change.
    later = (starts + timedelta(days=60)).date().isoformat()
    saved = await schedule(client, room, headers, starts_at=shown, decision_date=later)
    assert "Saved." in saved
    await move(client, room, "closed")
    refused = await schedule(client, room, headers, starts_at=moved, decision_date=later)
    assert "is closed, so its start time can no longer be changed" in refused
    state = (await client.get(f"{API}/workshops/{room.id}", headers=headers)).json()["workshop"]
    assert datetime.fromisoformat(state["starts_at"]) == starts
    assert state["decision_date"] == later
