"""Before the meeting, as a new facilitator would: type a problem and see a similar past peer
assist, build the invitation list and watch the hints change, send the briefing, and open it
on a phone from the mail the SMTP server received."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import expect

from tests.conftest import free_port, sqlite_database
from tests.factories import admin

from .conftest import DESKTOP, PHONE, Tabs
from .meeting import sign_in
from .test_accessibility import axe, severe

pytestmark = pytest.mark.browser
UNITS = ["Pharmacy", "Estates", "Ward 3", "Outpatients", "Theatres", "Community"]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def past_peer_assist(base_url: str) -> str:
    with httpx.Client(base_url=base_url) as api:
        created = api.post(
            "/api/v1/workshops",
            headers=admin(),
            json={
                "title": "Falls at night on the elderly care ward",
                "problem": "Frail patients fall at night when they get up without help.",
                "duration_minutes": 120,
                "facilitator_name": "Fay",
            },
        ).json()
        return created["workshop"]["id"]


async def test_before_the_meeting_end_to_end(
    tabs: Tabs, tmp_path: Any, server_factory: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    server = server_factory(
        sqlite_database(tmp_path), extra_env={"SMTP_URL": f"smtp://127.0.0.1:{port}"}
    )
    past_peer_assist(server.base_url)
    page = await tabs.open("facilitator", DESKTOP)
    await sign_in(page, server.base_url)
    await page.goto(f"{server.base_url}/")
    await page.get_by_label("Title").fill("Fewer falls overnight")
    await page.get_by_label("The problem the host team wants help with").press_sequentially(
        "Our frail patients keep having falls at night", delay=20
    )
    similar = page.locator("#similar")
    await expect(similar).to_contain_text("Falls at night on the elderly care ward")
    found = await axe(page, "start with similar")
    await similar.get_by_role("link").first.click()
    await page.go_back()
    await page.get_by_label("Starts", exact=True).fill("2027-03-01T09:00")
    await page.get_by_label("The aim is to learn").check()
    await page.get_by_label("Your name, as facilitator").fill("Ada")
    await page.get_by_role("button", name="Create the peer assist").click()
    await page.get_by_role("link", name="Before the meeting").click()
    hints = page.locator("#hints")
    await expect(hints.locator('[data-code="few_visitors"]')).to_be_visible()
    form = page.locator(".invitee-form")
    for i, unit in enumerate(UNITS):
        await form.get_by_label("Name").fill(f"Visitor {i}")
        await form.get_by_label("Email").fill(f"v{i}@example.org")
        await form.get_by_label("Organisation or unit").fill(unit)
        await form.get_by_label("Years in the field").fill(str(3 + i))
        await form.get_by_role("button", name="Add to the list").click()
        await expect(page.locator(".invitees tbody tr")).to_have_count(i + 1)
    await expect(hints.locator('[data-code="few_visitors"]')).to_have_count(0)
    await expect(page.locator(".mix svg")).to_be_visible()
    await page.get_by_role("button", name="Send the invitations").click()
    await expect(page.locator(".badge.mail-sent")).to_have_count(6, timeout=20_000)
    assert len(inbox.messages) == 6
    found += await axe(page, "before the meeting")
    mail = next(m for m in inbox.messages if m["To"] == "v2@example.org")
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://\S+/i/[\w-]+)", text).group(1)
    phone = await tabs.open("visitor", PHONE)
    await phone.goto(link)
    await expect(phone.get_by_role("heading", name="Fewer falls overnight")).to_be_visible()
    await expect(phone.get_by_role("link", name="Join on the day")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    found += await axe(phone, "briefing")
    assert severe(found) == []
    assert tabs.errors == [] and tabs.dialogs == []
