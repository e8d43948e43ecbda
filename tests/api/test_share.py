"""Sharing the record with people who were not there: a read-only link that can be revoked."""

from __future__ import annotations

import io

import httpx
from docx import Document

from tests.api.helpers import assert_error, dump_tables, url
from tests.api.record_room import HIDDEN, PRIVATE, reflection_room
from tests.conftest import Clock
from tests.factories import admin, bearer, create_room, make_account


async def test_a_shared_link_opens_the_record_and_stops_when_revoked(
    app: object, client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    room = made.room
    response = await client.post(url(room, "/record/links"), headers=room.facilitator.headers)
    assert response.status_code == 201, response.text
    link = response.json()
    token = link["token"]
    assert len(token) >= 22  # at least 128 bits, URL-safe base64
    assert link["url"] == f"http://testserver/s/{token}"
    # Only a hash is kept.
    assert token not in "\n".join(dump_tables(app).values())

    page = await client.get(f"/s/{token}")
    assert page.status_code == 200
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert "Cutting discharge delays on Ward 7" in page.text
    assert "Book transport at admission" in page.text
    assert HIDDEN not in page.text and PRIVATE not in page.text
    # Nothing on it leads into the meeting itself.
    assert f"/w/{room.id}" not in page.text and "ws-connect" not in page.text
    assert "set-cookie" not in page.headers
    printed = await client.get(f"/s/{token}/print")
    assert printed.status_code == 200 and "record-print" in printed.text
    word = await client.get(f"/s/{token}/record.docx")
    assert word.status_code == 200
    assert word.headers["referrer-policy"] == "no-referrer"
    assert (
        Document(io.BytesIO(word.content)).paragraphs[0].text == room.created["workshop"]["title"]
    )

    # The link is not a participant's token: it opens nothing else.
    assert_error(await client.get(url(room), headers=bearer(token)), 401)
    assert_error(await client.get(url(room, "/record.md"), headers=bearer(token)), 401)

    listed = await client.get(url(room, "/record/links"), headers=room.facilitator.headers)
    assert [k["id"] for k in listed.json()] == [link["id"]]
    assert "token" not in listed.json()[0]

    revoked = await client.delete(
        url(room, f"/record/links/{link['id']}"), headers=room.facilitator.headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    gone = await client.get(f"/s/{token}")
    assert gone.status_code == 410
    assert "Book transport at admission" not in gone.text
    assert gone.headers["referrer-policy"] == "no-referrer"
    assert (await client.get(f"/s/{token}/record.json")).status_code == 410
    assert (await client.get("/s/not-a-real-link")).status_code == 404


async def test_only_the_facilitator_shares_and_revokes(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    room = made.room
    for who in (made.host, made.visitors[0]):
        assert_error(await client.post(url(room, "/record/links"), headers=who.headers), 403)
    made_link = await client.post(url(room, "/record/links"), headers=room.facilitator.headers)
    link_id = made_link.json()["id"]
    response = await client.delete(url(room, f"/record/links/{link_id}"), headers=made.host.headers)
    assert_error(response, 403)
    response = await client.delete(
        url(room, "/record/links/99999"), headers=room.facilitator.headers
    )
    assert_error(response, 404, "share_link_not_found")
    assert (await client.get(f"/s/{made_link.json()['token']}")).status_code == 200


async def test_the_owner_accounts_and_admins_share_and_revoke_too(
    client: httpx.AsyncClient,
) -> None:
    owner, peer = await make_account(client, "Olu Owner"), await make_account(client, "Pat Peer")
    room = await create_room(client, owner=owner, title="Ward handovers")
    refused = await client.post(url(room, "/record/links"), headers=peer.headers)
    assert_error(refused, 403)
    made = await client.post(url(room, "/record/links"), headers=owner.headers)
    assert made.status_code == 201, made.text
    assert (await client.get(f"/s/{made.json()['token']}")).status_code == 200
    listed = await client.get(url(room, "/record/links"), headers=admin())
    assert [k["id"] for k in listed.json()] == [made.json()["id"]]
    revoked = await client.delete(url(room, f"/record/links/{made.json()['id']}"), headers=admin())
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get(f"/s/{made.json()['token']}")).status_code == 410
    by_facilitator = await client.post(url(room, "/record/links"), headers=room.facilitator.headers)
    assert by_facilitator.status_code == 201
