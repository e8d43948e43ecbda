"""Every view passes axe-core with no serious or critical violations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import ROOT, Server

from .conftest import ARTIFACTS, DESKTOP, PHONE, PROJECTOR, Tabs, dump_pages
from .meeting import (
    card,
    create_by_api,
    in_days,
    next_phase,
    post_card,
    quick_join,
    quick_meeting,
    said,
    sign_in,
)

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
    summary: v.nodes[0] ? v.nodes[0].failureSummary : ""}));
}"""
SEVERE = ("serious", "critical")


async def axe(page: Page, where: str = "") -> list[dict]:
    # Evaluated, not added as a script tag: the CSP refuses inline scripts, as it should.
    await page.evaluate(AXE.read_text())
    found = await page.evaluate(RUN_AXE)
    return [{**v, "where": where} for v in found]


async def axe_all(pages: dict[str, Page], where: str, findings: dict[str, list]) -> None:
    """axe on every page at once: they are separate browser contexts."""
    found = await asyncio.gather(*(axe(page, where) for page in pages.values()))
    for view, violations in zip(pages, found, strict=True):
        findings[view] += violations


def severe(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}{', ' + v['where'] if v['where'] else ''}): {v['help']}; "
        f"{len(v['targets'])} at {v['targets'][:4]}; {v['summary']}"
        for v in violations
        if v["impact"] in SEVERE
    ]


@pytest.fixture(scope="module")
async def room_findings(browser: Browser, server: Server) -> AsyncIterator[dict[str, list]]:
    """axe's findings for each view of one peer assist, in analysis (votes open, host team
    listening) and in commitment (the action list open)."""
    tabs = Tabs(browser)
    try:
        meeting = await quick_meeting(tabs, server.base_url)
        visitor, host, _ = await asyncio.gather(
            quick_join(tabs, meeting, "visitor", "Vera", PHONE, key="visitor"),
            quick_join(tabs, meeting, "host", "Hana", DESKTOP, key="host"),
            quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
        )
        await next_phase(meeting, "context")
        await post_card(visitor, "How many patients wait for transport each day?")
        await post_card(host, "Transport is booked by a central team.")
        await next_phase(meeting, "questions")
        await next_phase(meeting, "analysis")
        option = "Pharmacy could prepare take-home medicines the day before."
        await post_card(visitor, option, "option")
        await card(visitor, option).locator("button.vote").click()
        await expect(visitor.locator("#me")).to_contain_text("4 of 5")
        findings: dict[str, list] = {view: [] for view in meeting.pages}
        await axe_all(meeting.pages, "analysis", findings)

        await next_phase(meeting, "feedback")
        await next_phase(meeting, "commitment")
        form = host.locator("#action-form")
        await form.locator("textarea[name=title]").fill("Book transport at admission")
        await form.locator("input[name=owner]").fill("Hana")
        await form.locator("input[name=due_date]").fill(in_days(10))
        await form.get_by_role("button", name="Add action").click()
        await host.locator("input[name=report_back_by]").fill(in_days(21))
        await host.get_by_role("button", name="Commit to this date").click()
        await expect(meeting.facilitator.locator("#action-list .action")).to_have_count(1)
        await expect(meeting.facilitator.locator("#commitment")).to_contain_text(said(in_days(21)))
        await axe_all(meeting.pages, "commitment", findings)

        printed = await meeting.facilitator.context.new_page()
        tabs.watch("print", printed)
        await printed.goto(f"{meeting.base_url}/w/{meeting.id}/print")
        findings["print"] = await axe(printed)
    except BaseException:
        await dump_pages(browser, ARTIFACTS / "tests_browser_test_accessibility.py_setup")
        await tabs.close()
        raise
    try:
        yield {"console": findings["facilitator"], **findings}
    finally:
        await tabs.close()


@pytest.mark.parametrize(
    "view",
    [
        "console",
        "host",
        "visitor",
        "board",
        "print",
    ],
)
async def test_room_views(view: str, room_findings: dict[str, list], tabs: Tabs) -> None:
    assert severe(room_findings[view]) == []


async def test_start_page(server: Server, tabs: Tabs) -> None:
    page = await tabs.open("start", DESKTOP)
    await sign_in(page, server.base_url)
    await page.goto(server.base_url + "/")
    found = await axe(page, "blank")
    # Sent without ticking the box about the aim: the page comes back with the error.
    await page.fill("input[name=title]", "Cutting discharge delays on Ward 7")
    await page.fill("textarea[name=problem]", "Patients wait a day for transport.")
    await page.fill("input[name=facilitator_name]", "Ada")
    await page.fill("input[name=decision_date]", in_days(2))
    await page.dispatch_event("input[name=decision_date]", "change")
    await expect(page.locator("#advice .advice")).to_be_visible()
    found += await axe(page, "with advice")
    # The browser holds the form back until the box about the aim is ticked...
    aim = page.locator("input[name=aim_is_learning]")
    await page.get_by_role("button", name="Create the peer assist").click()
    assert await aim.evaluate("box => !box.validity.valid")
    await expect(page).to_have_url(server.base_url + "/")
    # ...and the server checks it too, for a browser that does not.
    await aim.evaluate("box => { box.required = false; }")
    await page.get_by_role("button", name="Create the peer assist").click()
    await expect(page.locator(".error[role=alert]")).to_be_visible()
    found += await axe(page, "with an error")
    assert severe(found) == []


async def test_join_page(server: Server, tabs: Tabs) -> None:
    created = await create_by_api(server.base_url)
    page = await tabs.open("join", PHONE)
    await page.goto(created["invites"]["visitor"]["url"])
    await expect(page.get_by_role("button", name="Join")).to_be_visible()
    assert severe(await axe(page)) == []


async def test_wrong_invite_page(server: Server, tabs: Tabs) -> None:
    page = await tabs.open("wrong invite", PHONE)
    response = await page.goto(server.base_url + "/j/not-a-real-invite-code")
    assert response is not None and response.status in (404, 410)
    await expect(page.get_by_role("heading", level=1)).to_have_text("This invite does not work")
    assert severe(await axe(page)) == []


async def test_account_pages(server: Server, tabs: Tabs) -> None:
    signed_out = await tabs.open("signed out", PHONE)
    await signed_out.goto(server.base_url + "/signin")
    assert severe(await axe(signed_out)) == []
    page = await tabs.open("facilitator", DESKTOP)
    await sign_in(page, server.base_url)
    for path in ("/my", "/account"):
        await page.goto(server.base_url + path)
        assert severe(await axe(page)) == [], path
