"""Themes in the browser: the facilitator makes one, moves a card in by keyboard and another
by dragging, and every screen's grouped view follows live."""

from __future__ import annotations

import asyncio
import itertools
import json
import re

import pytest
from playwright.async_api import APIResponse, Page, Route, expect

from tests.conftest import Server

from .conftest import PROJECTOR, Tabs
from .meeting import advance_to, post_card, quick_join, quick_meeting

pytestmark = pytest.mark.browser


def group(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("#themes .theme-group").filter(
        has=page.locator(".theme-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


async def test_themes_made_and_filled_by_keyboard_and_drag_reach_every_screen(
    server: Server, tabs: Tabs
) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    visitor = await quick_join(tabs, meeting, "visitor", "Vic")
    board = await quick_join(tabs, meeting, "projector", "Wall", PROJECTOR)
    await advance_to(meeting, "analysis")
    await post_card(visitor, "Book transport the day before", "option")
    await post_card(visitor, "A discharge lounge", "option")
    console = meeting.facilitator
    loose = group(console, "Not in a theme yet")
    await expect(loose.locator(".theme-card")).to_have_count(2)

    await console.get_by_label("New theme").fill("Transport")
    await console.get_by_role("button", name="Add theme").click()
    await expect(group(console, "Transport")).to_have_count(1)

    # By keyboard: the theme list beside the card, then Move.
    first = console.locator(".theme-card", has_text="Book transport the day before")
    await first.get_by_label("Theme for this card").select_option("Transport")
    await first.get_by_role("button", name="Move").focus()
    await console.keyboard.press("Enter")
    for page in (console, board):
        await expect(group(page, "Transport").locator(".theme-card")).to_have_count(1)
    # The visitor's columns show the cards; her themes say how many each holds.
    await expect(group(visitor, "Transport").locator(".theme-count")).to_have_text("1 card")

    # By dragging the other card onto the theme.
    second = console.locator(".theme-card", has_text="A discharge lounge")
    await second.locator(".text").drag_to(group(console, "Transport").locator("h3"))
    for page in (console, board):
        await expect(group(page, "Transport").locator(".theme-card")).to_have_count(2)
    await expect(group(visitor, "Transport").locator(".theme-count")).to_have_text("2 cards")
    await expect(visitor.locator("#themes .theme-card")).to_have_count(0)
    for page in (console, visitor, board):
        await expect(group(page, "Not in a theme yet")).to_have_count(0)


async def test_a_theme_half_typed_or_chosen_survives_the_room_writing_meanwhile(
    server: Server, tabs: Tabs
) -> None:
    """Cards arrive while the facilitator sorts: the grouping refreshes, but not under the
    words she is typing or the theme she has just chosen for a card."""
    meeting = await quick_meeting(tabs, server.base_url)
    visitor = await quick_join(tabs, meeting, "visitor", "Vic")
    await advance_to(meeting, "analysis")
    console = meeting.facilitator
    await post_card(visitor, "Book transport the day before", "option")
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(1)

    name = console.get_by_label("New theme")
    await name.focus()  # about to type: a refresh must not take the box away
    await post_card(visitor, "Ward pharmacist at the board round", "option")
    await expect(console.locator("#board")).to_contain_text("Ward pharmacist at the board round")
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(2)
    await expect(name).to_be_focused()
    await name.fill("Transp")
    await post_card(visitor, "A discharge lounge", "option")
    await expect(console.locator("#board")).to_contain_text("A discharge lounge")
    await console.wait_for_timeout(1200)  # past the grouping's refresh delay
    await expect(name).to_have_value("Transp")
    await name.press_sequentially("ort")
    await console.get_by_role("button", name="Add theme").click()
    # Sent: the grouping catches up, with the new theme and the card that came meanwhile.
    await expect(group(console, "Transport")).to_have_count(1)
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(3)
    await expect(console.get_by_label("New theme")).to_have_value("")

    first = console.locator(".theme-card", has_text="Book transport the day before")
    await first.get_by_label("Theme for this card").select_option("Transport")
    await post_card(visitor, "Pharmacy on the ward", "option")
    await expect(console.locator("#board")).to_contain_text("Pharmacy on the ward")
    await console.wait_for_timeout(1200)
    await expect(first.get_by_label("Theme for this card")).to_have_value("Transport")
    await first.get_by_role("button", name="Move").click()
    await expect(group(console, "Transport").locator(".theme-card")).to_have_count(1)
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(3)
    assert not tabs.errors


async def test_a_theme_made_while_the_grouping_is_on_its_way_still_shows(
    server: Server, tabs: Tabs
) -> None:
    """A card sets the grouping refreshing; a theme is made before that refresh, read without
    it, lands. The stale grouping is fetched again rather than kept."""
    meeting = await quick_meeting(tabs, server.base_url)
    visitor = await quick_join(tabs, meeting, "visitor", "Vic")
    await advance_to(meeting, "analysis")
    console = meeting.facilitator
    held: list[APIResponse] = []
    release = asyncio.Event()

    async def hold_the_first(route: Route) -> None:
        if held:
            await route.continue_()
            return
        held.append(await route.fetch())  # read now, before the theme exists
        await release.wait()
        await route.fulfill(response=held[0])

    await post_card(visitor, "Book transport the day before", "option")
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(1)
    await console.route(lambda url: f"/w/{meeting.id}/themes" in url, hold_the_first)
    await post_card(visitor, "A discharge lounge", "option")
    for _ in range(100):
        if held:
            break
        await asyncio.sleep(0.1)
    assert held, "the card set the grouping refreshing"
    await console.get_by_label("New theme").fill("Transport")
    await console.get_by_role("button", name="Add theme").click()
    await expect(console.locator("#themes-stale")).to_have_attribute("data-why", "theme.created")
    await console.wait_for_timeout(800)  # past the refresh delay the theme's change set off
    release.set()
    await expect(group(console, "Transport")).to_have_count(1)
    await expect(group(console, "Not in a theme yet").locator(".theme-card")).to_have_count(2)
    assert not tabs.errors


async def test_the_grouping_follows_a_room_that_never_pauses(server: Server, tabs: Tabs) -> None:
    """A refresh waits for the room to pause, so a burst costs one fetch; but not for ever. With
    a card every fifth of a second (never the 400 ms pause it waits for), the grouping still
    moves. A card seen after the room did pause proves nothing (the old wait would have
    fetched it too), so the test watches for one seen with no such pause since it was sent."""
    meeting = await quick_meeting(tabs, server.base_url)
    visitor = await quick_join(tabs, meeting, "visitor", "Vic")
    await advance_to(meeting, "analysis")
    headers = json.loads(await visitor.locator("body").get_attribute("hx-headers") or "{}")
    cards_url = f"{server.base_url}/api/v1/workshops/{meeting.id}/cards"
    clock = asyncio.get_running_loop().time
    stop = asyncio.Event()
    sent: list[float] = []  # when each card's POST was answered: "Idea 1" at sent[0]

    async def keep_writing() -> None:
        while not stop.is_set():
            text = f"Idea {len(sent) + 1}"
            answer = await visitor.request.post(
                cards_url, data={"kind": "option", "text": text}, headers=headers
            )
            assert answer.status == 201, await answer.text()
            sent.append(clock())
            await asyncio.sleep(0.2)

    writing = asyncio.create_task(keep_writing())
    console = meeting.facilitator
    try:
        for _ in range(5):
            # Not the first cards: a fetch the phase change asked for may still be on its way.
            while len(sent) < 3:
                await asyncio.sleep(0.05)
            n = len(sent)  # the newest card sent so far
            shown = console.locator(".theme-card .text", has_text=re.compile(f"^Idea {n}$"))
            await expect(shown).to_have_count(1, timeout=10_000)
            seen = clock()
            assert not writing.done(), "the room was still writing when the grouping moved"
            times = [t for t in sent[n - 1 :] if t <= seen] + [seen]
            if max(b - a for a, b in itertools.pairwise(times)) < 0.4:
                break  # it moved while the room never paused
        else:
            pytest.fail("the grouping moved only when the room paused")
    finally:
        stop.set()
        await writing
    assert not tabs.errors
