"""A peer assist taken to reflection through the public API, with something for every section
of the record and a few cards that must never reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from tests.api.helpers import add_action, card_id, url, vote
from tests.conftest import Clock
from tests.factories import Person, Room, create_room, join, move

HIDDEN = "HIDDEN-CARD moderated away"
PRIVATE = "PRIVATE-CARD still unrevealed"
ANONYMOUS = "Nobody should know who wrote this"


@dataclass
class RecordRoom:
    room: Room
    host: Person
    visitors: list[Person]
    report_back_by: str
    texts: dict[str, str] = field(default_factory=dict)


async def themed(client: httpx.AsyncClient, room: Room, card: int, theme: str) -> None:
    response = await client.patch(
        url(room, f"/cards/{card}"), json={"theme": theme}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text


async def reflection_room(client: httpx.AsyncClient, clock: Clock) -> RecordRoom:
    room = await create_room(client, purpose="Decide what to try before winter")
    host = await join(client, room, "host", "Hana Host")
    vera = await join(client, room, "visitor", "Vera Visitor")
    vic = await join(client, room, "visitor", "Vic Visitor")
    await move(client, room, "context")
    await card_id(client, room, host, "context", "Transport is booked on the day")
    await move(client, room, "questions")
    await card_id(client, room, vera, "surprise", "Nobody owns the discharge list")
    await card_id(client, room, vic, "gap", "We expected to hear about weekend staffing")
    await card_id(client, room, vic, "need", "Bed occupancy figures (NEED-CARD)")
    await move(client, room, "analysis")
    few = await card_id(
        client, room, vera, "insight", "Pharmacy closes at five", evidence="experience"
    )
    many = await card_id(
        client,
        room,
        vic,
        "option",
        "Book transport at admission",
        evidence="research",
        source_url="https://example.org/discharge-study",
    )
    loose = await card_id(client, room, vera, "option", "Try a discharge lounge")
    anonymous = await card_id(client, room, vic, "insight", ANONYMOUS, anonymous=True)
    hidden = await card_id(client, room, vic, "insight", HIDDEN)
    await themed(client, room, few, "Medicines")
    await themed(client, room, many, "Transport")
    await themed(client, room, anonymous, "Transport")
    response = await client.patch(
        url(room, f"/cards/{hidden}"), json={"hidden": True}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text
    for voter in (vera, vic):
        assert (await vote(client, room, voter, many)).status_code == 200
    assert (await vote(client, room, vic, anonymous)).status_code == 200
    assert (await vote(client, room, vera, loose)).status_code == 200
    await move(client, room, "feedback")
    await card_id(client, room, vera, "strength", "The team already measures delays")
    await card_id(client, room, vic, "worked_elsewhere", "Ward 3 runs a lounge", evidence="both")
    await move(client, room, "commitment")
    today = clock().date()
    response = await add_action(
        client,
        room,
        host,
        "Book transport at admission",
        owner="Hana",
        due_date=str(today + timedelta(days=14)),
    )
    assert response.status_code == 201, response.text
    await add_action(client, room, host, "Ask pharmacy about late hours")
    report_back_by = str(today + timedelta(days=30))
    response = await client.put(
        url(room, "/commitment"),
        json={"report_back_by": report_back_by, "note": "At the March board"},
        headers=host.headers,
    )
    assert response.status_code == 200, response.text
    await move(client, room, "reflection")
    await card_id(client, room, vera, "takeaway", "I will try admission-day booking too")
    await card_id(client, room, host, "takeaway", "HOST-TAKEAWAY listen more")
    response = await client.put(
        url(room, "/private-writing"),
        json={"private_writing": True},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200, response.text
    await card_id(client, room, vera, "takeaway", PRIVATE)
    return RecordRoom(room, host, [vera, vic], report_back_by)
