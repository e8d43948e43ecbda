"""The phase's own columns come first in the page itself, not only on the screen: a keyboard or
a screen reader on a phone meets them in the order the eye does (CSS `order` moved them on the
screen alone, so Tab went through the earlier phases' columns first)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page

from tests.conftest import Server

from .conftest import PHONE, Tabs
from .meeting import quick_join, quick_meeting
from .test_layout import insights_by_api

pytestmark = pytest.mark.browser

# The board's shown columns: as the page has them, and as the eye reads them (rows, then left
# to right).
IN_THE_PAGE = "cs => cs.map(c => c.dataset.kind)"
BY_EYE = (
    "cs => cs.slice().sort((a, b) => { const p = a.getBoundingClientRect(),"
    " q = b.getBoundingClientRect(); return p.y - q.y || p.x - q.x; }).map(c => c.dataset.kind)"
)


async def columns(page: Page) -> tuple[list[str], list[str]]:
    shown = page.locator("#board .column:visible")
    return await shown.evaluate_all(IN_THE_PAGE), await shown.evaluate_all(BY_EYE)


async def test_the_feedback_opens_with_what_was_done_well_for_the_keyboard_too(
    server: Server, tabs: Tabs
) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    vera = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    headers = await insights_by_api(meeting, "Walt", 2, upto="feedback")
    async with httpx.AsyncClient(base_url=meeting.base_url) as api:
        for kind, text in (("strength", "Starting with one ward"), ("option", "A huddle")):
            made = await api.post(
                f"/api/v1/workshops/{meeting.id}/cards",
                json={"kind": kind, "text": text},
                headers=headers,
            )
            assert made.status_code == 201, made.text
    for page in (vera, meeting.facilitator):
        await page.locator("#col-option .card").first.wait_for()
        in_the_page, by_eye = await columns(page)
        assert in_the_page[0] == "strength", in_the_page
        assert in_the_page == by_eye, (in_the_page, by_eye)
    assert not tabs.errors, tabs.errors
