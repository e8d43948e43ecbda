"""The grouped-by-theme section on the console, the visitor view, the board and the print view,
with the keyboard's way to move a card (a theme list and a Move button beside each card)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from app.security import session_cookie_name, sign_session
from tests.api.helpers import card_id, url
from tests.factories import Person, Room, create_room, join, move


def browser(room: Room, who: Person) -> dict[str, str]:
    """The headers of a browser holding this participant's session cookie."""
    value = sign_session("test-secret-key", who.token)
    return {"Cookie": f"{session_cookie_name(room.id)}={value}"}


async def page(client: httpx.AsyncClient, room: Room, who: Person, path: str) -> str:
    response = await client.get(path, headers=browser(room, who))
    assert response.status_code == 200, response.text
    return response.text


async def grouped_room(client: httpx.AsyncClient) -> tuple[Room, Person]:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic")
    for phase in ("context", "questions", "analysis"):
        await move(client, room, phase)
    fac = room.facilitator
    first = await card_id(client, room, visitor, "option", "Book transport early")
    second = await card_id(client, room, visitor, "insight", "Pharmacy shuts at five")
    await card_id(client, room, visitor, "option", "Loose idea")
    for cid, theme in ((first, "Transport"), (second, "Medicines")):
        response = await client.patch(
            url(room, f"/cards/{cid}"), json={"theme": theme}, headers=fac.headers
        )
        assert response.status_code == 200
    response = await client.post(url(room, f"/cards/{first}/vote"), headers=visitor.headers)
    assert response.status_code == 200
    return room, visitor


def section(html: str) -> str:
    found = re.search(r'<section id="themes".*?</section>', html, re.S)
    assert found, "no themes section"
    return found.group(0)


async def test_every_view_shows_the_cards_grouped_with_vote_totals(
    app: Any, client: httpx.AsyncClient
) -> None:
    room, visitor = await grouped_room(client)
    for who, path in (
        (room.facilitator, f"/w/{room.id}"),
        (visitor, f"/w/{room.id}"),
        (visitor, f"/w/{room.id}/board"),
        (visitor, f"/w/{room.id}/themes?view=visitor"),
    ):
        themes = section(await page(client, room, who, path))
        assert "hidden" not in themes.split(">", 1)[0]
        # Most voted theme first, then the others, then the cards in no theme.
        loose = themes.index("Not in a theme yet")
        assert themes.index("Transport") < themes.index("Medicines") < loose
        assert "1 vote<" in themes and "0 votes" not in themes
        if who is room.facilitator or path.endswith("/board"):
            assert themes.index("Loose idea") > loose  # the cards themselves, grouped
        else:
            # A visitor's columns show the cards with their themes; here, how many in each.
            assert "Loose idea" not in themes and '<p class="theme-count">1 card</p>' in themes


async def test_the_console_can_theme_by_keyboard_and_by_dragging(
    app: Any, client: httpx.AsyncClient
) -> None:
    room, visitor = await grouped_room(client)
    console = section(await page(client, room, room.facilitator, f"/w/{room.id}"))
    # Each card: a labelled theme list and a Move button (keyboard), and draggable (mouse).
    assert console.count('class="theme-move"') == 3 and console.count('draggable="true"') == 3
    assert "Theme for this card" in console and ">Move</button>" in console
    assert 'data-drop="theme"' in console and "Merge into" in console
    visitor_view = section(await page(client, room, visitor, f"/w/{room.id}"))
    assert "theme-move" not in visitor_view and "draggable" not in visitor_view


async def test_the_print_view_lists_the_themes(app: Any, client: httpx.AsyncClient) -> None:
    room, visitor = await grouped_room(client)
    fac = room.facilitator
    await move(client, room, "feedback")
    await card_id(client, room, visitor, "strength", "Piloting on one ward first")
    hidden = await card_id(client, room, fac, "option", "A card the facilitator hid")
    await client.patch(url(room, f"/cards/{hidden}"), json={"hidden": True}, headers=fac.headers)
    host = await join(client, room, "host", "Hana")
    await move(client, room, "reflection")
    await card_id(client, room, visitor, "takeaway", "Ask the porters first")
    await card_id(client, room, visitor, "takeaway", "Name nobody", anonymous=True)
    # The host team's own takeaways are its action list, as in the record, named or not.
    await card_id(client, room, host, "takeaway", "We will pilot in bay B")
    await card_id(client, room, host, "takeaway", "Quietly, we agree", anonymous=True)
    printed = await page(client, room, fac, f"/w/{room.id}/print")
    for text in ("We will pilot in bay B", "Quietly, we agree"):
        assert text not in printed, text
    assert printed.index("What visitors will take away") < printed.index("Name nobody")
    assert "<h3>Transport (1 vote)</h3>" in printed
    # Each card once, in its theme or under its kind; hidden ones not at all; takeaways last.
    for text in ("Book transport early", "Pharmacy shuts at five", "Loose idea"):
        assert printed.count(text) == 1, text
    assert printed.index("Transport (1 vote)") < printed.index("Loose idea")
    # What was done well opens the visitors' part, as it opened their feedback.
    assert printed.index("Piloting on one ward first") < printed.index("Transport (1 vote)")
    assert "A card the facilitator hid" not in printed
    assert printed.index("What visitors will take away") < printed.index("Ask the porters first")


async def test_the_themes_wait_for_analysis_outside_the_console(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vic")
    await move(client, room, "context")
    assert "hidden" in section(await page(client, room, visitor, f"/w/{room.id}")).split(">")[0]
