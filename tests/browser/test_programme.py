"""The whole after-meeting journey in a real browser, ending on the programme dashboard: the
meeting closes, a visitor answers the survey on a phone, the host updates an action, the
facilitator opens the review and then the dashboard, and someone who was not there reads the
shared record. Screenshots at a laptop's and a phone's width."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from app.security import session_cookie_name, unsign_session
from tests.conftest import SECRET_KEY, Server

from .conftest import ARTIFACTS, PHONE, Tabs
from .meeting import INVITE_LABELS, Meeting, in_days, quick_join, sign_in, wait_live
from .test_accessibility import axe, severe

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "programme"
LAPTOP = {"width": 1280, "height": 800}
# Its own unit, so the figures are this test's whatever else the shared server holds.
UNIT = "Cardiology (programme test)"


async def start_with_unit(tabs: Tabs, base_url: str) -> tuple[Meeting, str]:
    """The facilitator signs in and starts a peer assist, giving the host team's unit."""
    page = await tabs.open("facilitator", LAPTOP)
    await sign_in(page, base_url)
    await page.goto(base_url + "/")
    await page.fill("input[name=title]", "Booking transport earlier")
    await page.fill("textarea[name=problem]", "Patients wait a day for transport home.")
    await page.check("input[name=aim_is_learning]")
    await page.fill("input[name=facilitator_name]", "Ada")
    await page.get_by_label("The host team's unit").fill(UNIT)
    await page.get_by_role("button", name="Create the peer assist").click()
    await page.wait_for_url(re.compile(r"/w/[^/]+$"))
    await wait_live(page)
    links = {
        role: await page.get_by_label(label, exact=True).input_value()
        for role, label in INVITE_LABELS.items()
    }
    workshop_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    meeting = Meeting(base_url, workshop_id, page, links, {"facilitator": page})
    cookies = await page.context.cookies()
    signed = next(c["value"] for c in cookies if c["name"] == session_cookie_name(workshop_id))
    return meeting, unsign_session(SECRET_KEY, signed) or ""


