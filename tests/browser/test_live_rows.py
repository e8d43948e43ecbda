"""A row changed live replaces its old self in the list, on every screen, however often."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import PHONE, PROJECTOR, Tabs
from .meeting import quick_join, quick_meeting
from .room_checks import API_POST

pytestmark = pytest.mark.browser

# Every child of the lists, by tag and id: a live update must leave exactly one <li> per row.
CHILDREN = "list => [...list.children].map(child => `${child.tagName}#${child.id}`)"


async def send(page: Page, path: str, body: dict, method: str = "POST") -> dict:
    status, answer = await page.evaluate(API_POST, [path, body, method])
    assert status in (200, 201), answer
    return answer


async def test_updated_actions_and_people_stay_rows_of_their_lists(
    server: Server, tabs: Tabs
) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    host, vera, board = await asyncio.gather(
        quick_join(tabs, meeting, "host", "Hana", PHONE),
        quick_join(tabs, meeting, "visitor", "Vera", PHONE),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    api = f"/api/v1/workshops/{meeting.id}"

    # Vera's hand goes up and down twice: her row on the console changes four times.
    for signal in ("hand", "none", "hand", "none"):
        me = await send(vera, f"{api}/signal", {"signal": signal}, "PUT")
        row = console.locator(f"#people > li#person-{me['id']}")
        await expect(row).to_have_attribute("data-signal", signal)
    people = await console.locator("#people").evaluate(CHILDREN)
    assert all(child.startswith("LI#person-") for child in people), people
    assert people.count(f"LI#person-{me['id']}") == 1, people

    await send(console, f"{api}/phase", {"to": "commitment"})
    action = await send(host, f"{api}/actions", {"title": "Book transport at admission"})
    for status in ("in_progress", "done", "open"):
        await send(host, f"{api}/actions/{action['id']}", {"status": status}, "PATCH")
        for page in (console, host, board):
            row = page.locator(f"#action-list > li#action-{action['id']}")
            await expect(row).to_have_class(f"action status-{status}")
    for page in (console, host, board):
        rows = await page.locator("#action-list").evaluate(CHILDREN)
        assert rows == [f"LI#action-{action['id']}"], rows
    assert tabs.console == []
    assert tabs.errors == []
