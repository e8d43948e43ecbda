"""Before the meeting, as a new facilitator would: type a problem and see a similar past peer
assist, open it and come back to the form as they left it, build the invitation list and watch
the hints change, send the briefing, open it on a phone from the mail the SMTP server received,
and find both peer assists in the library."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import Inbox, Server, sqlite_database
from tests.factories import admin

from .conftest import ARTIFACTS, DESKTOP, PHONE, Tabs
from .meeting import create_by_api, enter, sign_in
from .test_accessibility import axe, severe

pytestmark = pytest.mark.browser
UNITS = ["Pharmacy", "Estates", "Ward 3", "Outpatients", "Theatres", "Community"]
SHOTS = ARTIFACTS / "before-meeting"
PAST = "Falls at night on the elderly care ward"
TYPED = "Our frail patients keep having falls at night"


def past_peer_assist(base_url: str) -> str:
    """A peer assist held before: a host team, an action done and what they decided."""
    with httpx.Client(base_url=base_url) as api:
        created = api.post(
            "/api/v1/workshops",
            headers=admin(),
            json={
                "title": PAST,
                "problem": "Frail patients fall at night when they get up without help.",
                "duration_minutes": 120,
                "facilitator_name": "Fay",
            },
        ).json()
        workshop_id = created["workshop"]["id"]
        joined = api.post(
            f"/api/v1/join/{created['invites']['host']['code']}",
            json={"name": "Hana Host", "accept_ground_rules": True},
        )
        assert joined.status_code == 201, joined.text
        run = {"Authorization": f"Bearer {created['facilitator_token']}"}
        url = f"/api/v1/workshops/{workshop_id}"
        moved = api.post(f"{url}/phase", json={"to": "commitment"}, headers=run)
        assert moved.status_code == 200, moved.text
        action = api.post(f"{url}/actions", json={"title": "Low beds on two bays"}, headers=run)
        assert action.status_code == 201, action.text
        done = api.patch(
            f"{url}/actions/{action.json()['id']}", json={"status": "done"}, headers=run
        )
        assert done.status_code == 200, done.text
        promised = api.put(
            f"{url}/commitment",
            json={"report_back_by": "2027-02-01", "note": "Trial low beds and floor mats"},
            headers=run,
        )
        assert promised.status_code == 200, promised.text
        closed = api.post(f"{url}/phase", json={"to": "closed"}, headers=run)
        assert closed.status_code == 200, closed.text
        return workshop_id


async def test_before_the_meeting_end_to_end(
    tabs: Tabs, tmp_path: Any, server_factory: Any, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    server = server_factory(
        sqlite_database(tmp_path), extra_env={"SMTP_URL": f"smtp://127.0.0.1:{port}"}
    )
    past_id = past_peer_assist(server.base_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = await tabs.open("facilitator", DESKTOP)
    await sign_in(page, server.base_url)
    await page.goto(f"{server.base_url}/")
    await page.get_by_label("Title").fill("Fewer falls overnight")
    problem = page.get_by_label("The problem the host team wants help with")
    await problem.press_sequentially(TYPED, delay=20)
    similar = page.locator("#similar")
    await expect(similar).to_contain_text(PAST)
    await expect(similar).to_contain_text("Trial low beds and floor mats")
    await expect(similar).to_contain_text("Hana Host")
    await page.screenshot(path=SHOTS / "start-similar.png", full_page=True)
    found = await axe(page, "start with similar")
    # They open the past peer assist's record, read what it decided, and come back.
    await similar.get_by_role("link", name=PAST).click()
    await page.wait_for_url(re.compile(rf"/w/{past_id}/record$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text(PAST)
    await expect(page.get_by_text("Low beds on two bays")).to_be_visible()
    await expect(page.get_by_role("link", name="Back to the library")).to_be_visible()
    await page.screenshot(path=SHOTS / "past-record.png", full_page=True)
    await page.go_back()
    await page.wait_for_url(re.compile(r"/$"))
    await expect(page.get_by_label("Title")).to_have_value("Fewer falls overnight")
    await expect(problem).to_have_value(TYPED)
    await expect(similar).to_contain_text(PAST)
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
    mail = next(m for _, m in inbox.messages if m["To"] == "v2@example.org")
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"(http://\S+/i/[\w-]+)", text).group(1)
    phone = await tabs.open("visitor", PHONE)
    await phone.goto(link)
    await expect(phone.get_by_role("heading", name="Fewer falls overnight")).to_be_visible()
    await expect(phone.get_by_role("link", name="Join on the day")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    found += await axe(phone, "briefing")
    await phone.screenshot(path=SHOTS / "briefing-phone.png", full_page=True)
    # On the day: the join page knows who it is, and its address no longer says so (one copied
    # from the address bar would name this person to whoever opens it).
    await phone.get_by_role("link", name="Join on the day").click()
    await expect(phone.get_by_label("Your name")).not_to_have_value("")
    assert "invitee=" not in phone.url, phone.url
    # Later, the library finds the past peer assist by its words, and the new one by its status.
    await page.goto(f"{server.base_url}/my")
    logged_before = len(tabs.console)
    await page.get_by_role("link", name="Search the library").click()
    await page.wait_for_url(re.compile(r"/library$"))
    results = page.locator("#library-results")
    await expect(results.locator(".library-entry")).to_have_count(2)
    await page.get_by_label("Search").fill("get up without help")
    await page.get_by_label("Search").press("Enter")
    await expect(results.locator(".library-entry")).to_have_count(1)
    await expect(results.locator(".library-entry mark").first).to_be_visible()
    await expect(results.get_by_role("link", name=PAST)).to_be_visible()
    await expect(page).to_have_url(re.compile(r"/library\?q=get\+up\+without\+help$"))
    await page.wait_for_timeout(800)  # past the typing delay: every search it set off is done
    await page.screenshot(path=SHOTS / "library-search.png", full_page=True)
    await page.get_by_label("Search").fill("")
    await page.get_by_label("Status").select_option("upcoming")
    await expect(results.locator(".library-entry")).to_have_count(1)
    await expect(results.get_by_role("link", name="Fewer falls overnight")).to_be_visible()
    # Searching, pressing Enter and filtering log no error, not even a refusal.
    assert tabs.console[logged_before:] == []
    found += await axe(page, "library")
    await phone.goto(f"{server.base_url}/library?status=upcoming")
    await phone.wait_for_url(re.compile(r"/signin"))
    await sign_in(phone, server.base_url, name="Pat")
    await phone.goto(f"{server.base_url}/library?q=falls")
    await expect(phone.locator(".library-entry")).to_have_count(2)
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await phone.screenshot(path=SHOTS / "library-phone.png", full_page=True)
    found += await axe(phone, "library on a phone")
    assert severe(found) == []
    assert tabs.errors == [] and tabs.dialogs == []


# A Pixel 7's width.
PIXEL_7 = {"width": 412, "height": 915}
# Each text of the mix chart at the size it is drawn: its font size scaled as the SVG is.
CHART_TEXT = """() => [...document.querySelectorAll(".mix svg text")].map(text => {
  const svg = text.ownerSVGElement;
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [text.textContent, Number(text.getAttribute("font-size")) * scale];
})"""


async def test_the_mix_of_visitors_reads_on_a_phone(server: Server, tabs: Tabs) -> None:
    created = await create_by_api(server.base_url)
    workshop_id = created["workshop"]["id"]
    token = created["facilitator_token"]
    page = await enter(tabs, server.base_url, workshop_id, token, "facilitator", PIXEL_7)
    await page.goto(f"{server.base_url}/w/{workshop_id}/before")
    form = page.locator(".invitee-form")
    for i, unit in enumerate(["Estates and facilities management", "Pharmacy"]):
        await form.get_by_label("Name").fill(f"Visitor {i}")
        await form.get_by_label("Email").fill(f"v{i}@example.org")
        await form.get_by_label("Organisation or unit").fill(unit)
        await form.get_by_label("Years in the field").fill(str(4 + 10 * i))
        await form.get_by_role("button", name="Add to the list").click()
        await expect(page.locator(".invitees tbody tr")).to_have_count(i + 1)
    # The list's table scrolls on its own: a page wider than the phone is zoomed out to fit,
    # and every word on it with it.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PIXEL_7["width"]
    sizes = await page.evaluate(CHART_TEXT)
    assert len(sizes) == 2 + 2 * 2 + 5 * 2, sizes  # two headings, units and bands with counts
    small = [(text, round(size, 1)) for text, size in sizes if size < 12]
    assert small == [], small
    await page.locator(".mix").screenshot(path=SHOTS / "mix-phone.png")
    assert tabs.errors == [] and tabs.dialogs == []
