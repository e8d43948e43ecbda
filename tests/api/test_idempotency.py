"""`Idempotency-Key`: a repeat from the same participant returns the first result, changes
nothing."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.helpers import assert_error, count_rows, seq_of, url
from tests.factories import (
    API,
    Person,
    Room,
    admin,
    create_room,
    join,
    make_account,
    move,
    state,
    workshop_body,
)


def keyed(who: Person, key: str) -> dict[str, str]:
    return {**who.headers, "Idempotency-Key": key}


async def post_card(
    client: httpx.AsyncClient,
    room: Room,
    who: Person,
    key: str,
    text: str = "How many beds are blocked?",
) -> httpx.Response:
    return await client.post(
        url(room, "/cards"), json={"kind": "question", "text": text}, headers=keyed(who, key)
    )


async def context_room(client: httpx.AsyncClient) -> tuple[Room, Person]:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic")
    await move(client, room, "context")
    return room, visitor


async def test_repeats_return_the_first_card_and_add_nothing(client: httpx.AsyncClient) -> None:
    room, visitor = await context_room(client)
    for times in (2, 3, 10):
        seq = await seq_of(client, room)
        responses = [
            await post_card(client, room, visitor, f"key-{times}", f"Card {times}")
            for _ in range(times)
        ]
        assert {r.status_code for r in responses} == {201}
        assert all(r.json() == responses[0].json() for r in responses)
        assert await seq_of(client, room) == seq + 1
    board = await state(client, room, visitor)
    assert [c["text"] for c in board["cards"]] == ["Card 2", "Card 3", "Card 10"]
    assert len({c["id"] for c in board["cards"]}) == 3
    # Repeats racing each other make one card too.
    responses = await asyncio.gather(
        *(post_card(client, room, visitor, "racing", "Raced") for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    board = await state(client, room, visitor)
    assert [c["id"] for c in board["cards"] if c["text"] == "Raced"] == [responses[0].json()["id"]]


async def test_the_same_key_with_another_body_is_409(client: httpx.AsyncClient) -> None:
    room, visitor = await context_room(client)
    first = await post_card(client, room, visitor, "k1", "First")
    assert first.status_code == 201
    seq = await seq_of(client, room)
    assert_error(
        await post_card(client, room, visitor, "k1", "Second"), 409, "idempotency_key_reused"
    )
    assert await seq_of(client, room) == seq
    other_route = await client.post(
        url(room, "/phase"), json={"to": "next"}, headers=keyed(room.facilitator, "k1")
    )
    assert other_route.status_code == 200  # another participant: another scope
    board = await state(client, room, visitor)
    assert [c["text"] for c in board["cards"]] == ["First"]
    assert board["phase"] == "questions"
    again = await post_card(client, room, visitor, "k1", "First")
    assert again.status_code == 201 and again.json() == first.json()
    # The same participant's key on another route is another request too.
    seq = await seq_of(client, room)
    refused = await client.post(
        url(room, "/timer"), json={"action": "pause"}, headers=keyed(room.facilitator, "k1")
    )
    assert_error(refused, 409, "idempotency_key_reused")
    assert await seq_of(client, room) == seq
    assert (await state(client, room, visitor))["timer"]["status"] == "running"


async def test_keys_are_scoped_per_participant_and_refusals_are_not_kept(
    client: httpx.AsyncClient,
) -> None:
    room, visitor = await context_room(client)
    second = await join(client, room, "visitor", "Wendy")
    a = await post_card(client, room, visitor, "same-key")
    b = await post_card(client, room, second, "same-key")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert b.json()["author"]["id"] == second.id
    assert len((await state(client, room, visitor))["cards"]) == 2
    # A refused write is not remembered: the client fixes things and retries with its key.
    await move(client, room, "welcome")
    assert_error(
        await post_card(client, room, visitor, "early", "Too soon"), 409, "not_allowed_in_phase"
    )
    await move(client, room, "context")
    retried = await post_card(client, room, visitor, "early", "Too soon")
    assert retried.status_code == 201, retried.text
    assert len((await state(client, room, visitor))["cards"]) == 3


async def test_repeated_commands_apply_once(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    fac = room.facilitator
    visitor = await join(client, room, "visitor", "Vic")
    host = await join(client, room, "host", "Hana")
    phase = [
        await client.post(url(room, "/phase"), json={"to": "next"}, headers=keyed(fac, "next-1"))
        for _ in range(3)
    ]
    assert [r.status_code for r in phase] == [200, 200, 200]
    assert (await state(client, room, fac))["phase"] == "context"
    extended = [
        await client.post(
            url(room, "/timer"),
            json={"action": "extend", "seconds": 60},
            headers=keyed(fac, "ext-1"),
        )
        for _ in range(3)
    ]
    assert len({r.text for r in extended}) == 1
    first_end = extended[0].json()["ends_at"]
    assert (await state(client, room, fac))["timer"]["ends_at"] == first_end
    await move(client, room, "analysis")
    card = (
        await client.post(
            url(room, "/cards"), json={"kind": "insight", "text": "x"}, headers=fac.headers
        )
    ).json()["id"]
    votes = [
        await client.post(url(room, f"/cards/{card}/vote"), headers=keyed(visitor, "vote-1"))
        for _ in range(3)
    ]
    assert [r.status_code for r in votes] == [200, 200, 200]
    assert {r.json()["votes_left"] for r in votes} == {4}
    assert (await state(client, room, visitor))["me"]["votes_left"] == 4
    await move(client, room, "commitment")
    actions = [
        await client.post(
            url(room, "/actions"), json={"title": "Once"}, headers=keyed(host, "act-1")
        )
        for _ in range(3)
    ]
    assert [r.status_code for r in actions] == [201, 201, 201]
    assert len({r.json()["id"] for r in actions}) == 1
    assert len((await state(client, room, host))["actions"]) == 1


async def test_join_with_a_key_joins_once(client: httpx.AsyncClient, app: object) -> None:
    room = await create_room(client)
    code = room.invites["visitor"]["code"]
    body = {"name": "Vic", "accept_ground_rules": True}
    responses = [
        await client.post(f"{API}/join/{code}", json=body, headers={"Idempotency-Key": "join-once"})
        for _ in range(4)
    ]
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    board = await state(client, room, room.facilitator)
    assert [p["name"] for p in board["participants"] if p["role"] == "visitor"] == ["Vic"]
    assert count_rows(app, "participant", workshop_id=room.id) == 2
    refused = await client.post(
        f"{API}/join/{code}",
        json={**body, "name": "Other"},
        headers={"Idempotency-Key": "join-once"},
    )
    assert_error(refused, 409, "idempotency_key_reused")
    assert count_rows(app, "participant", workshop_id=room.id) == 2


async def test_create_with_a_key_creates_once(client: httpx.AsyncClient, app: object) -> None:
    headers = {"Idempotency-Key": "create-once"}
    sequential = [
        await client.post(f"{API}/workshops", json=workshop_body(), headers={**admin(), **headers})
        for _ in range(3)
    ]
    racing = await asyncio.gather(
        *(
            client.post(f"{API}/workshops", json=workshop_body(), headers={**admin(), **headers})
            for _ in range(5)
        )
    )
    responses = [*sequential, *racing]
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["workshop"]["id"] for r in responses}) == 1
    assert len({r.json()["facilitator_token"] for r in responses}) == 1
    assert count_rows(app, "workshop") == 1
    refused = await client.post(
        f"{API}/workshops", json=workshop_body(title="Another"), headers={**admin(), **headers}
    )
    assert_error(refused, 409, "idempotency_key_reused")
    assert count_rows(app, "workshop") == 1
    other_key = await client.post(
        f"{API}/workshops",
        json=workshop_body(),
        headers={**admin(), **{"Idempotency-Key": "create-twice"}},
    )
    assert other_key.status_code == 201
    assert count_rows(app, "workshop") == 2


async def test_account_writes_with_a_key_apply_once(client: httpx.AsyncClient, app: object) -> None:
    """API.md: every POST takes the key, the accounts' own too."""
    fay = await make_account(client, "Fay")
    once = {**fay.headers, "Idempotency-Key": "token-once"}
    made = [await client.post(f"{API}/account/tokens", json={"name": "CI"}, headers=once)]
    made.append(await client.post(f"{API}/account/tokens", json={"name": "CI"}, headers=once))
    assert [r.status_code for r in made] == [201, 201]
    assert made[0].json() == made[1].json()
    assert count_rows(app, "api_token", account_id=fay.id) == 2  # the factory's and this one
    token = {"Authorization": f"Bearer {made[0].json()['token']}"}
    assert (await client.get(f"{API}/account", headers=token)).status_code == 200

    invite = {**admin(), "Idempotency-Key": "invite-once"}
    body = {"email": "gus@example.org", "name": "Gus", "role": "facilitator"}
    invited = [await client.post(f"{API}/accounts", json=body, headers=invite) for _ in range(2)]
    assert [r.status_code for r in invited] == [201, 201], invited[1].text
    assert invited[0].json() == invited[1].json()
    gus = invited[0].json()["account"]["id"]

    reset = {**admin(), "Idempotency-Key": "reset-once"}
    path = f"{API}/accounts/{gus}/reset-link"
    links = [await client.post(path, headers=reset) for _ in range(2)]
    assert [r.status_code for r in links] == [201, 201]
    assert links[0].json() == links[1].json()
    assert count_rows(app, "one_time_link", account_id=gus) == 2  # the invite's and the reset's
    # The link the repeat showed is the one that works.
    assert (await client.get(links[1].json()["link"].replace("http://testserver", ""))).is_success


async def test_another_accounts_key_replays_nothing_of_theirs(client: httpx.AsyncClient) -> None:
    """A stored answer is replayed before the write's rules are checked: a key that an owner
    sent must be no key at all to another account, or its answer (a facilitator token, the
    owners' addresses) would be handed over to whoever repeats the key."""
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    console = {"Idempotency-Key": "console-1"}
    mine = await client.post(url(room, "/console"), headers={**fay.headers, **console})
    assert mine.status_code == 200
    assert_error(await client.post(url(room, "/console"), headers={**gus.headers, **console}), 403)
    owners = {"Idempotency-Key": "owners-1"}
    ida = await make_account(client, "Ida")
    body = {"email": ida.email}
    added = await client.post(url(room, "/owners"), json=body, headers={**fay.headers, **owners})
    assert added.status_code == 201, added.text
    repeat = await client.post(url(room, "/owners"), json=body, headers={**gus.headers, **owners})
    assert_error(repeat, 403)
    assert fay.email not in repeat.text
    # The owner's own repeat is still the first answer.
    again = await client.post(url(room, "/console"), headers={**fay.headers, **console})
    assert again.json() == mine.json()
