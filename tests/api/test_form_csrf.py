"""The plain forms that set a session refuse posts from another site's page (login CSRF)."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import API, Room, admin, create_room

EVIL = "https://evil.example"
# What a browser sends with a form on another site's page, and on one of ours.
CROSS_SITE = [
    {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.testserver"},
    {"Origin": EVIL},
    {"Origin": "null"},
]
OUR_OWN = [
    {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://testserver"},
    {},  # no browser page at all: curl or a script, which carries nobody's cookies
]

START_FORM = {
    "title": "Cutting discharge delays",
    "problem": "Patients wait a day for transport.",
    "facilitator_name": "Ada",
    "length": "min:90",
    "aim_is_learning": "on",
}


def forms(room: Room) -> list[tuple[str, dict]]:
    join_form = {"name": "Vera", "accept": "on"}
    return [
        ("/start", START_FORM),
        (f"/j/{room.invites['visitor']['code']}", join_form),
        (f"/r/{room.created['workshop']['room_code']}", join_form),
    ]


async def people_in(client: httpx.AsyncClient, room: Room) -> int:
    state = await client.get(f"{API}/workshops/{room.id}", headers=room.facilitator.headers)
    return len(state.json()["participants"]) + len(state.json().get("lobby") or [])


@pytest.mark.parametrize("headers", CROSS_SITE)
async def test_a_cross_site_form_post_is_refused_and_sets_nothing(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    room = await create_room(client)
    before = await people_in(client, room)
    for path, form in forms(room):
        response = await client.post(path, data=form, headers=headers)
        assert response.status_code == 403, path
        assert "came from another site" in response.text
        assert "set-cookie" not in response.headers
    assert await people_in(client, room) == before


@pytest.mark.parametrize("headers", OUR_OWN)
async def test_our_own_pages_may_post_the_forms(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    room = await create_room(client)
    for path, form in forms(room):
        # Starting a peer assist takes an account (the others are for anyone with the link).
        signed = admin() if path == "/start" else {}
        response = await client.post(path, data=form, headers=headers | signed)
        assert response.status_code == 303, (path, response.text)
        assert response.headers["location"] != "/signin?next=/", path
        assert "set-cookie" in response.headers
