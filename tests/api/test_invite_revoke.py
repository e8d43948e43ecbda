"""Withdrawing an invite link, the co-facilitator's above all: its code answers 410."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.helpers import assert_error, co_facilitator_link, join_with, url
from tests.factories import API, create_room, join


@pytest.mark.postgres
async def test_a_withdrawn_co_facilitator_link_answers_410(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    code = await co_facilitator_link(client, room)
    cora = await join_with(client, code, "Cora")
    assert cora.status_code == 201 and cora.json()["participant"]["role"] == "facilitator"
    revoked = await client.delete(
        url(room, "/invites/facilitator"), headers=room.facilitator.headers
    )
    assert revoked.status_code == 204 and revoked.content == b""
    assert_error(await join_with(client, code, "Mallory"), 410, "invite_revoked")
    page = await client.get(f"/j/{code}")
    assert page.status_code == 410
    # Whoever joined before stays; the console offers a new link instead of the old one.
    cora_token = cora.json()["token"]
    assert (
        await client.get(url(room), headers={"Authorization": f"Bearer {cora_token}"})
    ).is_success
    console = (await client.get(f"/w/{room.id}", headers=room.facilitator.headers)).text
    assert 'aria-label="Co-facilitator invite link"' not in console
    assert f'hx-post="{API}/workshops/{room.id}/invites/facilitator/rotate"' in console
    # Withdrawing again changes nothing; a new link works, the old one stays withdrawn.
    again = await client.delete(url(room, "/invites/facilitator"), headers=room.facilitator.headers)
    assert again.status_code == 204
    fresh = await client.post(
        url(room, "/invites/facilitator/rotate"), headers=room.facilitator.headers
    )
    assert fresh.status_code == 201
    assert (await join_with(client, fresh.json()["code"], "Cleo")).status_code == 201
    assert_error(await join_with(client, code, "Mallory"), 410, "invite_revoked")


@pytest.mark.postgres
async def test_only_the_facilitator_withdraws_links(app: Any, client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    assert_error(await client.delete(url(room, "/invites/facilitator")), 401)
    assert_error(await client.delete(url(room, "/invites/facilitator"), headers=host.headers), 403)
    assert_error(
        await client.delete(url(room, "/invites/nobody"), headers=room.facilitator.headers),
        404,
        "invite_not_found",
    )
    # The console shows the withdraw control; nobody else's page does.
    console = (await client.get(f"/w/{room.id}", headers=room.facilitator.headers)).text
    assert f'hx-delete="{API}/workshops/{room.id}/invites/facilitator"' in console
    assert "/invites/" not in (await client.get(f"/w/{room.id}", headers=host.headers)).text
    visitor_code = room.invites["visitor"]["code"]
    assert (await join_with(client, visitor_code, "Vera")).status_code == 201
