"""The facilitator's phase buttons move the meeting one phase per intent, however they are
clicked: a double click, or a second click before the screen has moved, must not skip a phase
(the walkthrough saw feedback go straight to reflection)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import DESKTOP, Tabs
from .meeting import create_by_api, enter

pytestmark = pytest.mark.browser


async def settled_phase(page: Page, base_url: str, workshop_id: str, token: str) -> str:
    """The server's phase once every phase request the page made has been answered."""
    await page.wait_for_function("() => !window.__phasePosts")
    async with httpx.AsyncClient(base_url=base_url) as api:
        response = await api.get(
            f"/api/v1/workshops/{workshop_id}", headers={"Authorization": f"Bearer {token}"}
        )
    return response.json()["phase"]


async def test_a_double_click_moves_the_meeting_one_phase(server: Server, tabs: Tabs) -> None:
    created = await create_by_api(server.base_url)
    workshop_id, token = created["workshop"]["id"], created["facilitator_token"]
    console = await enter(tabs, server.base_url, workshop_id, token, "facilitator", DESKTOP)
    # A second click that lands after the first was answered, before the screen moved, asks
    # for the phase the meeting is in, and is told so.
    tabs.provoke(r"status of 409")
    # Count the phase requests in flight, so the test waits for every one the clicks made.
    await console.evaluate(
        """() => {
          window.__phasePosts = 0;
          const ours = (e) => /\\/phase$/.test(e.detail.requestConfig.path);
          const on = (name, step) => document.body.addEventListener(name, (e) => {
            if (ours(e)) window.__phasePosts += step;
          });
          on("htmx:beforeRequest", 1);
          on("htmx:afterRequest", -1);
        }"""
    )
    for button, before, after in (
        ("Next phase", "welcome", "context"),
        ("Next phase", "context", "questions"),
        ("Back", "questions", "context"),
    ):
        await expect(console.locator(f"#phase-banner.phase-{before}")).to_have_count(1)
        await console.get_by_role("button", name=button).dblclick()
        await expect(console.locator(f"#phase-banner.phase-{after}")).to_have_count(1)
        assert await settled_phase(console, server.base_url, workshop_id, token) == after
    # And clicked twice on purpose, once the screen has moved, it moves twice.
    for after in ("questions", "analysis"):
        await console.wait_for_function("() => !window.__phasePosts")  # its answer is in
        await console.get_by_role("button", name="Next phase").click()
        await expect(console.locator(f"#phase-banner.phase-{after}")).to_have_count(1)
