"""A form that creates something, sent twice as a double tap on a phone sends it, creates it
once: one seat by the invite link, one knock in the lobby, one peer assist from the start
form. Sent again after a change (back, edit, send), it is a new one."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.api.helpers import count_rows, url
from tests.api.test_form_errors import START
from tests.api.test_forms import SAME_SITE
from tests.factories import create_room

ONCE = re.compile(r'name="once" value="([^"]+)"')


async def once_of(client: httpx.AsyncClient, path: str, headers: dict | None = None) -> str:
    page = await client.get(path, headers=headers)
    assert page.status_code == 200, page.text[:300]
    # No cache may hand the same key to two people.
    assert page.headers["cache-control"] == "private, no-store"
    keys = ONCE.findall(page.text)
    assert len(keys) == 1, keys
    return keys[0]


async def twice(client: httpx.AsyncClient, path: str, form: dict, **kw: object) -> list:
    """The same form sent twice at once, before the first answer is back."""
    return list(await asyncio.gather(*(client.post(path, data=form, **kw) for _ in range(2))))


async def test_a_double_tap_on_join_seats_one_person(
    client: httpx.AsyncClient, phone: httpx.AsyncClient, app: object
) -> None:
    room = await create_room(client)
    link = f"/j/{room.invites['visitor']['code']}"
    form = {"name": "Dbl", "accept": "on", "once": await once_of(phone, link)}
    answers = await twice(phone, link, form)
    assert [a.status_code for a in answers] == [303, 303]
    cookies = {a.headers["set-cookie"].split(";")[0] for a in answers}
    assert len(cookies) == 1  # the same seat, whichever answer the phone keeps
    assert count_rows(app, "participant", workshop_id=room.id, name="Dbl") == 1
    # Back, a name corrected, sent again: that is another person joining.
    again = await phone.post(link, data={**form, "name": "Dbl Two"})
    assert again.status_code == 303
    assert count_rows(app, "participant", workshop_id=room.id, name="Dbl Two") == 1
    # The longest key a page may carry fits what the database keeps (PostgreSQL checks).
    longest = {"name": "Long", "accept": "on", "once": "A" * 64}
    assert [a.status_code for a in await twice(phone, link, longest)] == [303, 303]
    assert count_rows(app, "participant", workshop_id=room.id, name="Long") == 1
    # A page's own key, and nothing else, makes a repeat: without one, two seats.
    for _ in range(2):
        await phone.post(link, data={"name": "Plain", "accept": "on"})
    assert count_rows(app, "participant", workshop_id=room.id, name="Plain") == 2


async def test_a_header_key_on_the_join_form_replays_nobody_elses_seat(
    client: httpx.AsyncClient, app: object
) -> None:
    """A script may send the join form with an Idempotency-Key: the same key from another
    address is another person, who must not be handed the first one's seat."""
    room = await create_room(client)
    link = f"/j/{room.invites['visitor']['code']}"
    form = {"name": "Same Name", "accept": "on"}
    key = {"Idempotency-Key": "join-1"}
    seats = []
    for address in ("10.0.0.1", "10.0.0.2"):
        transport = httpx.ASGITransport(app=app, client=(address, 4000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            joined = await other.post(link, data=form, headers={**key, **SAME_SITE})
            assert joined.status_code == 303, joined.text
            seats.append(joined.headers["set-cookie"].split(";")[0])
    assert seats[0] != seats[1]
    assert count_rows(app, "participant", workshop_id=room.id, name="Same Name") == 2


async def test_a_double_tap_on_the_room_code_waits_once(
    client: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    code = room.created["workshop"]["room_code"]
    form = {"name": "Waiter", "accept": "on", "once": await once_of(phone, f"/r/{code}")}
    answers = await twice(phone, f"/r/{code}", form)
    assert [a.status_code for a in answers] == [303, 303]
    assert len({a.headers["set-cookie"].split(";")[0] for a in answers}) == 1
    console = await client.get(url(room), headers=room.facilitator.headers)
    assert [w["name"] for w in console.json()["lobby"]["waiting"]] == ["Waiter"]
    # The seat cookie the repeat gave is the one the lobby knows.
    status = await phone.get(f"/r/{code}/wait/status")
    assert status.json()["status"] == "waiting"


async def test_a_double_click_on_start_makes_one_peer_assist(
    client: httpx.AsyncClient, app: object
) -> None:
    form = {**START, "once": await once_of(client, "/", SAME_SITE)}
    answers = await twice(client, "/start", form, headers=SAME_SITE)
    assert [a.status_code for a in answers] == [303, 303], answers[0].text[:300]
    assert len({a.headers["location"] for a in answers}) == 1
    assert count_rows(app, "workshop") == 1
