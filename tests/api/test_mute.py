"""Muting the host team, and the hosts the facilitator names as speakers."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error, mute_of, seq_of, set_mute
from tests.factories import add_card, create_room, join, move, state


async def test_the_facilitator_puts_the_mute_and_the_state_shows_it(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    other = await join(client, room, "host", "Hugo")
    response = await set_mute(client, room, room.facilitator, True, [host.id])
    assert response.status_code == 200, response.text
    assert mute_of(response.json()) == {"host_team_muted": True, "speakers": [host.id]}
    assert mute_of((await state(client, room, other))["mute"]) == mute_of(response.json())
    response = await set_mute(client, room, room.facilitator, False, [])
    assert mute_of(response.json()) == {"host_team_muted": False, "speakers": []}
    assert mute_of((await state(client, room, host))["mute"]) == mute_of(response.json())
    # Only the facilitator mutes.
    seq = await seq_of(client, room)
    projector = await join(client, room, "projector", "Wall")
    visitor = await join(client, room, "visitor", "Vic")
    seq += 2  # the joins
    for who in (host, visitor, projector):
        assert_error(await set_mute(client, room, who, True), 403)
    assert await seq_of(client, room) == seq
    assert (await state(client, room, room.facilitator))["mute"]["host_team_muted"] is False


async def test_a_muted_host_cannot_add_cards(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    await move(client, room, "context")
    assert (await add_card(client, room, host, "context", "Before the mute")).status_code == 201
    await set_mute(client, room, room.facilitator, True)
    seq = await seq_of(client, room)
    for kind in ("context", "question", "insight"):
        assert_error(
            await add_card(client, room, host, kind, "Muted words"), 403, "host_team_muted"
        )
    assert await seq_of(client, room) == seq
    for phase in ("questions", "analysis"):
        await move(client, room, phase)
        assert_error(
            await add_card(client, room, host, "question", "Still muted?"), 403, "host_team_muted"
        )
    texts = [c["text"] for c in (await state(client, room, room.facilitator))["cards"]]
    assert texts == ["Before the mute"]


async def test_a_named_speaker_may_add_context_and_questions(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    speaker = await join(client, room, "host", "Hana")
    listener = await join(client, room, "host", "Hugo")
    await move(client, room, "questions")
    response = await set_mute(client, room, room.facilitator, True, [speaker.id])
    assert response.status_code == 200
    for kind in ("context", "question"):
        added = await add_card(client, room, speaker, kind, f"Speaker {kind}")
        assert added.status_code == 201, added.text
        assert_error(await add_card(client, room, listener, kind, "Me too"), 403, "host_team_muted")
    # Clarifying only: the speaker adds nothing the visitors own.
    assert_error(
        await add_card(client, room, speaker, "surprise", "Nope"), 409, "not_allowed_in_phase"
    )
    texts = [c["text"] for c in (await state(client, room, room.facilitator))["cards"]]
    assert texts == ["Speaker context", "Speaker question"]
    # Entering a phase clears the speakers.
    moved = await move(client, room, "analysis")
    assert mute_of(moved["mute"]) == {"host_team_muted": True, "speakers": []}
    assert_error(
        await add_card(client, room, speaker, "question", "Still a speaker?"),
        403,
        "host_team_muted",
    )
    await set_mute(client, room, room.facilitator, True, [speaker.id])
    moved = await move(client, room, "feedback")
    assert mute_of(moved["mute"]) == {"host_team_muted": False, "speakers": []}


async def test_speakers_must_be_hosts(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    visitor = await join(client, room, "visitor", "Vic")
    projector = await join(client, room, "projector", "Wall")
    stranger = await create_room(client)
    await move(client, room, "questions")
    before = await state(client, room, room.facilitator)
    for speakers in (
        [visitor.id],
        [room.facilitator.id],
        [projector.id],
        [host.id, 999_999],
        [stranger.facilitator.id],
    ):
        # Well formed, but not members of this host team: a conflict with the meeting.
        assert_error(await set_mute(client, room, room.facilitator, True, speakers), 409)
    for body in (
        {"host_team_muted": True, "speakers": ["Hana"]},
        {"speakers": []},
        {"host_team_muted": "sometimes", "speakers": []},
    ):
        response = await client.put(
            f"/api/v1/workshops/{room.id}/mute", json=body, headers=room.facilitator.headers
        )
        assert_error(response, 422)
    after = await state(client, room, room.facilitator)
    assert after["mute"] == before["mute"] and after["seq"] == before["seq"]
