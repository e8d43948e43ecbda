"""A whole peer assist under the Content-Security-Policy: no page reports a violation or logs
an error, from the start form to the print view, and another site cannot post our forms."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import DESKTOP, PHONE, PROJECTOR, Tabs
from .meeting import (
    card,
    in_days,
    join,
    next_phase,
    post_card,
    said,
    sign_in,
    start_meeting,
    wait_live,
)

pytestmark = pytest.mark.browser

# Runs in every document before its own scripts (through the browser's debugging protocol, to
# which the CSP does not apply) and reports each violation to the test.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile}:${e.lineNumber} ${e.sample || ""}`);
});"""


class Watched:
    """Every CSP violation of every page the test opens (`Tabs` keeps their console errors)."""

    def __init__(self, tabs: Tabs) -> None:
        self.violations: list[str] = []
        opened = tabs.open

        async def open_watched(name: str, viewport=DESKTOP) -> Page:  # type: ignore[no-untyped-def]
            page = await opened(name, viewport)
            await page.context.expose_binding(
                "reportCspViolation",
                lambda source, text: self.violations.append(
                    f"{name} {source['frame'].url}: {text}"
                ),
            )
            await page.context.add_init_script(REPORT_VIOLATIONS)
            return page

        tabs.open = open_watched  # type: ignore[method-assign]


async def test_a_whole_meeting_reports_no_csp_violation(server: Server, tabs: Tabs) -> None:
    watched = Watched(tabs)
    meeting = await start_meeting(tabs, server.base_url)
    console = meeting.facilitator
    # The start form's live advice is an htmx swap too.
    advice = await tabs.open("advice")
    await sign_in(advice, server.base_url, "Avery")  # the start form is for accounts
    await advice.goto(server.base_url + "/")
    await advice.fill("input[name=decision_date]", in_days(3))
    await expect(advice.locator("#advice")).not_to_be_empty()

    vera, host, board = await asyncio.gather(
        join(tabs, meeting, "visitor", "Vera", PHONE),
        join(tabs, meeting, "host", "Hana", DESKTOP),
        join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )

    # Someone types the room code, waits in the lobby and is let in.
    code = (await console.locator(".room-code").first.inner_text()).strip()
    walt = await tabs.open("Walt", PHONE)
    await walt.goto(server.base_url + "/r")
    await walt.fill("input[name=code]", code)
    await walt.get_by_role("button", name="Continue").click()
    await walt.fill("input[name=name]", "Walt")
    await walt.check("input[name=accept]")
    await walt.get_by_role("button", name="Join").click()
    await console.locator("#lobby").get_by_role("button", name="Admit").click()
    await walt.wait_for_url(f"**/w/{meeting.id}")
    await wait_live(walt)
    meeting.pages["Walt"] = walt

    await next_phase(meeting, "context")
    await post_card(host, "Transport is booked by a central team.")
    await console.locator("#timer-start").click()
    await console.get_by_role("button", name="+1 min").click()
    await console.get_by_role("button", name="Pause").click()
    await next_phase(meeting, "questions")
    await post_card(vera, "Who books the transport?", "question")
    await console.get_by_role("button", name="Start private writing").click()
    await post_card(walt, "A private thought for now", "question")
    await console.get_by_role("button", name="Reveal all cards").click()
    for page in (vera, board):
        await expect(card(page, "A private thought for now")).to_be_visible()

    await next_phase(meeting, "analysis")
    option = "Pharmacy could prepare medicines the day before."
    await post_card(walt, option, "option")
    target = card(vera, option)
    await expect(target).to_be_visible()
    await target.locator("button.vote").click()
    await expect(vera.locator("#me")).to_contain_text("4 of 5 votes left")
    moderated = card(console, option)
    await moderated.locator("summary").click()
    await moderated.get_by_role("button", name="Spotlight", exact=True).click()
    await expect(board.locator("#spotlight")).to_be_visible()
    await console.get_by_role("button", name="Clear the spotlight").click()
    await moderated.get_by_role("button", name="Hide").click()
    await expect(card(board, option)).to_have_count(0)

    await next_phase(meeting, "feedback")
    await next_phase(meeting, "commitment")
    form = host.locator("#action-form")
    await form.locator("textarea[name=title]").fill("Book transport at admission")
    await form.locator("input[name=owner]").fill("Hana")
    await form.locator("input[name=due_date]").fill(in_days(10))
    await form.get_by_role("button", name="Add action").click()
    await expect(console.locator("#action-list .action-title")).to_have_text(
        ["Book transport at admission"]
    )
    await host.locator("input[name=report_back_by]").fill(in_days(21))
    await host.get_by_role("button", name="Commit to this date").click()
    await expect(board.locator("#commitment")).to_contain_text(said(in_days(21)))
    await console.locator(".save-template input[name=name]").fill("Ward template")
    await console.get_by_role("button", name="Save template").click()
    await expect(console.locator(".save-template .saved")).to_be_visible()
    await console.locator("input.copy").first.click()

    await next_phase(meeting, "reflection")
    await next_phase(meeting, "closed")
    printed = await tabs.open("print")
    await printed.context.add_cookies(await console.context.cookies())
    await printed.goto(f"{server.base_url}/w/{meeting.id}/print")
    await expect(printed.get_by_role("button", name="Print")).to_be_visible()

    assert watched.violations == []
    # Revealing private cards brings each to screens that never had it: removing its old place
    # there must not be an error either (the "live" extension in static/app.js).
    assert tabs.console == []
    assert tabs.errors == []


FORGED_JOIN = """<!doctype html><title>Win a prize</title>
<form id="f" method="post" action="{action}">
  <input name="name" value="Mallory's victim"><input name="accept" value="on">
</form>
<script>document.getElementById("f").submit()</script>"""


async def test_another_site_cannot_post_the_join_form(server: Server, tabs: Tabs) -> None:
    """Login CSRF from a real browser: another site's page submits our join form."""
    meeting = await start_meeting(tabs, server.base_url)
    victim = await tabs.open("victim")
    evil = "http://evil.example/"
    await victim.route(
        evil,
        lambda route: route.fulfill(
            content_type="text/html", body=FORGED_JOIN.format(action=meeting.links["visitor"])
        ),
    )
    async with victim.expect_response(meeting.links["visitor"]) as answer:
        await victim.goto(evil)
    assert (await answer.value).status == 403
    await expect(victim.get_by_text("This form came from another site")).to_be_visible()
    assert await victim.context.cookies(server.base_url) == []
