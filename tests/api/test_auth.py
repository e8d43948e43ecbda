"""Who may call: bearer tokens, one participant in one workshop, secrets kept as hashes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import assert_error, dump_tables, seq_of, url
from tests.factories import API, add_card, admin, bearer, create_room, join, move, workshop_body

BAD_AUTHORIZATIONS = [
    "Bearer not-a-real-token",
    "Bearer ",
    "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
    "Token {token}",
    "Bearer {token}x",
    "{token}",
]


async def test_missing_or_bad_tokens_are_401(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    assert_error(await client.get(url(room)), 401)
    assert_error(await client.post(url(room, "/phase"), json={"to": "next"}), 401)
    assert_error(await client.get(url(room, "/actions.csv")), 401)
    assert (await client.get(url(room), headers=room.facilitator.headers)).json()["phase"] == (
        "welcome"
    )
    for authorization in BAD_AUTHORIZATIONS:
        header = {"Authorization": authorization.format(token=room.facilitator.token)}
        assert_error(await client.get(url(room), headers=header), 401)
        refused = await client.post(url(room, "/phase"), json={"to": "next"}, headers=header)
        assert_error(refused, 401)
    assert await seq_of(client, room) == 0


async def test_a_token_grants_one_participant_in_one_workshop(client: httpx.AsyncClient) -> None:
    mine, theirs = await create_room(client), await create_room(client)
    visitor = await join(client, theirs, "visitor", "Vic")
    await move(client, mine, "context")
    for who in (theirs.facilitator, visitor):
        assert_error(await client.get(url(mine), headers=who.headers), 403)
        assert_error(
            await client.post(url(mine, "/phase"), json={"to": "next"}, headers=who.headers), 403
        )
        assert_error(await add_card(client, mine, who, "question", "Sneaky?"), 403)
        assert_error(await client.get(url(mine, "/actions.json"), headers=who.headers), 403)
    board = (await client.get(url(mine), headers=mine.facilitator.headers)).json()
    assert board["phase"] == "context" and board["cards"] == []
    # A valid token and a workshop that does not exist: 404.
    for who in (theirs.facilitator, visitor):
        assert_error(await client.get(url("no-such-workshop"), headers=who.headers), 404)
        assert_error(
            await client.post(
                url("no-such-workshop", "/phase"), json={"to": "next"}, headers=who.headers
            ),
            404,
        )
    # Each token is one participant.
    host = await join(client, mine, "host", "Hana")
    for who in (mine.facilitator, host, theirs.facilitator, visitor):
        room = mine if who in (mine.facilitator, host) else theirs
        me = (await client.get(url(room), headers=who.headers)).json()["me"]
        assert (me["id"], me["role"], me["name"]) == (who.id, who.role, who.name)


def _secrets_of(created: dict[str, Any], joined: list[str]) -> list[str]:
    return [
        created["facilitator_token"],
        *(i["code"] for i in created["invites"].values()),
        *joined,
    ]


async def test_tokens_and_codes_are_stored_only_as_hashes(
    client: httpx.AsyncClient, app: object
) -> None:
    room = await create_room(client)
    joined = [
        (await join(client, room, role, f"P {role}")).token
        for role in ("host", "visitor", "projector")
    ]
    rotated = await client.post(url(room, "/invites/host/rotate"), headers=room.facilitator.headers)
    secrets = [*_secrets_of(room.created, joined), rotated.json()["code"]]
    tables = dump_tables(app)
    assert {"participant", "invite"} <= set(tables)
    assert len(tables["participant"].splitlines()) == 4
    assert len(tables["invite"].splitlines()) >= 4
    for name, text in tables.items():
        for secret in secrets:
            assert secret not in text, f"a raw secret is stored in table {name}"


async def test_secrets_stay_hashed_when_the_request_had_an_idempotency_key(
    client: httpx.AsyncClient, app: object
) -> None:
    created = await client.post(
        f"{API}/workshops",
        json=workshop_body(),
        headers={**admin(), **{"Idempotency-Key": "create-1"}},
    )
    assert created.status_code == 201
    data = created.json()
    code = data["invites"]["visitor"]["code"]
    joined = await client.post(
        f"{API}/join/{code}",
        json={"name": "Vic", "accept_ground_rules": True},
        headers={"Idempotency-Key": "join-1"},
    )
    assert joined.status_code == 201
    rotated = await client.post(
        url(data["workshop"]["id"], "/invites/host/rotate"),
        headers={**bearer(data["facilitator_token"]), "Idempotency-Key": "rotate-1"},
    )
    assert rotated.status_code == 201
    secrets = [*_secrets_of(data, [joined.json()["token"]]), rotated.json()["code"]]
    for name, text in dump_tables(app).items():
        for secret in secrets:
            assert secret not in text, f"a raw secret is stored in table {name}"
