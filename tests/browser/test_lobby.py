"""Joining by room code in a real browser: knock, wait, and be let in or turned away."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import PHONE, Tabs
from .meeting import ROOM_URL, Meeting, quick_meeting, wait_live

pytestmark = pytest.mark.browser


async def room_code(meeting: Meeting) -> str:
    return (await meeting.facilitator.locator(".invites .room-code").inner_text()).strip()


async def knock(tabs: Tabs, meeting: Meeting, name: str) -> Page:
    """Type the code from the screen, give a name, accept the ground rules, wait."""
    phone = await tabs.open(name, PHONE)
    await phone.goto(meeting.base_url + "/r")
    await phone.get_by_label("Room code").fill((await room_code(meeting)).lower())
    await phone.get_by_role("button", name="Continue").click()
    await phone.fill("input[name=name]", name)
    await phone.check("input[name=accept]")
    await phone.get_by_role("button", name="Join").click()
    await expect(phone.get_by_role("heading", name="You are in the lobby")).to_be_visible()
    return phone


async def test_admitted_from_the_header_count(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    count = console.locator("header #lobby-count")
    await expect(count).to_be_hidden()

    wanda = await knock(tabs, meeting, "Wanda")
    # The facilitator sees it at the top of the console, without scrolling, and it links down.
    await expect(count).to_have_text("1 waiting to join")
    await expect(count).to_be_in_viewport()
    await count.click()
    admit = console.locator("#lobby").get_by_role("button", name="Admit")
    await expect(admit).to_be_in_viewport()
    await admit.click()

    # The wait page moves on by itself into the room, as a visitor.
    # (A long poll woken by the admission, not a slow poll: test_room.py prints how long.)
    await wanda.wait_for_url(ROOM_URL, wait_until="commit")
    await wait_live(wanda)
    await expect(wanda.locator(".room-header .eyebrow")).to_contain_text("Visiting peer · Wanda")
    await expect(count).to_be_hidden()
    assert not tabs.errors, tabs.errors


async def test_turned_away_kindly(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    tom = await knock(tabs, meeting, "Tom")
    lobby = meeting.facilitator.locator("#lobby")
    await expect(lobby).to_contain_text("Tom")
    await lobby.get_by_role("button", name="Turn away").click()
    await expect(
        tom.get_by_role("heading", name="The facilitator could not let you in")
    ).to_be_visible()
    assert "/wait" in tom.url
    await expect(meeting.facilitator.locator("header #lobby-count")).to_be_hidden()
    assert not tabs.errors, tabs.errors


async def test_letting_everyone_in_warns_while_it_is_on(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    switch = console.get_by_label("in without waiting")
    warning = console.locator("#writing .hint.warning")
    await expect(switch).not_to_be_checked()
    await expect(warning).to_be_hidden()
    await switch.check()
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text("off once everyone is in")
    # It is really on: someone with the code walks straight in.
    walt = await tabs.open("Walt", PHONE)
    await walt.goto(meeting.base_url + "/r")
    await walt.get_by_label("Room code").fill(await room_code(meeting))
    await walt.get_by_role("button", name="Continue").click()
    await walt.fill("input[name=name]", "Walt")
    await walt.check("input[name=accept]")
    await walt.get_by_role("button", name="Join").click()
    await walt.wait_for_url(ROOM_URL, wait_until="commit")
    await switch.uncheck()
    await expect(warning).to_be_hidden()
    assert not tabs.errors, tabs.errors
