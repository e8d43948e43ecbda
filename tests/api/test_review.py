"""The after action review: planned against actual time from the phase changes, cards, votes,
attendance, and the team's own words kept with the peer assist."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error, card_id, url, vote
from tests.conftest import Clock
from tests.factories import create_room, join, move


async def test_the_review_starts_from_what_the_app_recorded(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(client)  # 120 minutes
    hana = await join(client, room, "host", "Hana Host")
    clock.advance(120)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "context")
    await card_id(client, room, hana, "context", "We book on the day")
    await card_id(client, room, vera, "question", "Who books?")
    clock.advance(10 * 60)
    await move(client, room, "questions")
    await card_id(client, room, vera, "surprise", "No owner")
    clock.advance(30 * 60)
    await move(client, room, "analysis")
    insight = await card_id(client, room, vera, "insight", "Book at admission")
    assert (await vote(client, room, vera, insight)).status_code == 200
    clock.advance(20 * 60 + 29)
    await move(client, room, "feedback")
    clock.advance(5 * 60)
    await move(client, room, "closed")
    clock.advance(3600)  # time after closing counts for no phase

    for who in (room.facilitator, hana):
        response = await client.get(url(room, "/review"), headers=who.headers)
        assert response.status_code == 200, response.text
    data = response.json()
    actual = {row["phase"]: row["actual_min"] for row in data["phases"]}
    assert actual == {
        "welcome": None,  # its timer never ran: not timed, rather than a welcome skipped
        "context": 10,
        "questions": 30,
        "analysis": 20,
        "feedback": 5,
        "commitment": 0,
        "reflection": 0,
    }
    planned = {row["phase"]: row["planned_min"] for row in data["phases"]}
    # 120 minutes: 10-minute short slots, and a core of 4 × 22.5 minutes.
    assert planned["welcome"] == 10 and planned["context"] == round(22.5)
    context = next(row for row in data["phases"] if row["phase"] == "context")
    assert context["difference_min"] == 10 - 22
    assert data["cards"] == [
        {"phase": "context", "host": 1, "visitor": 1, "facilitator": 0},
        {"phase": "questions", "host": 0, "visitor": 1, "facilitator": 0},
        {"phase": "analysis", "host": 0, "visitor": 1, "facilitator": 0},
    ]
    assert data["votes"] == {"votes": 1, "voters": 1, "visitors": 1, "cards_voted_for": 1}
    people = {p["name"]: p for p in data["attendance"]}
    assert people["Hana Host"]["joined_at"] == "2026-11-23T09:00:00+00:00"
    assert people["Vera Visitor"]["joined_at"] == "2026-11-23T09:02:00+00:00"
    assert people["Vera Visitor"]["last_active_at"] == "2026-11-23T09:42:00+00:00"
    assert people["Ada Facilitator"]["last_active_at"] is None
    assert data["review"] == {
        "planned": None,
        "happened": None,
        "why_different": None,
        "next_time": None,
    }

    words = {"planned": "Four equal quarters", "why_different": "Questions ran long"}
    saved = await client.put(url(room, "/review"), json=words, headers=hana.headers)
    assert saved.status_code == 200, saved.text
    again = await client.get(url(room, "/review"), headers=room.facilitator.headers)
    assert again.json()["review"]["why_different"] == "Questions ran long"
    assert again.json()["review"]["happened"] is None

    # A visitor asked to read it is told it is not theirs to see, not to write.
    read = assert_error(await client.get(url(room, "/review"), headers=vera.headers), 403)
    assert "may see the after action review" in read["detail"], read
    wrote = assert_error(
        await client.put(url(room, "/review"), json=words, headers=vera.headers), 403
    )
    assert "may write the after action review" in wrote["detail"], wrote
    page = await client.get(f"/w/{room.id}/review", headers=room.facilitator.headers)
    assert page.status_code == 200
    assert "Questions ran long" in page.text and "Time: planned against actual" in page.text
    refused = await client.get(f"/w/{room.id}/review", headers=vera.headers)
    assert refused.status_code == 403
    assert "may see the after action review" in refused.text


async def test_attendance_names_no_anonymous_card_through_its_time(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    """Each card carries its time to the microsecond: a last activity taken from an anonymous
    card, or given to the microsecond, would match a person to it."""
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "analysis")
    clock.advance(95.25)
    await card_id(client, room, vera, "insight", "Book at admission")
    clock.advance(600)
    secret = {"kind": "option", "text": "Close the lounge", "anonymous": True}
    posted = await client.post(url(room, "/cards"), json=secret, headers=vera.headers)
    assert posted.status_code == 201
    data = (await client.get(url(room, "/review"), headers=room.facilitator.headers)).json()
    (seen,) = [p["last_active_at"] for p in data["attendance"] if p["name"] == "Vera Visitor"]
    board = (await client.get(url(room), headers=room.facilitator.headers)).json()
    times = {c["text"]: c["created_at"] for c in board["cards"]}
    assert seen not in times.values()
    # Her last signed card, to the minute.
    assert seen == times["Book at admission"][:16] + ":00+00:00", (seen, times)
