"""The briefing: the welcome phase shows its purpose on the projector, and only the
facilitator writes it."""

from __future__ import annotations

import httpx

from app.security import csrf_token, session_cookie_name, sign_session
from tests.conftest import SECRET_KEY
from tests.factories import create_room, move


async def test_the_projector_shows_the_purpose_at_the_welcome(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    headers = room.facilitator.headers
    saved = await client.post(
        f"/w/{room.id}/before/briefing",
        data={"purpose": "Hear how others book transport early", "recorded": "on"},
        headers=headers,
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    board = await client.get(f"/w/{room.id}/board", headers=headers)
    assert "to learn, not to endorse" in board.text
    assert "Hear how others book transport early" in board.text
    await move(client, room, "context")
    board = await client.get(f"/w/{room.id}/board", headers=headers)
    assert "Hear how others book transport early" not in board.text
    state = await client.get(f"/api/v1/workshops/{room.id}", headers=headers)
    assert state.json()["workshop"]["recorded"] is True


async def test_only_the_facilitator_writes_the_briefing(client: httpx.AsyncClient) -> None:
    from tests.factories import join

    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    refused = await client.post(
        f"/w/{room.id}/before/briefing", data={"purpose": "Mine now"}, headers=visitor.headers
    )
    # Refused as the API words it, for the form to say: nothing of the briefing comes back.
    assert refused.status_code == 403 and "Only the facilitator" in refused.json()["detail"]
    page = await client.get(f"/w/{room.id}/before", headers=visitor.headers)
    assert page.status_code == 403


async def test_a_refused_preparation_form_says_why(client: httpx.AsyncClient) -> None:
    """The preparation page's forms answer htmx, which shows the API's sentence by the form:
    an expired form says so (not "Join first"), and the list stays the facilitator's."""
    room = await create_room(client)
    client.cookies.set(
        session_cookie_name(room.id), sign_session(SECRET_KEY, room.facilitator.token)
    )
    base = f"/w/{room.id}/before"
    person = {"name": "Ivy", "email": "ivy@x.org", "unit": "Ward 9", "role": "visitor"}
    for path, form in (("/briefing", {"purpose": "P"}), ("/invitees", person), ("/send", {})):
        stale = await client.post(base + path, data=form)
        assert stale.status_code == 403 and stale.json()["code"] == "csrf_failed", path
    fresh = {"X-CSRF-Token": csrf_token(SECRET_KEY, room.facilitator.token)}
    added = await client.post(base + "/invitees", data=person, headers=fresh)
    assert added.status_code == 200 and "ivy@x.org" in added.text
