"""The Sharing panel of "my peer assists": who owns each peer assist, adding and removing a
co-owner with a word that it worked, and a refusal said next to the form with what was typed."""

from __future__ import annotations

import httpx

from tests.api.helpers import url
from tests.factories import (
    Account,
    Room,
    cookie_csrf,
    create_room,
    make_account,
    sign_in,
)


def _entry(page: httpx.Response, room: Room) -> str:
    """The part of "my peer assists" about one peer assist."""
    entries = page.text.split('<li class="peer-assist">')
    return next(e for e in entries if f"/w/{room.id}/open" in e)


async def _signed_in(client: httpx.AsyncClient, who: Account) -> str:
    """Sign in with the password; the CSRF token of the page's forms."""
    return cookie_csrf(await sign_in(client, who))


async def _owners(client: httpx.AsyncClient, room: Room, fay: Account) -> list[str]:
    found = await client.get(url(room, "/owners"), headers=fay.headers)
    return [o["name"] for o in found.json()["owners"]]


async def test_a_refused_co_owner_comes_back_to_the_form_with_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    fay = await make_account(client, "Fay")
    room = await create_room(client, owner=fay)
    csrf = await _signed_in(client, fay)
    typed = "nobody-here@example.org"
    refused = await client.post(f"/my/{room.id}/owners", data={"email": typed, "csrf": csrf})
    assert refused.status_code == 404
    entry = _entry(refused, room)
    assert '<details class="owners" open>' in entry
    assert 'role="alert"' in entry and "There is no active account with that email." in entry
    assert f'value="{typed}" aria-invalid="true"' in entry
    # Still signed in, on the page with the form: no "sign in" dead end.
    assert "Run peer assists?" not in refused.text and "Sign out" in refused.text
    again = await client.post(f"/my/{room.id}/owners", data={"email": fay.email, "csrf": csrf})
    assert again.status_code == 409 and "owns this peer assist already" in _entry(again, room)
    # An expired form is sent again from the same place, the email still there.
    expired = await client.post(f"/my/{room.id}/owners", data={"email": typed})
    assert expired.status_code == 403
    assert "send it again" in _entry(expired, room) and f'value="{typed}"' in expired.text
    # A peer assist no longer there: the sentence heads the page.
    gone = await client.post("/my/no-such-peer-assist/owners", data={"email": typed, "csrf": csrf})
    assert gone.status_code == 404 and "My peer assists" in gone.text
    assert '<p class="error" role="alert">There is no peer assist' in gone.text
    assert await _owners(client, room, fay) == ["Fay"]


async def test_adding_a_co_owner_says_so_and_the_panel_lists_the_owners(
    client: httpx.AsyncClient,
) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    ida = await make_account(client, "Ida")
    room = await create_room(client, owner=fay)
    csrf = await _signed_in(client, fay)
    added = await client.post(f"/my/{room.id}/owners", data={"email": gus.email, "csrf": csrf})
    assert added.status_code == 303, added.text
    page = await client.get(added.headers["location"])
    entry = _entry(page, room)
    assert '<p class="saved" role="status">Gus can now open and run this peer assist.</p>' in entry
    listed = entry.split('class="owners-list"', 1)[1].split("</ul>", 1)[0]
    assert "Fay" in listed and fay.email in listed and "Gus" in listed and gus.email in listed
    assert listed.index("Fay") < listed.index("Gus")
    # The owner stays; a co-owner has a button to remove them.
    assert f"/owners/{gus.id}/remove" in listed and f"/owners/{fay.id}/remove" not in listed
    # Said of that peer assist only: an address naming another shows nothing there.
    other = await create_room(client, owner=fay)
    again = await client.post(f"/my/{room.id}/owners", data={"email": ida.email, "csrf": csrf})
    assert again.status_code == 303, again.text
    elsewhere = await client.get(f"/my?shared={other.id}")
    assert 'role="status"' not in _entry(elsewhere, other)
    assert 'role="status"' not in _entry(elsewhere, room)
    gone = await client.post(f"/my/{room.id}/owners/{ida.id}/remove", data={"csrf": csrf})
    assert gone.status_code == 303, gone.text
    assert "no longer owns it" in _entry(await client.get(gone.headers["location"]), room)
    # Said once: a reload says nothing again.
    assert "can now open" not in _entry(await client.get(added.headers["location"]), room)
    # Only a change that happened is confirmed, whatever a link says: Ida owns nothing here,
    # and Gus was never removed.
    for forged in (f"added={ida.id}", f"removed={ida.id}", f"removed={gus.id}"):
        page = await client.get(f"/my?shared={room.id}&{forged}")
        assert 'role="status"' not in _entry(page, room), forged
    plain = await client.get("/my")
    assert "can now open" not in plain.text and '<details class="owners">' in _entry(plain, room)

    hidden = await client.post(
        f"/my/{room.id}/visibility", data={"visibility": "restricted", "csrf": csrf}
    )
    assert hidden.status_code == 303, hidden.text
    said = _entry(await client.get(hidden.headers["location"]), room)
    assert 'role="status">Saved: only its owners and admins find it.' in said

    removed = await client.post(f"/my/{room.id}/owners/{gus.id}/remove", data={"csrf": csrf})
    assert removed.status_code == 303, removed.text
    after = _entry(await client.get(removed.headers["location"]), room)
    assert 'role="status">Removed: that account no longer owns it.' in after
    assert "Gus" not in after.split('class="owners-list"', 1)[1].split("</ul>", 1)[0]
    assert await _owners(client, room, fay) == ["Fay"]
    # The owner is not removed, and a made-up id is no owner: both said by the form.
    kept = await client.post(f"/my/{room.id}/owners/{fay.id}/remove", data={"csrf": csrf})
    assert kept.status_code == 403 and "cannot be removed" in _entry(kept, room)
    odd = await client.post(
        f"/my/{room.id}/owners/99999999999999999999/remove", data={"csrf": csrf}
    )
    assert odd.status_code == 404 and "does not own this peer assist" in _entry(odd, room)
