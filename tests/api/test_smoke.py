"""The shortest path through the API: create, join, post a card, read it back."""

from __future__ import annotations

import httpx

from tests.factories import add_card, create_room, join, move, state


async def test_a_visitor_question_reaches_the_board(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic Visitor")
    await move(client, room, "context")
    response = await add_card(client, room, visitor, "question", "How many beds are blocked?")
    assert response.status_code == 201
    board = await state(client, room, room.facilitator)
    assert [c["text"] for c in board["cards"]] == ["How many beds are blocked?"]
    assert board["seq"] == 4  # participant.joined, phase.changed, timer.changed, card.added
