"""Votes: visitors only, in analysis and feedback, once per card and five per workshop."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error, card_id, seq_of, unvote, vote, vote_of
from tests.factories import Person, Room, create_room, join, move, state


async def board_of_cards(client: httpx.AsyncClient, count: int) -> tuple[Room, Person, list[int]]:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic")
    await move(client, room, "analysis")
    ids = [
        await card_id(client, room, room.facilitator, "insight", f"Insight {n}")
        for n in range(count)
    ]
    return room, visitor, ids


def votes_on(board: dict, cid: int) -> int:
    return next(c["votes"] for c in board["cards"] if c["id"] == cid)


async def test_a_vote_answers_the_count_and_the_budget_once_per_card(
    client: httpx.AsyncClient,
) -> None:
    room, visitor, (cid,) = await board_of_cards(client, 1)
    second = await join(client, room, "visitor", "Wendy")
    response = await vote(client, room, visitor, cid)
    assert response.status_code == 200, response.text
    assert vote_of(response) == {"card_id": cid, "votes": 1, "votes_left": 4}
    response = await vote(client, room, second, cid)
    assert vote_of(response) == {"card_id": cid, "votes": 2, "votes_left": 4}
    assert votes_on(await state(client, room, room.facilitator), cid) == 2
    me = (await state(client, room, visitor))["me"]
    assert me["votes_left"] == 4
    # Once per card.
    seq = await seq_of(client, room)
    assert_error(await vote(client, room, visitor, cid), 409)
    assert await seq_of(client, room) == seq
    assert votes_on(await state(client, room, visitor), cid) == 2


async def test_five_votes_per_visitor_then_no_votes_left(client: httpx.AsyncClient) -> None:
    room, visitor, ids = await board_of_cards(client, 6)
    for n, cid in enumerate(ids[:5]):
        response = await vote(client, room, visitor, cid)
        assert vote_of(response) == {"card_id": cid, "votes": 1, "votes_left": 4 - n}
    seq = await seq_of(client, room)
    assert_error(await vote(client, room, visitor, ids[5]), 409, "no_votes_left")
    assert await seq_of(client, room) == seq
    assert votes_on(await state(client, room, visitor), ids[5]) == 0
    # The budget is per workshop: it holds across phases.
    await move(client, room, "feedback")
    assert_error(await vote(client, room, visitor, ids[5]), 409, "no_votes_left")
    # Taking one back frees one.
    response = await unvote(client, room, visitor, ids[0])
    assert response.status_code == 200, response.text
    assert vote_of(response) == {"card_id": ids[0], "votes": 0, "votes_left": 1}
    response = await vote(client, room, visitor, ids[5])
    assert vote_of(response) == {"card_id": ids[5], "votes": 1, "votes_left": 0}
    # Another visitor has a budget of their own.
    fresh = await join(client, room, "visitor", "Wendy")
    assert (await vote(client, room, fresh, ids[5])).json()["votes_left"] == 4


async def test_delete_gives_the_vote_back_and_only_visitors_vote(client: httpx.AsyncClient) -> None:
    room, visitor, (cid,) = await board_of_cards(client, 1)
    await vote(client, room, visitor, cid)
    response = await unvote(client, room, visitor, cid)
    assert response.status_code == 200
    assert vote_of(response) == {"card_id": cid, "votes": 0, "votes_left": 5}
    assert votes_on(await state(client, room, visitor), cid) == 0
    assert (await vote(client, room, visitor, cid)).json()["votes"] == 1
    await unvote(client, room, visitor, cid)
    seq = await seq_of(client, room)
    response = await unvote(client, room, visitor, cid)
    assert_error(response, 409)  # nothing to take back
    # Only visitors vote.
    host = await join(client, room, "host", "Hana")
    projector = await join(client, room, "projector", "Wall")
    seq += 2
    for who in (room.facilitator, host, projector):
        assert_error(await vote(client, room, who, cid), 403)
        assert_error(await unvote(client, room, who, cid), 403)
    assert await seq_of(client, room) == seq
    assert votes_on(await state(client, room, room.facilitator), cid) == 0


async def test_voting_is_open_in_analysis_and_feedback_only(client: httpx.AsyncClient) -> None:
    room, visitor, (cid,) = await board_of_cards(client, 1)
    for phase in ("welcome", "context", "questions", "commitment", "reflection", "closed"):
        await move(client, room, phase)
        assert_error(await vote(client, room, visitor, cid), 409, "not_allowed_in_phase")
    assert votes_on(await state(client, room, visitor), cid) == 0
    for phase in ("analysis", "feedback"):
        await move(client, room, phase)
        assert (await vote(client, room, visitor, cid)).status_code == 200
        assert (await unvote(client, room, visitor, cid)).status_code == 200
    # A hidden card is off the board: no votes for it.
    hidden = await client.patch(
        f"/api/v1/workshops/{room.id}/cards/{cid}",
        json={"hidden": True},
        headers=room.facilitator.headers,
    )
    assert hidden.status_code == 200
    assert_error(await vote(client, room, visitor, cid), 409)
    assert (await state(client, room, visitor))["me"]["votes_left"] == 5
