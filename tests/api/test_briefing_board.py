"""The welcome phase shows the briefing's purpose on the projector."""

from __future__ import annotations

import httpx

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
    assert 'role="alert"' in refused.text
    page = await client.get(f"/w/{room.id}/before", headers=visitor.headers)
    assert page.status_code == 403
