"""The host team's action list and its commitment to report back."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.api.helpers import add_action, assert_error, card_id, seq_of, url
from tests.conftest import Clock
from tests.factories import Person, Room, create_room, join, move, state


async def room_at(client: httpx.AsyncClient, phase: str) -> tuple[Room, Person, Person]:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana Host")
    visitor = await join(client, room, "visitor", "Vic Visitor")
    if phase != "welcome":
        await move(client, room, phase)
    return room, host, visitor


async def test_hosts_and_the_facilitator_add_actions_from_commitment_on(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room, host, _ = await room_at(client, "commitment")
    due = (clock().date() + timedelta(days=14)).isoformat()
    titles = []
    for phase in ("commitment", "reflection", "closed"):
        if phase != "commitment":
            await move(client, room, phase)
        for who in (host, room.facilitator):
            title = f"{who.role} acts in {phase}"
            response = await add_action(client, room, who, title, owner="Hana", due_date=due)
            assert response.status_code == 201, response.text
            action = response.json()
            assert isinstance(action["id"], int)
            assert (
                action["title"],
                action["owner"],
                action["due_date"],
                action["status"],
                action["card_ids"],
            ) == (title, "Hana", due, "open", [])
            titles.append(title)
    board = await state(client, room, host)
    assert [a["title"] for a in board["actions"]] == titles


async def test_the_action_form_names_every_kind_of_card_it_links(
    client: httpx.AsyncClient,
) -> None:
    room, _, _ = await room_at(client, "commitment")
    page = (await client.get(f"/w/{room.id}", headers=room.facilitator.headers)).text
    # The list offers these four kinds (rules.ACTION_SOURCE_KINDS); the hint says so.
    assert "Options, insights, worked elsewhere, what else we need; most voted first." in page
    assert 'data-kinds="option insight worked_elsewhere need"' in page


async def test_actions_before_commitment_are_409(client: httpx.AsyncClient) -> None:
    room, host, _ = await room_at(client, "welcome")
    for phase in ("welcome", "context", "questions", "analysis", "feedback"):
        if phase != "welcome":
            await move(client, room, phase)
        seq = await seq_of(client, room)
        for who in (host, room.facilitator):
            if phase in ("questions", "analysis") and who is host:
                continue  # muted there: that answer is the mute's
            assert_error(
                await add_action(client, room, who, "Too early"), 409, "not_allowed_in_phase"
            )
            response = await client.put(
                url(room, "/commitment"), json={"report_back_by": "2027-01-01"}, headers=who.headers
            )
            assert_error(response, 409, "not_allowed_in_phase")
        assert await seq_of(client, room) == seq
    board = await state(client, room, room.facilitator)
    assert board["actions"] == [] and board["commitment"] is None


async def test_visitors_and_the_projector_may_not_write_the_list(client: httpx.AsyncClient) -> None:
    room, host, visitor = await room_at(client, "commitment")
    projector = await join(client, room, "projector", "Wall")
    action = (await add_action(client, room, host, "Book transport earlier")).json()
    for phase in ("commitment", "closed"):
        if phase == "closed":
            await move(client, room, "closed")
        for who in (visitor, projector):
            assert_error(await add_action(client, room, who, "Visitor action"), 403)
            response = await client.patch(
                url(room, f"/actions/{action['id']}"), json={"status": "done"}, headers=who.headers
            )
            assert_error(response, 403)
            response = await client.put(
                url(room, "/commitment"), json={"report_back_by": "2027-01-01"}, headers=who.headers
            )
            assert_error(response, 403)
    board = await state(client, room, host)
    assert [(a["title"], a["status"]) for a in board["actions"]] == [
        ("Book transport earlier", "open")
    ]
    assert board["commitment"] is None


async def test_actions_link_cards_of_this_workshop_only(client: httpx.AsyncClient) -> None:
    room, host, visitor = await room_at(client, "analysis")
    insight = await card_id(client, room, visitor, "insight", "Pharmacy closes at five")
    elsewhere = await create_room(client)
    foreign = await card_id(client, elsewhere, elsewhere.facilitator, "context", "Other room")
    await move(client, room, "commitment")
    response = await add_action(client, room, host, "Open pharmacy later", card_ids=[insight])
    assert response.status_code == 201 and response.json()["card_ids"] == [insight]
    action_id = response.json()["id"]
    seq = await seq_of(client, room)
    for ids in ([999_999], [insight, 999_999], [foreign]):
        refused = assert_error(await add_action(client, room, host, "Linked", card_ids=ids), 404)
        missing = ids[-1]
        assert refused["detail"] == f"This card is not in this peer assist: {missing}."
        response = await client.patch(
            url(room, f"/actions/{action_id}"), json={"card_ids": ids}, headers=host.headers
        )
        assert_error(response, 404)
    assert await seq_of(client, room) == seq
    assert len((await state(client, room, host))["actions"]) == 1


async def test_action_limits_and_patch(client: httpx.AsyncClient, clock: Clock) -> None:
    room, host, _ = await room_at(client, "commitment")
    long = await add_action(client, room, host, "a" * 2000, owner="o" * 80)
    assert long.status_code == 201 and long.json()["title"] == "a" * 2000
    for title, extra in (
        ("a" * 2001, {}),
        ("", {}),
        ("  ", {}),
        ("ok", {"owner": "o" * 81}),
        ("ok", {"due_date": "31/12/2027"}),
        ("ok", {"card_ids": "1"}),
        ("ok", {"status": "done"}),
    ):
        assert_error(await add_action(client, room, host, title, **extra), 422)
    assert len((await state(client, room, host))["actions"]) == 1
    created = (
        await add_action(
            client,
            room,
            host,
            "Draft",
            owner="Hana",
            due_date=(clock().date() + timedelta(days=7)).isoformat(),
        )
    ).json()
    path = url(room, f"/actions/{created['id']}")
    for status in ("in_progress", "done", "dropped", "open"):
        response = await client.patch(path, json={"status": status}, headers=host.headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    response = await client.patch(
        path,
        json={"title": "Final", "owner": "Hugo", "due_date": "2027-02-01"},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["owner"], response.json()["due_date"]) == (
        "Final",
        "Hugo",
        "2027-02-01",
    )
    cleared = await client.patch(path, json={"owner": None, "due_date": None}, headers=host.headers)
    assert cleared.status_code == 200
    assert (cleared.json()["owner"], cleared.json()["due_date"]) == (None, None)
    seq = await seq_of(client, room)
    for body in (
        {"status": "finished"},
        {"title": None},
        {"status": None},
        {"title": ""},
        {"title": "t" * 2001},
        {"owner": "o" * 81},
        {"due_date": "soon"},
        {"priority": "high"},
    ):
        assert_error(await client.patch(path, json=body, headers=host.headers), 422)
    assert_error(
        await client.patch(
            url(room, "/actions/999999"), json={"status": "done"}, headers=host.headers
        ),
        404,
    )
    assert await seq_of(client, room) == seq
    action = (await state(client, room, host))["actions"][1]
    assert (action["title"], action["owner"], action["due_date"], action["status"]) == (
        "Final",
        None,
        None,
        "open",
    )
    # Back before commitment the list is closed again.
    await move(client, room, "feedback")
    assert_error(
        await client.patch(path, json={"status": "done"}, headers=host.headers),
        409,
        "not_allowed_in_phase",
    )


async def test_put_commitment(client: httpx.AsyncClient, clock: Clock) -> None:
    room, host, visitor = await room_at(client, "commitment")
    today = clock().date()
    response = await client.put(
        url(room, "/commitment"),
        json={"report_back_by": str(today + timedelta(days=30)), "note": "To the ward board"},
        headers=host.headers,
    )
    assert response.status_code == 200, response.text
    commitment = response.json()
    assert commitment["report_back_by"] == str(today + timedelta(days=30))
    assert commitment["note"] == "To the ward board"
    assert (await state(client, room, visitor))["commitment"]["report_back_by"] == str(
        today + timedelta(days=30)
    )
    await move(client, room, "closed")
    response = await client.put(
        url(room, "/commitment"),
        json={"report_back_by": str(today)},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["report_back_by"] == str(today)
    assert response.json().get("note") is None
    seq = await seq_of(client, room)
    for body in (
        {"report_back_by": str(today - timedelta(days=1))},
        {"report_back_by": "2020-01-01", "note": "Long ago"},
        {"note": "No date"},
        {"report_back_by": "tomorrow"},
        {"report_back_by": str(today), "note": "n" * 2001},
        {"report_back_by": str(today), "extra": 1},
    ):
        assert_error(
            await client.put(url(room, "/commitment"), json=body, headers=host.headers), 422
        )
    assert await seq_of(client, room) == seq
    assert (await state(client, room, host))["commitment"]["report_back_by"] == str(today)
