"""A facilitator seat that came with an account goes with the account: deactivated, the seat's
token stops (even where it was remembered), its pages say why, its live sockets close, and the
co-facilitator link its console showed is replaced; active again, the seat works again."""

from __future__ import annotations

from typing import Any

import httpx

from app.db import lifecycle
from tests.api.helpers import assert_error, co_facilitator_link, db_of, join_with, url
from tests.factories import (
    API,
    Account,
    admin,
    cookie_csrf,
    create_room,
    join,
    make_account,
    move,
    sign_in,
)


async def set_active(client: httpx.AsyncClient, who: Account, active: bool) -> httpx.Response:
    """The first admin turns the account off or on again."""
    return await client.patch(f"{API}/accounts/{who.id}", json={"active": active}, headers=admin())


async def test_deactivating_an_account_stops_its_seats_until_it_is_active_again(
    app: Any, client: httpx.AsyncClient
) -> None:
    fay = await make_account(client, "Fay")
    rooms = [await create_room(client, owner=fay) for _ in range(3)]
    vera = await join(client, rooms[0], "visitor", "Vera")
    links = [await co_facilitator_link(client, room) for room in rooms]
    await move(client, rooms[2], "closed")
    for room in rooms:  # each seat proven, so this worker remembers its token
        assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200

    off = await set_active(client, fay, False)
    assert off.status_code == 200 and off.json()["active"] is False
    for room in rooms[:2]:
        seen = await client.get(url(room), headers=room.facilitator.headers)
        assert_error(seen, 403, "account_inactive")
        moved = await client.post(
            url(room, "/phase"), json={"to": "context"}, headers=room.facilitator.headers
        )
        assert_error(moved, 403, "account_inactive")
        page = await client.get(f"/w/{room.id}", headers=room.facilitator.headers)
        assert page.status_code == 403 and "deactivated" in page.text
        assert "Join first" not in page.text
    with db_of(app).reader() as session:
        members = lifecycle.present_ids(session, workshop_id=rooms[0].id)
    assert members == {vera.id}  # the recheck after lost messages agrees
    # Nobody else in the room is touched.
    assert (await client.get(url(rooms[0]), headers=vera.headers)).status_code == 200
    # The co-facilitator link the console showed Fay would seat her again: it is replaced in
    # the peer assists still to run, not in a closed one.
    for link in links[:2]:
        assert_error(await join_with(client, link, "Fay again"), 410, "invite_revoked")
    assert (await join_with(client, links[2], "Fay again")).status_code != 410

    on = await set_active(client, fay, True)
    assert on.status_code == 200
    for room in rooms:
        assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200
    fresh = await co_facilitator_link(client, rooms[0])
    assert fresh != links[0]
    assert (await join_with(client, fresh, "Cora")).status_code == 201


async def test_the_admin_pages_deactivate_button_stops_the_seats_too(
    client: httpx.AsyncClient,
) -> None:
    gus = await make_account(client, "Gus")
    room = await create_room(client, owner=gus)
    assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200
    link = await co_facilitator_link(client, room)
    alex = await make_account(client, "Alex Admin", role="admin")
    csrf = cookie_csrf(await sign_in(client, alex))

    done = await client.post(f"/admin/accounts/{gus.id}", data={"csrf": csrf, "do": "deactivate"})
    assert done.status_code == 303, done.text
    told = (await client.get(done.headers["location"])).text
    assert "Gus is now a deactivated facilitator" in told
    assert "One peer assist they run has a new co-facilitator link" in told
    assert_error(await join_with(client, link, "Gus again"), 410, "invite_revoked")
    client.cookies.clear()
    seen = await client.get(url(room), headers=room.facilitator.headers)
    assert_error(seen, 403, "account_inactive")


async def test_a_withdrawn_link_stays_withdrawn_and_a_shared_browser_takes_its_own_seat(
    client: httpx.AsyncClient,
) -> None:
    fay = await make_account(client, "Fay")
    room = await create_room(client, owner=fay)
    link = await co_facilitator_link(client, room)
    withdrawn = await client.delete(
        url(room, "/invites/facilitator"), headers=room.facilitator.headers
    )
    assert withdrawn.status_code == 204
    off = await set_active(client, fay, False)
    assert off.status_code == 200
    on = await set_active(client, fay, True)
    assert on.status_code == 200
    # Deactivating replaced no link where there was none: the console still offers a new one.
    console = await client.get(f"/w/{room.id}", headers=room.facilitator.headers)
    assert 'aria-label="Co-facilitator invite link"' not in console.text
    assert_error(await join_with(client, link, "Cora"), 410, "invite_revoked")

    # A browser still holding Fay's seat, with an admin signed in: the admin is seated.
    assert (await set_active(client, fay, False)).status_code == 200
    ada = await make_account(client, "Ada", role="admin")
    await sign_in(client, ada)
    page = await client.get(f"/w/{room.id}/before", headers=room.facilitator.headers)
    assert page.status_code == 303 and page.headers["location"].startswith(
        f"/w/{room.id}/open?next="
    )
