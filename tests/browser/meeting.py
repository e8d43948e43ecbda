"""Driving a peer assist through its pages, the way people in the room do."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Locator, Page, Response, ViewportSize, expect

from app.domain.dates import long_date
from app.domain.phases import ORDER
from app.security import session_cookie_name, sign_session
from tests.conftest import SECRET_KEY
from tests.factories import admin, make_account

from .conftest import DESKTOP, Tabs

TITLE = "Cutting discharge delays on Ward 7"

ROOM_URL = re.compile(r"/w/[A-Za-z0-9_-]+$")
INVITE_LABELS = {
    "visitor": "Visiting peers invite link",
    "host": "Host team invite link",
    "projector": "Projector screen invite link",
}


@dataclass
class Meeting:
    base_url: str
    id: str
    facilitator: Page
    links: dict[str, str]
    # Every open screen of the meeting, by who it belongs to.
    pages: dict[str, Page] = field(default_factory=dict)


async def start_meeting(
    tabs: Tabs, base_url: str, *, title: str = TITLE, viewport: ViewportSize = DESKTOP
) -> Meeting:
    """The facilitator signs in, fills in the start form and lands on the console."""
    page = await tabs.open("facilitator", viewport)
    await sign_in(page, base_url)
    await page.goto(base_url + "/")
    await page.fill("input[name=title]", title)
    await page.fill(
        "textarea[name=problem]",
        "Patients fit to leave wait a day or more for transport and medicines.",
    )
    await page.fill("textarea[name=purpose]", "Learn what other wards changed.")
    await page.check("input[name=aim_is_learning]")
    await page.fill("input[name=facilitator_name]", "Ada")
    await page.get_by_role("button", name="Create the peer assist").click()
    await page.wait_for_url(ROOM_URL)
    await wait_live(page)
    links = {
        role: await page.get_by_label(label, exact=True).input_value()
        for role, label in INVITE_LABELS.items()
    }
    meeting = Meeting(base_url, page.url.rstrip("/").rsplit("/", 1)[-1], page, links)
    meeting.pages["facilitator"] = page
    return meeting


async def join(
    tabs: Tabs,
    meeting: Meeting,
    role: str,
    name: str,
    viewport: ViewportSize = DESKTOP,
    *,
    key: str | None = None,
) -> Page:
    """Open the invite link in a fresh browser, give a name, accept the ground rules."""
    page = await tabs.open(key or name, viewport)
    await page.goto(meeting.links[role])
    if role == "projector":  # a screen joins in one click
        await page.get_by_role("button", name="Show the board on this screen").click()
    else:
        await page.fill("input[name=name]", name)
        await page.check("input[name=accept]")
        await page.get_by_role("button", name="Join").click()
    await page.wait_for_url(ROOM_URL)
    await wait_live(page)
    meeting.pages[key or name] = page
    return page


async def sign_in(
    page: Page, base_url: str, name: str = "Ada", *, role: str = "facilitator"
) -> None:
    """A new account (a facilitator unless told), invited by the admin and signed in with its
    password."""
    async with httpx.AsyncClient(base_url=base_url) as api:
        account = await make_account(api, name, role=role)
    await page.goto(f"{base_url}/signin")
    await page.fill("input[name=email]", account.email)
    await page.fill("input[name=password]", account.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/my$"))


async def create_by_api(base_url: str) -> dict:
    """A new peer assist (made by the first admin): the API's answer, with the facilitator's
    token and the invites."""
    async with httpx.AsyncClient(base_url=base_url) as api:
        response = await api.post(
            "/api/v1/workshops",
            headers=admin(),
            json={
                "title": TITLE,
                "problem": "Patients fit to leave wait a day for transport.",
                "duration_minutes": 120,
                "facilitator_name": "Ada",
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


async def quick_meeting(tabs: Tabs, base_url: str) -> Meeting:
    """A peer assist made through the API, its facilitator's console open: for tests about
    something else than starting and joining, which test_meeting.py does through the pages."""
    created = await create_by_api(base_url)
    workshop_id = created["workshop"]["id"]
    console = await enter(
        tabs, base_url, workshop_id, created["facilitator_token"], "facilitator", DESKTOP
    )
    links = {role: created["invites"][role]["url"] for role in INVITE_LABELS}
    meeting = Meeting(base_url, workshop_id, console, links)
    meeting.pages["facilitator"] = console
    return meeting


async def quick_join(
    tabs: Tabs,
    meeting: Meeting,
    role: str,
    name: str,
    viewport: ViewportSize = DESKTOP,
    *,
    key: str | None = None,
) -> Page:
    """Join through the API, then open the room with the session cookie the join page sets."""
    code = meeting.links[role].rsplit("/", 1)[-1]
    async with httpx.AsyncClient(base_url=meeting.base_url) as api:
        response = await api.post(
            f"/api/v1/join/{code}", json={"name": name, "accept_ground_rules": True}
        )
    assert response.status_code == 201, response.text
    page = await enter(
        tabs, meeting.base_url, meeting.id, response.json()["token"], key or name, viewport
    )
    meeting.pages[key or name] = page
    return page


async def enter(
    tabs: Tabs, base_url: str, workshop_id: str, token: str, key: str, viewport: ViewportSize
) -> Page:
    page = await tabs.open(key, viewport)
    await take_seat(page, base_url, workshop_id, token)
    await page.goto(f"{base_url}/w/{workshop_id}")
    await wait_live(page)
    return page


async def take_seat(page: Page, base_url: str, workshop_id: str, token: str) -> None:
    """The session cookie the join page sets, in the page's browser."""
    await page.context.add_cookies(
        [
            {
                "name": session_cookie_name(workshop_id),
                "value": sign_session(SECRET_KEY, token),
                "url": base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


async def wait_live(page: Page) -> None:
    """The live socket is open (the page says so)."""
    await expect(page.locator("#connection")).to_have_text("Live")


def phase_answer(response: Response) -> bool:
    """Whether this is the answer to a phase move."""
    return response.request.method == "POST" and response.url.endswith("/phase")


async def next_phase(meeting: Meeting, phase: str) -> None:
    """The facilitator moves on; wait until every open screen shows the new phase, and until
    the facilitator's own answer is in. The room's frames leave before that answer, and the
    button drops a click while its request is out (hx-sync), so a click made as soon as the
    screens move could be dropped, as a person's would be were they that quick."""
    console = meeting.facilitator
    button = console.get_by_role("button", name="Next phase")
    async with console.expect_response(phase_answer) as answer:
        await button.click()
    response = await answer.value
    assert response.ok, await response.text()
    # htmx lets go of the button once it has handled the answer, a moment after it came (and
    # the last phase has no button left to let go of).
    await expect(console.locator("button.next-phase.htmx-request")).to_have_count(0)
    for page in meeting.pages.values():
        await expect(page.locator(f"#phase-banner.phase-{phase}")).to_have_count(1)


async def advance_to(meeting: Meeting, phase: str) -> None:
    """The facilitator moves on, one phase at a time, until the meeting is in `phase`."""
    now = await meeting.facilitator.locator("#phase-banner").get_attribute("data-phase")
    order = [p.value for p in ORDER]
    for step in order[order.index(now or "welcome") + 1 : order.index(phase) + 1]:
        await next_phase(meeting, step)


async def post_card(page: Page, text: str, kind: str | None = None) -> None:
    """Write a card in the composer and add it (the first kind on offer unless told)."""
    await page.fill("#composer-text", text)
    if kind is not None:
        select = page.locator("#composer-kind")
        if await select.count():
            await select.select_option(kind)
        else:
            await page.check(f"#composer-kinds input[name=kind][value={kind}]")
    await page.locator("#composer-kinds button[type=submit]").click()
    # The composer empties itself once the server has taken the card.
    await expect(page.locator("#composer-text")).to_have_value("")


def card(page: Page, text: str) -> Locator:
    """The card whose text is exactly `text`."""
    exact = re.compile(f"^{re.escape(text)}$")
    return page.locator(".card").filter(has=page.locator("p.text").filter(has_text=exact))


def said(iso_date: str) -> str:
    """A date the way the pages say it: '2027-03-01' → '1 March 2027'."""
    return long_date(iso_date)


def in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()
