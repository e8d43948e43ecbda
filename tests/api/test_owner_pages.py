"""An owner signed in on a browser opens any page of their peer assist by its address (a
bookmark, the report-back reminder's link): they take their facilitator seat on the way."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from app.security import csrf_token, session_cookie_name, unsign_session
from tests.api.helpers import count_rows, url
from tests.conftest import SECRET_KEY
from tests.factories import (
    ACCOUNT_COOKIE,
    Account,
    Room,
    bearer,
    cookie_csrf,
    create_room,
    make_account,
    move,
    sign_in,
)

PAGES = ("", "/before", "/follow-up", "/review", "/board", "/print")


async def _signed_in(client: httpx.AsyncClient, who: Account) -> str:
    """Sign `who` in with their password; the account cookie, left on the client."""
    client.cookies.clear()
    return await sign_in(client, who)


def _fresh_browser(client: httpx.AsyncClient, cookie: str) -> None:
    """A browser signed in with that account cookie and holding no seat."""
    client.cookies.clear()
    client.cookies.set(ACCOUNT_COOKIE, cookie)


async def _seat_token(client: httpx.AsyncClient, room: Room) -> str:
    """The participant token this browser now holds for `room`."""
    token = unsign_session(SECRET_KEY, client.cookies[session_cookie_name(room.id)])
    assert token
    me = await client.get(url(room), headers=bearer(token))
    assert me.json()["me"]["role"] == "facilitator", me.text
    return token


async def _closed_room(client: httpx.AsyncClient) -> tuple[Room, Account, Account]:
    """A closed peer assist (every page open), its owner Fay and its co-owner Gus."""
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    added = await client.post(url(room, "/owners"), json={"email": gus.email}, headers=fay.headers)
    assert added.status_code == 201, added.text
    await move(client, room, "closed")
    return room, fay, gus


async def test_owners_and_admins_open_each_page_by_its_address(
    client: httpx.AsyncClient,
) -> None:
    room, fay, gus = await _closed_room(client)
    ada = await make_account(client, "Ada", role="admin")
    # The owner every page; a co-owner (who has no seat yet) and an admin, the two the
    # reminder mail and a typed address lead to most.
    for who, pages in ((fay, PAGES), (gus, ("/follow-up",)), (ada, ("",))):
        cookie = await _signed_in(client, who)
        for page in pages:
            _fresh_browser(client, cookie)
            seen = await client.get(f"/w/{room.id}{page}", follow_redirects=True)
            assert seen.status_code == 200, (who.name, page, seen.text)
            assert seen.url.path == f"/w/{room.id}{page}", (who.name, page)
            assert not seen.url.query, (who.name, page)  # no mark left in the address bar
            token = await _seat_token(client, room)
            if page in ("", "/before", "/follow-up", "/review"):
                # The page's forms write as the facilitator.
                assert csrf_token(SECRET_KEY, token) in seen.text, (who.name, page)
        if who is fay:
            # Her own seat, not a second one.
            assert token == room.facilitator.token
    console = await client.get(f"/w/{room.id}")
    assert "view-console" in console.text


async def test_strangers_and_anonymous_visitors_are_still_asked_to_join(
    client: httpx.AsyncClient, app: object
) -> None:
    room, _, _ = await _closed_room(client)
    ida = await make_account(client, "Ida")
    seats = count_rows(app, "participant", workshop_id=room.id)
    cookie = await _signed_in(client, ida)
    for signed_in in (True, False):
        for page in (*PAGES, "/survey"):
            _fresh_browser(client, cookie) if signed_in else client.cookies.clear()
            seen = await client.get(f"/w/{room.id}{page}")
            assert seen.status_code == 401, (signed_in, page)
            assert "Join first" in seen.text
    assert count_rows(app, "participant", workshop_id=room.id) == seats


async def test_open_comes_back_only_to_a_page_of_the_same_peer_assist(
    client: httpx.AsyncClient,
) -> None:
    room, fay, _ = await _closed_room(client)
    other = await create_room(client, owner=fay)
    home = f"/w/{room.id}"
    await _signed_in(client, fay)
    for target, lands in (
        (f"{home}/follow-up", f"{home}/follow-up"),
        (home, home),
        ("https://evil.example/", home),
        ("//evil.example/w", home),
        (f"https://evil.example{home}/before", home),
        ("/\\evil.example", home),
        (f"/w/{other.id}/before", home),
        (f"{home}/../{other.id}/before", home),
        (f"{home}/%2e%2e/{other.id}", home),
        (f"{home}x/before", home),
    ):
        opened = await client.get(f"{home}/open?next={quote(target, safe='')}")
        assert opened.status_code == 303, (target, opened.text)
        assert opened.headers["location"] == f"{lands}?seated=1", target
    # A fragment a page fetches is not sent to take a seat: the page it belongs to did.
    client.cookies.delete(session_cookie_name(room.id))
    themes = await client.get(f"{home}/themes", headers={"HX-Request": "true"})
    assert themes.status_code == 401


async def test_a_co_owner_whose_seat_was_taken_away_gets_a_new_one_and_no_loop(
    client: httpx.AsyncClient,
) -> None:
    """A removed seat was handed back by /open, refused by the page, and the browser went
    round between the two for ever."""
    room, _, gus = await _closed_room(client)
    await _signed_in(client, gus)
    assert (await client.get(f"/w/{room.id}/open")).status_code == 303
    old = await _seat_token(client, room)
    seat = (await client.get(url(room), headers=bearer(old))).json()["me"]["id"]
    removed = await client.delete(
        url(room, f"/participants/{seat}"), headers=room.facilitator.headers
    )
    assert removed.status_code == 204, removed.text
    hops = [f"/w/{room.id}/follow-up"]
    while len(hops) < 5:
        seen = await client.get(hops[-1])
        if seen.status_code != 303:
            break
        hops.append(seen.headers["location"])
    assert seen.status_code == 200 and len(hops) == 4, hops
    assert hops[-1] == f"/w/{room.id}/follow-up", hops
    assert await _seat_token(client, room) != old
    kept = await client.get(f"/w/{room.id}/follow-up?seated=1&tab=actions")
    assert (
        kept.status_code == 303
        and kept.headers["location"] == f"/w/{room.id}/follow-up?tab=actions"
    )
    # Were the page still refused once back from /open, it says so instead of going round.
    client.cookies.delete(session_cookie_name(room.id))
    back = await client.get(f"/w/{room.id}/follow-up?seated=1")
    assert back.status_code == 401 and "Join first" in back.text


async def test_a_co_owner_removed_no_longer_runs_the_meeting(client: httpx.AsyncClient) -> None:
    """Removing a co-owner deleted their ownership and left the facilitator seat it gave them:
    "no longer owns it", said the page, while they still moved the phases."""
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    added = await client.post(url(room, "/owners"), json={"email": gus.email}, headers=fay.headers)
    assert added.status_code == 201, added.text
    await _signed_in(client, gus)
    assert (await client.get(f"/w/{room.id}/open")).status_code == 303
    seat = await _seat_token(client, room)
    assert (
        await client.post(url(room, "/phase"), json={"to": "next"}, headers=bearer(seat))
    ).is_success
    gone = await client.delete(url(room, f"/owners/{gus.id}"), headers=fay.headers)
    assert gone.status_code == 200, gone.text
    moved = await client.post(url(room, "/phase"), json={"to": "next"}, headers=bearer(seat))
    assert moved.status_code == 401, moved.text
    people = (await client.get(url(room), headers=room.facilitator.headers)).json()
    assert "Gus" not in [p["name"] for p in people["participants"]]
    # Made a co-owner again, they get a seat again, through the same door.
    again = await client.post(url(room, "/owners"), json={"email": gus.email}, headers=fay.headers)
    assert again.status_code == 201, again.text
    _fresh_browser(client, await _signed_in(client, gus))
    assert (await client.get(f"/w/{room.id}/open")).status_code == 303
    assert await _seat_token(client, room) != seat


async def test_the_reminder_link_asks_a_signed_out_owner_to_sign_in_and_comes_back(
    client: httpx.AsyncClient,
) -> None:
    room, fay, _ = await _closed_room(client)
    client.cookies.clear()
    page = f"/w/{room.id}/follow-up"
    # Signed out, the page cannot know an owner is asking: it says to join, as before.
    assert (await client.get(page)).status_code == 401
    # Signing in from /open brings them to the page they asked for.
    opened = await client.get(f"/w/{room.id}/open?next={quote(page, safe='/')}")
    assert opened.status_code == 303 and opened.headers["location"].startswith("/signin?next=")
    signed = await client.post(
        "/signin",
        data={
            "email": fay.email,
            "password": fay.password,
            "next": f"/w/{room.id}/open?next={page}",
        },
        follow_redirects=True,
    )
    assert signed.status_code == 200 and signed.url.path == page


async def test_an_owner_shares_the_record_without_taking_a_seat(
    client: httpx.AsyncClient, app: object
) -> None:
    room, _, gus = await _closed_room(client)
    seats = count_rows(app, "participant", workshop_id=room.id)
    cookie = await _signed_in(client, gus)
    record = await client.get(f"/w/{room.id}/record")
    assert record.status_code == 200
    assert f'hx-post="/w/{room.id}/record/links"' in record.text
    assert cookie_csrf(cookie) in record.text
    assert f'href="/w/{room.id}">Back to the peer assist' in record.text
    shared = await client.post(
        f"/w/{room.id}/record/links", headers={"X-CSRF-Token": cookie_csrf(cookie)}
    )
    assert shared.status_code == 200 and "/s/" in shared.text
    assert count_rows(app, "participant", workshop_id=room.id) == seats
    # Someone else's account reads it, as before, with no way to share it.
    ida = await make_account(client, "Ida")
    await _signed_in(client, ida)
    read = await client.get(f"/w/{room.id}/record")
    assert read.status_code == 200 and "record/links" not in read.text
