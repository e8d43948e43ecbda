"""Joining by the short room code, through the pages a phone sees: knock, wait, be let in."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.factories import API, create_room

from .helpers import url


async def knock(client: httpx.AsyncClient, code: str, name: str) -> httpx.Response:
    page = await client.get(f"/r/{code}")
    assert page.status_code == 200, page.text
    assert "ground rules" in page.text.lower()
    return await client.post(f"/r/{code}", data={"name": name, "accept": "on"})


async def test_the_wait_page_answers_and_moves_on_when_admitted(
    client: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    code = room.created["workshop"]["room_code"]
    answer = await knock(phone, code, "Wanda")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/r/{code}/wait"

    wait = await phone.get(f"/r/{code}/wait")
    assert wait.status_code == 200, wait.text
    assert "You are in the lobby" in wait.text
    assert f'data-wait-url="/r/{code}/wait/status"' in wait.text
    status = await phone.get(f"/r/{code}/wait/status")
    assert status.status_code == 200
    assert status.json()["status"] == "waiting"

    # A long poll is open when the facilitator lets Wanda in; it answers with the room.
    poll = asyncio.ensure_future(phone.get(f"/r/{code}/wait/status", params={"wait": 20}))
    await asyncio.sleep(0.2)
    assert not poll.done()
    console = await client.get(url(room), headers=room.facilitator.headers)
    [waiting] = console.json()["lobby"]["waiting"]
    assert waiting["name"] == "Wanda"
    admitted = await client.post(
        url(room, f"/lobby/{waiting['id']}"),
        json={"admit": True},
        headers=room.facilitator.headers,
    )
    assert admitted.status_code == 200, admitted.text
    polled = await poll
    assert polled.json() == {"status": "admitted", "next": f"/w/{room.id}"}

    # The wait page now sends Wanda into the room, where she is a visitor.
    again = await phone.get(f"/r/{code}/wait")
    assert again.status_code == 303 and again.headers["location"] == f"/w/{room.id}"
    inside = await phone.get(f"/w/{room.id}")
    assert inside.status_code == 200 and "Visiting peer · Wanda" in inside.text


async def test_a_person_turned_away_sees_a_kind_page(
    client: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    code = room.created["workshop"]["room_code"]
    await knock(phone, code, "Tom")
    poll = asyncio.ensure_future(phone.get(f"/r/{code}/wait/status", params={"wait": 20}))
    console = await client.get(url(room), headers=room.facilitator.headers)
    [waiting] = console.json()["lobby"]["waiting"]
    turned = await client.post(
        url(room, f"/lobby/{waiting['id']}"),
        json={"admit": False},
        headers=room.facilitator.headers,
    )
    assert turned.status_code == 200, turned.text
    assert (await poll).json() == {"status": "turned_away", "next": f"/r/{code}/wait"}

    page = await phone.get(f"/r/{code}/wait")
    assert page.status_code == 200, page.text
    assert "could not let you in" in page.text
    assert "data-wait-url" not in page.text
    # Still not in the room.
    assert (await phone.get(f"{API}/workshops/{room.id}")).status_code == 401


async def test_waiting_without_having_knocked_is_a_plain_404(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    code = room.created["workshop"]["room_code"]
    page = await client.get(f"/r/{code}/wait")
    assert page.status_code == 404
    assert "Type the room code again" in page.text
    status = await client.get(f"/r/{code}/wait/status", params={"wait": 5})
    assert status.json()["status"] == "unknown"


async def test_the_sign_in_page_leads_to_where_the_room_code_is_typed(
    client: httpx.AsyncClient,
) -> None:
    signin = await client.get("/signin")
    assert signin.status_code == 200
    # Someone who came to join, not to run a peer assist, finds the way on from here.
    link = re.search(r'<a href="(/r)">([^<]*room code[^<]*)</a>', signin.text)
    assert link, signin.text
    typing = await client.get(link.group(1))
    assert typing.status_code == 200 and 'name="code"' in typing.text
