"""The facilitator removes someone and withdraws the co-facilitator link from the console; the
removed person's screen says so; a joining person finds the privacy notice."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.conftest import Server

from .conftest import PHONE, Tabs
from .meeting import join, quick_meeting, start_meeting

pytestmark = pytest.mark.browser

# The console asks before removing anyone; the test says yes as the facilitator would.
SAY_YES = "window.confirm = () => true"
# Whether an element takes the focus (none inside an inert part of the page does).
FOCUS = "e => { e.focus(); return document.activeElement === e; }"
# What a phone unlocked, or a laptop back on the network, tells the page.
WAKE_UP = (
    "document.dispatchEvent(new Event('visibilitychange'));"
    " window.dispatchEvent(new Event('online'))"
)


async def test_remove_someone_and_withdraw_the_co_facilitator_link(
    server: Server, tabs: Tabs
) -> None:
    meeting = await start_meeting(tabs, server.base_url)
    console = meeting.facilitator
    vera = await join(tabs, meeting, "visitor", "Vera", PHONE)
    await join(tabs, meeting, "visitor", "Walt", PHONE)
    people = console.locator("#people")
    await expect(people.get_by_text("Vera")).to_be_visible()
    # Nobody can remove themselves: there is no button on the facilitator's own line.
    await expect(people.get_by_role("button", name="Remove Ada")).to_have_count(0)

    assert await vera.locator(".room-grid button").first.evaluate(FOCUS)
    await console.evaluate(SAY_YES)
    await people.get_by_role("button", name="Remove Vera").click()
    await expect(people.get_by_text("Vera")).to_have_count(0)
    await expect(people.get_by_text("Walt")).to_be_visible()
    await expect(vera.locator("#connection")).to_have_text("Disconnected")
    # A notice that stays, and a page that takes no more input.
    await expect(vera.locator("#access-ended")).to_contain_text("removed from this peer assist")
    assert not await vera.locator(".room-grid button").first.evaluate(FOCUS)
    # Looked at again or back online, it does not knock on a door that is shut.
    sockets: list = []
    vera.on("websocket", lambda socket: sockets.append(socket))
    await vera.evaluate(WAKE_UP)
    await vera.wait_for_timeout(1500)
    assert sockets == []
    await expect(vera.locator("#connection")).to_have_text("Disconnected")
    await vera.reload()
    await expect(vera.get_by_role("heading", name="Join first")).to_be_visible()

    label = "Co-facilitator invite link"
    old_link = await console.get_by_label(label, exact=True).input_value()
    await console.get_by_role("button", name="Withdraw the co-facilitator link").click()
    await expect(console.get_by_label(label, exact=True)).to_have_count(0)
    await expect(console.get_by_text("The co-facilitator link is withdrawn")).to_be_visible()
    stranger = await tabs.open("stranger", PHONE)
    response = await stranger.goto(old_link)
    assert response is not None and response.status == 410
    await expect(stranger.get_by_text("withdrawn")).to_be_visible()

    await console.evaluate(SAY_YES)  # the page reloaded
    await console.get_by_role("button", name="Make a new co-facilitator link").click()
    new_link = await console.get_by_label(label, exact=True).input_value()
    assert new_link != old_link
    assert tabs.errors == [] and tabs.dialogs == []


async def test_a_joining_person_finds_the_privacy_notice(server: Server, tabs: Tabs) -> None:
    meeting = await start_meeting(tabs, server.base_url)
    page = await tabs.open("newcomer", PHONE)
    await page.goto(meeting.links["visitor"])
    await page.get_by_role("link", name=re.compile("What we keep about you")).click()
    await expect(page).to_have_url(re.compile(r"/privacy$"))
    await expect(page.get_by_role("heading", name="How long it is kept")).to_be_visible()
    await expect(page.get_by_text("365 days after it closes")).to_be_visible()


async def test_an_invite_link_is_copied_with_one_press(server: Server, tabs: Tabs) -> None:
    """The links were cut off in their boxes: each has a Copy button, which says it copied."""
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    await console.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=server.base_url
    )
    press = console.get_by_role("button", name="Copy link for host team")
    await press.click()
    await expect(press.locator("xpath=..").locator(".copied")).to_have_text("Copied.")
    assert await console.evaluate("navigator.clipboard.readText()") == meeting.links["host"]
    assert not tabs.errors, tabs.errors
