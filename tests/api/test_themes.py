"""Themes over the API: make, rename and merge them, put cards under them by name, and every
change is an event that folds into a participant's state."""

from __future__ import annotations

from typing import Any

import httpx

from app.db import replay
from app.domain.events import spec
from app.domain.rules import Actor, Role
from tests.api.helpers import assert_error, card_id, db_of, event_types, url
from tests.factories import Room, create_room, join, move, state
from tests.statefold import apply, comparable


async def in_analysis(client: httpx.AsyncClient) -> tuple[Room, Any, Any]:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic")
    host = await join(client, room, "host", "Hal")
    for phase in ("context", "questions", "analysis"):
        await move(client, room, phase)
    return room, visitor, host


async def patch_theme(client: httpx.AsyncClient, room: Room, cid: int, theme: str | None) -> dict:
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"theme": theme}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def folded(application: Any, room: Room, before: dict) -> dict:
    """Zulip's verify_action: the state before, with the events since as this viewer sees
    them, must equal a fresh read."""
    viewer = Actor(before["me"]["id"], Role(before["me"]["role"]))
    with db_of(application).reader() as session:
        events = replay.replay_events(session, workshop_id=room.id, after=before["seq"])
    for event in events:
        event = {**event, "data": spec(event["type"]).view(event["data"], viewer)}
        before = apply(before, event)
    return before


async def test_themes_are_made_renamed_and_merged_with_their_cards(
    app: Any, client: httpx.AsyncClient
) -> None:
    room, visitor, _ = await in_analysis(client)
    fac = room.facilitator
    cards = [await card_id(client, room, visitor, "option", f"idea {i}") for i in range(3)]
    before = await state(client, room, fac)
    assert before["themes"] == []

    made = await client.post(
        url(room, "/themes"), json={"name": " Transport "}, headers=fac.headers
    )
    assert made.status_code == 201 and made.json()["name"] == "Transport"
    transport = made.json()["id"]
    await patch_theme(client, room, cards[0], "transport")  # the existing theme, however typed
    assert (await patch_theme(client, room, cards[1], "Medicines"))["theme"] == "Medicines"
    mid = await state(client, room, fac)
    assert [t["name"] for t in mid["themes"]] == ["Transport", "Medicines"]
    assert [c["theme"] for c in mid["cards"]] == ["Transport", "Medicines", None]

    renamed = await client.patch(
        url(room, f"/themes/{transport}"), json={"name": "Getting home"}, headers=fac.headers
    )
    assert renamed.status_code == 200, renamed.text
    medicines = next(t["id"] for t in mid["themes"] if t["name"] == "Medicines")
    spot = await client.put(
        url(room, "/spotlight"), json={"theme": "medicines"}, headers=fac.headers
    )
    assert spot.json()["spotlight"] == {"theme": "Medicines"}  # the theme as it is spelt
    merged = await client.post(
        url(room, f"/themes/{medicines}/merge"), json={"into": transport}, headers=fac.headers
    )
    assert merged.json() == {"id": transport, "name": "Getting home"}

    after = await state(client, room, fac)
    assert after["themes"] == [{"id": transport, "name": "Getting home"}]
    assert [c["theme"] for c in after["cards"]] == ["Getting home", "Getting home", None]
    assert after["workshop"]["spotlight"] == {"theme": "Getting home"}  # it followed the merge
    types = [t for _, t in event_types(app, room.id)]
    assert {"theme.created", "theme.renamed", "theme.merged"} <= set(types)
    assert comparable(folded(app, room, before)) == comparable(after)


async def test_the_visitors_fold_matches_too(app: Any, client: httpx.AsyncClient) -> None:
    room, visitor, _ = await in_analysis(client)
    cid = await card_id(client, room, visitor, "option", "idea")
    before = await state(client, room, visitor)
    await patch_theme(client, room, cid, "Staffing")
    await patch_theme(client, room, cid, None)
    assert comparable(folded(app, room, before)) == comparable(await state(client, room, visitor))


async def test_theme_rules_answer_with_a_sentence(client: httpx.AsyncClient) -> None:
    room, visitor, host = await in_analysis(client)
    fac = room.facilitator
    await client.post(url(room, "/themes"), json={"name": "Transport"}, headers=fac.headers)
    assert_error(
        await client.post(url(room, "/themes"), json={"name": "TRANSPORT"}, headers=fac.headers),
        409,
        "theme_exists",
    )
    for who in (visitor, host):
        assert_error(
            await client.post(url(room, "/themes"), json={"name": "Mine"}, headers=who.headers),
            403,
            "forbidden",
        )
    assert_error(
        await client.post(url(room, "/themes"), json={"name": "   "}, headers=fac.headers), 422
    )
    assert_error(
        await client.post(url(room, "/themes/999999/merge"), json={"into": 1}, headers=fac.headers),
        404,
        "theme_not_found",
    )
    assert_error(
        await client.put(url(room, "/spotlight"), json={"theme": "Nope"}, headers=fac.headers),
        404,
        "theme_not_found",
    )
    other = await create_room(client)
    assert_error(
        await client.post(url(other, "/themes"), json={"name": "Elsewhere"}, headers=fac.headers),
        403,
    )
