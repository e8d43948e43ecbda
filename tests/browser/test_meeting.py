"""A short peer assist, run in a real browser by five people on their own screens."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date
from pathlib import Path

import icalendar
import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import DESKTOP, PHONE, PROJECTOR, Tabs
from .meeting import (
    advance_to,
    card,
    in_days,
    join,
    next_phase,
    post_card,
    quick_join,
    quick_meeting,
    said,
    start_meeting,
)

pytestmark = pytest.mark.browser

FORGE = """async ({workshop}) => {
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
  const response = await fetch(`/api/v1/workshops/${workshop}/cards`, {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
    body: JSON.stringify({kind: "context", text: "forged"}),
  });
  return {status: response.status, body: await response.json()};
}"""


async def download(page: Page, link_name: str) -> bytes:
    async with page.expect_download() as info:
        await page.locator("#actions").get_by_role("link", name=link_name, exact=True).click()
    saved = await (await info.value).path()
    return Path(saved).read_bytes()


async def test_a_short_peer_assist(server: Server, tabs: Tabs) -> None:
    meeting = await start_meeting(tabs, server.base_url)
    vera, walt, host, board = await asyncio.gather(
        join(tabs, meeting, "visitor", "Vera", PHONE),
        join(tabs, meeting, "visitor", "Walt", PHONE),
        join(tabs, meeting, "host", "Hana", DESKTOP),
        join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )

    # Context: a visitor's question reaches the projector within two seconds.
    await next_phase(meeting, "context")
    question = "How many patients wait for transport each day?"
    await vera.fill("#composer-text", question)
    await vera.locator("#composer-kinds button[type=submit]").click()
    await expect(card(board, question)).to_be_visible(timeout=2000)  # from the click on
    await post_card(host, "Transport is booked by a central team.")
    for page in (vera, walt, board, meeting.facilitator):
        await expect(card(page, "Transport is booked by a central team.")).to_be_visible()

    # Questions: the host team is muted; its composer is switched off and a forged request
    # from the host's own page is refused.
    await next_phase(meeting, "questions")
    await expect(host.locator("#listening")).to_be_visible()
    await expect(host.locator("#listening")).to_contain_text("Host team listening")
    await expect(host.locator("#composer-kinds")).to_have_js_property("disabled", True)
    await expect(host.locator("#composer-text")).to_be_disabled()
    forged = await host.evaluate(FORGE, {"workshop": meeting.id})
    assert forged["status"] == 403, forged
    assert forged["body"]["code"] == "host_team_muted", forged
    # Events arrive in order: once a later card is on every screen, a forged one would be too.
    gap = "Who decides a patient is fit to leave?"
    await post_card(walt, gap, "gap")
    for page in meeting.pages.values():
        await expect(card(page, gap)).to_be_visible()
        await expect(page.get_by_text("forged")).to_have_count(0)

    # Analysis: a vote counts down the visitor's five and shows on the projector.
    await next_phase(meeting, "analysis")
    option = "Pharmacy could prepare take-home medicines the day before."
    await post_card(walt, option, "option")
    target = card(vera, option)
    await expect(target).to_be_visible()
    card_id = await target.get_attribute("data-card")
    assert card_id
    await expect(vera.locator("#me")).to_contain_text("5 of 5 votes left")
    await expect(board.locator(f"#votes-{card_id}")).to_have_text("0")
    # A double tap, as on a phone, is one vote: one request, and no "already voted".
    votes_sent: list[str] = []
    vera.on("request", lambda r: votes_sent.append(r.method) if r.url.endswith("/vote") else None)
    await target.locator("button.vote").dblclick()
    await expect(vera.locator("#me")).to_contain_text("4 of 5 votes left")
    await expect(target.locator("button.vote")).to_have_attribute("aria-pressed", "true")
    await expect(board.locator(f"#votes-{card_id}")).to_have_text("1")
    assert votes_sent == ["POST"]
    await expect(vera.locator("#toast")).to_be_hidden()
    await expect(meeting.facilitator.locator(f"#votes-{card_id}")).to_have_text("1")

    # Commitment: the host team writes its action and report-back date, then downloads them.
    await next_phase(meeting, "feedback")
    await next_phase(meeting, "commitment")
    await expect(host.locator("#listening")).to_be_hidden()
    due, report_back = in_days(10), in_days(21)
    action = "Book transport at admission, not at discharge"
    form = host.locator("#action-form")
    await form.locator("textarea[name=title]").fill(action)
    await form.locator("input[name=owner]").fill("Hana")
    await form.locator("input[name=due_date]").fill(due)
    await form.get_by_role("button", name="Add action").click()
    for page in (host, meeting.facilitator):
        await expect(page.locator("#action-list .action-title")).to_have_text([action])
    await expect(host.locator("#action-list")).to_contain_text("Owner: Hana")
    await host.locator("input[name=report_back_by]").fill(report_back)
    await host.get_by_role("button", name="Commit to this date").click()
    for page in (host, board, meeting.facilitator):
        await expect(page.locator("#commitment")).to_contain_text(said(report_back))

    rows = list(csv.reader(io.StringIO((await download(host, "CSV")).decode("utf-8-sig"))))
    assert ["Workshop", "Cutting discharge delays on Ward 7"] in rows, rows
    assert any(row[:2] == ["Report back by", report_back] for row in rows), rows
    header = rows.index(["Action", "Owner", "Due date", "Status", "Linked cards", "Note"])
    actions = [row for row in rows[header + 1 :] if row]
    assert [row[:3] for row in actions] == [[action, "Hana", due]], rows

    calendar = icalendar.Calendar.from_ical(await download(host, "Calendar (.ics)"))
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {action, "Report back: Cutting discharge delays on Ward 7"}, events
    assert events[action].decoded("DTSTART") == date.fromisoformat(due)
    assert "Owner: Hana" in str(events[action]["DESCRIPTION"])
    report = events["Report back: Cutting discharge delays on Ward 7"]
    assert report.decoded("DTSTART") == date.fromisoformat(report_back)

    assert tabs.errors == []
    assert tabs.dialogs == []


async def test_with_every_vote_given_the_other_buttons_rest(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    vic = await quick_join(tabs, meeting, "visitor", "Vic", PHONE)
    await advance_to(meeting, "analysis")
    options = [f"Option {n}" for n in range(6)]
    for text in options:
        await post_card(vic, text, "option")
    for text in options[:5]:
        button = card(vic, text).locator("button.vote")
        await button.click()
        await expect(button).to_have_attribute("aria-pressed", "true")
    sixth = card(vic, options[5]).locator("button.vote")
    await expect(vic.locator("#me")).to_contain_text("0 of 5 votes left")
    await expect(sixth).to_have_attribute("aria-disabled", "true")
    # It keeps its place for the keyboard, and a tap says why, without asking the server.
    sent: list[str] = []
    vic.on("request", lambda r: sent.append(r.url) if r.url.endswith("/vote") else None)
    await sixth.click(
        force=True
    )  # Playwright holds back from an aria-disabled button; a thumb does not
    await expect(vic.locator("#toast")).to_contain_text("take one back")
    assert sent == []
    # A vote given can still be taken back, and that frees the others.
    first = card(vic, options[0]).locator("button.vote")
    await expect(first).to_have_attribute("aria-disabled", "false")
    await first.click()
    await expect(sixth).to_have_attribute("aria-disabled", "false")
    await sixth.click()
    await expect(sixth).to_have_attribute("aria-pressed", "true")
    await expect(first).to_have_attribute("aria-disabled", "true")
    assert not tabs.errors, tabs.errors


async def test_the_console_header_counts_visitors_done_writing(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    vic, walt = (
        await quick_join(tabs, meeting, "visitor", "Vic", PHONE, key="vic"),
        await quick_join(tabs, meeting, "visitor", "Walt", PHONE, key="walt"),
    )
    await advance_to(meeting, "questions")
    badge = meeting.facilitator.locator("header #signals-count")
    await expect(badge).to_be_hidden()
    await vic.get_by_role("button", name="I'm done writing").click()
    await expect(badge).to_have_text("1 of 2 visitors done")
    await expect(badge).to_be_in_viewport()
    await walt.get_by_role("button", name="I'd like to speak").click()
    await expect(badge).to_have_text("1 hand up · 1 of 2 visitors done")
    await next_phase(meeting, "analysis")  # a new phase starts everyone afresh
    await expect(badge).to_be_hidden()
    assert not tabs.errors, tabs.errors
