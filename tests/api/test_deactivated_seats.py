"""A facilitator seat that came with an account goes with the account: deactivated, the seat's
token stops (even where it was remembered) and its live sockets close; active again, it works."""

from __future__ import annotations

import httpx

from tests.api.helpers import assert_error, url
from tests.factories import ACCOUNT_COOKIE, admin, cookie_csrf, create_room, join, make_account


async def test_deactivating_an_account_stops_its_seats_until_it_is_active_again(
    client: httpx.AsyncClient,
) -> None:
    fay = await make_account(client, "Fay")
    rooms = [await create_room(client, owner=fay) for _ in range(2)]
    vera = await join(client, rooms[0], "visitor", "Vera")
    for room in rooms:  # each seat proven, so this worker remembers its token
        assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200

    off = await client.patch(f"/api/v1/accounts/{fay.id}", json={"active": False}, headers=admin())
    assert off.status_code == 200 and off.json()["active"] is False
    for room in rooms:
        seen = await client.get(url(room), headers=room.facilitator.headers)
        assert_error(seen, 403, "account_inactive")
        moved = await client.post(
            url(room, "/phase"), json={"to": "context"}, headers=room.facilitator.headers
        )
        assert_error(moved, 403, "account_inactive")
    # Nobody else in the room is touched.
    assert (await client.get(url(rooms[0]), headers=vera.headers)).status_code == 200

    on = await client.patch(f"/api/v1/accounts/{fay.id}", json={"active": True}, headers=admin())
    assert on.status_code == 200
    for room in rooms:
        assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200


async def test_the_admin_pages_deactivate_button_stops_the_seats_too(
    client: httpx.AsyncClient,
) -> None:
    gus = await make_account(client, "Gus")
    room = await create_room(client, owner=gus)
    assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200
    alex = await make_account(client, "Alex Admin", role="admin")
    signed = await client.post("/signin", data={"email": alex.email, "password": alex.password})
    csrf = cookie_csrf(signed.cookies[ACCOUNT_COOKIE])

    done = await client.post(f"/admin/accounts/{gus.id}", data={"csrf": csrf, "do": "deactivate"})
    assert done.status_code == 303, done.text
    client.cookies.clear()
    seen = await client.get(url(room), headers=room.facilitator.headers)
    assert_error(seen, 403, "account_inactive")