async def api(meeting: Meeting, token: str, method: str, path: str, body: dict) -> None:
    async with httpx.AsyncClient(base_url=meeting.base_url) as client:
        response = await client.request(
            method,
            f"/api/v1/workshops/{meeting.id}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code < 300, response.text


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


# In each chart's SVG, the labels (the texts at x=0) against the left edge of the first bar.
LABELS_TOUCHING_BARS = """() => [...document.querySelectorAll('.chart svg')].flatMap(svg => {
  const rects = [...svg.querySelectorAll('rect')];
  if (!rects.length) return [];
  const bars = Math.min(...rects.map(r => r.getBBox().x));
  return [...svg.querySelectorAll('text[x="0"]')]
    .filter(t => t.getBBox().x + t.getBBox().width + 4 > bars)
    .map(t => `${svg.closest('.chart').id}: ${t.textContent}`);
})"""


async def test_from_closing_to_the_programme_dashboard(server: Server, tabs: Tabs) -> None:
    meeting, token = await start_with_unit(tabs, server.base_url)
    # The browser tests share one server, where other meetings have a visitor called Vera: a
    # name of this test's own keeps her a new visitor, as the figures below expect.
    visitor = await quick_join(tabs, meeting, "visitor", f"Vera {uuid.uuid4().hex[:6]}", PHONE)
    host = await quick_join(tabs, meeting, "host", "Hana", PHONE)
    await api(meeting, token, "POST", "/phase", {"to": "commitment"})
    await api(meeting, token, "POST", "/actions", {"title": "Book transport at admission"})
    await api(meeting, token, "PUT", "/commitment", {"report_back_by": in_days(14)})

    # 1. The meeting closes.
    await api(meeting, token, "POST", "/phase", {"to": "closed"})

    # 2. The visitor answers the survey on her phone.
    await visitor.reload()
    survey = visitor.locator("#survey")
    await survey.locator(".score-choice").filter(has_text="4").click()
    await survey.get_by_label("What was most valuable?").fill("Hearing how Ward 3 did it")
    await survey.get_by_role("button", name="Send").click()
    await expect(survey.get_by_role("status")).to_contain_text("Thank you")
    await shoot(visitor, "1-survey-phone")

    # 3. The host marks the action done on her phone, and reports back.
    await host.goto(f"{server.base_url}/w/{meeting.id}/follow-up")
    item = host.locator(".follow-up-list > li").first
    await item.locator(".status-choice").filter(has_text="Done").click()
    await item.get_by_label("Note").fill("Every ward books at admission")
    await item.get_by_role("button", name="Save").click()
    await expect(item.get_by_role("status")).to_have_text("Saved.")
    report = host.locator("#report-back")
    await report.get_by_label("What did the host team do?").fill("Booked at admission")
    await report.get_by_role("button", name="Report back").click()
    await expect(host.locator("#report-back .saved")).to_be_visible()
    await shoot(host, "2-follow-up-phone")

    # 4. The facilitator opens the review, then the dashboard from "my peer assists".
    console = meeting.facilitator
    await console.goto(f"{server.base_url}/w/{meeting.id}/review")
    await expect(console.get_by_role("heading", name="After action review")).to_be_visible()
    await shoot(console, "3-review-laptop")
    await console.goto(f"{server.base_url}/my")
    await console.get_by_role("link", name="Programme dashboard").click()
    await expect(console.get_by_role("heading", name="Programme dashboard")).to_be_visible()
    await console.get_by_label("Host team's unit").select_option(UNIT)
    await console.get_by_role("button", name="Show").click()
    await console.wait_for_url(re.compile(r"/dashboard\?.*unit="))
    totals = console.locator(".totals")
    await expect(totals.locator("div").filter(has_text="Peer assists held")).to_contain_text("1")
    await expect(totals.locator("div").filter(has_text="Visitors")).to_contain_text(
        "1 (0 returning)"
    )
    await expect(totals.locator("div").filter(has_text="Satisfaction")).to_contain_text(
        "4.0 from 1 answer"
    )
    await expect(totals.locator("div").filter(has_text="Report-backs")).to_contain_text("1 of 1")
    await expect(totals.locator("div").filter(has_text="Actions done")).to_contain_text("1 of 1")
    held = console.locator("#chart-held")
    await held.locator("summary").click()
    await expect(held.get_by_role("table")).to_be_visible()
    await shoot(console, "4-dashboard-laptop")
    found = severe(await axe(console, "dashboard"))
    assert not found, found
    # Every row's label ends before its bars begin ("Commitment" once touched its bar).
    touching = await console.evaluate(LABELS_TOUCHING_BARS)
    assert touching == [], touching
    # Every chart fits the laptop's width.
    assert await console.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    filtered = console.url
    phone = await tabs.open("facilitator-phone", PHONE)
    await phone.context.add_cookies(await console.context.cookies())
    await phone.goto(filtered)
    await expect(phone.locator(".chart svg")).to_have_count(6)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await shoot(phone, "5-dashboard-phone")
    found = severe(await axe(phone, "dashboard on a phone"))
    assert not found, found
    for part in ("chart-attendance", "chart-phases", "counted"):
        await phone.locator(f"#{part}").screenshot(path=SHOTS / f"5-{part}-phone.png")

    # 5. Someone who was not there opens the shared record.
    await console.goto(f"{server.base_url}/w/{meeting.id}/record")
    await console.get_by_role("button", name="Create a share link").click()
    link = await console.get_by_label("The new share link").input_value()
    outsider = await tabs.open("outsider", PHONE)
    await outsider.goto(link)
    await expect(outsider.get_by_role("heading", name="What happened next")).to_be_visible()
    await expect(outsider.locator(".record-people")).to_contain_text(f"Hana ({UNIT})")
    await shoot(outsider, "6-shared-record-phone")
    assert not tabs.errors and not tabs.dialogs
