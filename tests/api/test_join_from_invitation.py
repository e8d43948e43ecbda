"""The join page says the ground rules the briefing gave, not only the usual three, and reached
from a person's own invitation it knows their name (which they may still change)."""

from __future__ import annotations

import html
import re

import httpx

from tests.factories import Room, create_room

RULE = "Phones down, and no names outside the room."


async def briefed(client: httpx.AsyncClient) -> Room:
    """A peer assist whose briefing has a ground rule of its own, and Hana on its list."""
    room = await create_room(client)
    base, headers = f"/w/{room.id}/before", room.facilitator.headers
    saved = await client.post(f"{base}/briefing", data={"ground_rules": RULE}, headers=headers)
    assert "Saved." in saved.text, saved.text
    added = await client.post(
        f"{base}/invitees",
        data={"name": "Hana Host", "email": "hana@x.org", "unit": "Ward 7", "role": "host"},
        headers=headers,
    )
    assert 'role="alert"' not in added.text, added.text
    return room


def rules_shown(page: str) -> str:
    return html.unescape(page.split("<legend>Ground rules</legend>", 1)[1].split("</ul>", 1)[0])


def name_typed(page: str) -> str:
    return html.unescape(re.search(r'<input name="name"[^>]*value="([^"]*)"', page).group(1))


async def test_every_join_page_shows_the_briefing_s_own_ground_rules(
    client: httpx.AsyncClient,
) -> None:
    room = await briefed(client)
    code = room.created["workshop"]["room_code"]
    for path in (f"/j/{room.invites['visitor']['code']}", f"/r/{code}"):
        page = await client.get(path)
        assert page.status_code == 200
        assert RULE in rules_shown(page.text), path
        # Refused (the rules not accepted), the form comes back with them still there.
        refused = await client.post(path, data={"name": "Vera"})
        assert refused.status_code == 422 and RULE in rules_shown(refused.text), path
        assert name_typed(refused.text) == "Vera"


async def test_joining_from_a_personal_invitation_knows_the_name(
    client: httpx.AsyncClient,
) -> None:
    room = await briefed(client)
    headers = room.facilitator.headers
    listed = await client.get(f"/w/{room.id}/before/list", headers=headers)
    (hana,) = set(re.findall(r"/before/invitees/(\d+)/text", listed.text))
    text = await client.get(f"/w/{room.id}/before/invitees/{hana}/text", headers=headers)
    briefing = await client.get(re.search(r"http://testserver(/i/[\w-]+)", text.text).group(1))
    assert briefing.status_code == 200
    join_link = html.unescape(re.search(r'href="(/j/[^"]+)"', briefing.text).group(1))
    page = await client.get(join_link)
    assert page.status_code == 200
    assert name_typed(page.text) == "Hana Host" and RULE in rules_shown(page.text)
    # Prefilled, not fixed: she may give the name she goes by.
    field = re.search(r'<input name="name"[^>]*>', page.text).group(0)
    assert "readonly" not in field and "disabled" not in field
    joined = await client.post(join_link, data={"name": "Hana", "accept": "on"})
    assert joined.status_code == 303, joined.text
    # The plain invite link, shared with anyone, names nobody.
    plain = await client.get(join_link.split("?", 1)[0])
    assert name_typed(plain.text) == ""
    # A personal code from another peer assist, or none known, names nobody either.
    other = await briefed(client)
    elsewhere = join_link.split("?", 1)[0].replace(
        room.invites["host"]["code"], other.invites["host"]["code"]
    )
    assert elsewhere != join_link.split("?", 1)[0]
    stray = await client.get(f"{elsewhere}?{join_link.split('?', 1)[1]}")
    assert stray.status_code == 200 and name_typed(stray.text) == ""
    unknown = await client.get(f"{join_link.split('?', 1)[0]}?invitee=not-a-real-code")
    assert unknown.status_code == 200 and name_typed(unknown.text) == ""
