"""The projector fits the room's cards to its one screen: what cannot fit is cut short or
counted ("+N more"), never a voted card lost behind one with fewer votes, never its stars."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import Server
from tests.factories import bearer

from .conftest import PROJECTOR, Tabs
from .meeting import advance_to, card, create_by_api, enter, post_card, quick_join, quick_meeting

pytestmark = pytest.mark.browser


async def test_the_board_never_hides_a_voted_card_behind_one_with_fewer_votes(
    server: Server, tabs: Tabs
) -> None:
    """A column that cannot show every card skips one too tall for the space left in favour of
    shorter ones after it; but never in favour of cards the room voted for less."""
    meeting = await quick_meeting(tabs, server.base_url)
    vera, walt, board = await asyncio.gather(
        quick_join(tabs, meeting, "visitor", "Vera", key="vera"),
        quick_join(tabs, meeting, "visitor", "Walt", key="walt"),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    await advance_to(meeting, "analysis")
    first = "Book transport at admission"
    tall = " ".join(["Pharmacy prepares the take-home medicines the day before discharge."] * 12)
    await post_card(vera, first, "option")
    await post_card(vera, tall, "option")
    for n in range(6):
        await post_card(walt, f"Short option {n}", "option")
    for page in (vera, walt):
        await card(page, first).locator("button.vote").click()
    await card(walt, tall).locator("button.vote").click()
    await expect(card(board, first).locator("[id^=votes-]")).to_have_text("2")
    await expect(card(board, tall).locator("[id^=votes-]")).to_have_text("1")

    # The tall card does not fit under the first: it stays, its words cut short above its
    # votes, and the cards nobody voted for go.
    column = board.locator(".column[data-kind=option]")
    await expect(card(board, tall).locator("p.text.cut")).to_be_visible()
    await expect(column.locator(".card:visible")).to_have_count(2)
    await expect(column.locator(".more")).to_have_text("+6 more")
    votes = card(board, tall).locator("[id^=votes-]")
    await expect(votes).to_be_in_viewport()
    box = await column.locator(".cards").bounding_box()
    shown = await card(board, tall).bounding_box()
    assert box and shown and shown["y"] + shown["height"] <= box["y"] + box["height"] + 1
    # In the spotlight, where a long card goes to be read, it has all its words.
    spotlit = card(meeting.facilitator, tall)
    await spotlit.locator("details.moderate summary").click()
    await spotlit.get_by_role("button", name="Spotlight", exact=True).click()
    big = board.locator("#spotlight .card .text")
    await expect(big).to_be_visible()
    assert await big.evaluate("e => !e.classList.contains('cut') && !e.style.maxHeight")
    assert not tabs.errors, tabs.errors


async def test_the_board_keeps_the_votes_of_a_first_card_too_tall_for_its_column(
    server: Server, tabs: Tabs
) -> None:
    """In the commitment the action list takes the board's top half and the columns get
    short. A column's first card stays whatever its size; its words are cut short so that
    its author and its votes still show: the room's favourite must not lose its stars."""
    meeting = await quick_meeting(tabs, server.base_url)
    vera, host, board = await asyncio.gather(
        quick_join(tabs, meeting, "visitor", "Vera", key="vera"),
        quick_join(tabs, meeting, "host", "Hana", key="host"),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    await advance_to(meeting, "analysis")
    tall = " ".join(["Pharmacy prepares the take-home medicines the day before discharge."] * 9)
    await post_card(vera, tall, "option")
    await card(vera, tall).locator("button.vote").click()
    await advance_to(meeting, "commitment")
    form = host.locator("#action-form")
    for n in range(3):
        await form.locator("textarea[name=title]").fill(f"Action {n}: book transport at admission")
        await form.locator("input[name=owner]").fill("Hana")
        await form.get_by_role("button", name="Add action").click()
        await expect(host.locator("#action-list .action")).to_have_count(n + 1)
    await expect(board.locator("#action-list > li")).to_have_count(3)

    shown = card(board, tall)
    await expect(shown.locator("p.text.cut")).to_be_visible()
    votes = shown.locator("[id^=votes-]")
    await expect(votes).to_have_text("1")
    await expect(votes).to_be_in_viewport()
    box = await board.locator(".column[data-kind=option] .cards").bounding_box()
    star = await votes.bounding_box()
    assert box and star and star["y"] + star["height"] <= box["y"] + box["height"] + 1
    assert not tabs.errors, tabs.errors


async def test_a_theme_card_cut_short_keeps_its_words_inside_it(server: Server, tabs: Tabs) -> None:
    """Grouped into themes, the projector cuts a card too tall for its group as it cuts one in
    a column: its words end inside the card, not over the group's dark background."""
    created = await create_by_api(server.base_url)
    wid, fac = created["workshop"]["id"], bearer(created["facilitator_token"])
    async with httpx.AsyncClient(base_url=f"{server.base_url}/api/v1") as api:
        code = created["invites"]["projector"]["code"]
        seat = await api.post(
            f"/join/{code}", json={"name": "Room screen", "accept_ground_rules": True}
        )
        board = await enter(tabs, server.base_url, wid, seat.json()["token"], "board", PROJECTOR)
        await api.post(f"/workshops/{wid}/phase", json={"to": "analysis"}, headers=fac)
        tall = " ".join(["Pharmacy prepares the take-home medicines the day before."] * 30)
        for n, text in enumerate((tall, "Book transport early", "A huddle", "Porters")):
            theme = f"Theme {n}"
            made = await api.post(f"/workshops/{wid}/themes", json={"name": theme}, headers=fac)
            assert made.status_code == 201, made.text
            card = await api.post(
                f"/workshops/{wid}/cards", json={"kind": "option", "text": text}, headers=fac
            )
            moved = await api.patch(
                f"/workshops/{wid}/cards/{card.json()['id']}", json={"theme": theme}, headers=fac
            )
            assert moved.status_code == 200, moved.text
    text = board.locator("#themes .theme-card .text").filter(has_text="Pharmacy")
    await expect(text).to_have_class(re.compile(r"\bcut\b"))
    inside = await text.evaluate(
        "t => { const c = t.closest('.theme-card').getBoundingClientRect();"
        " const b = t.getBoundingClientRect();"
        " return getComputedStyle(t).overflow === 'hidden' && b.bottom <= c.bottom + 1; }"
    )
    assert inside
    assert not tabs.errors, tabs.errors
