"""Whatever people type is shown as text: on every view, live and after a reload."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import PHONE, PROJECTOR, Tabs
from .meeting import Meeting, card, next_phase, post_card, quick_join, quick_meeting, wait_live

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
OPTION = "<b>bold</b>' onmouseover='alert(3)"
NAME = "<img src=x onerror=alert(2)>"


async def shown_as_text(page: Page, texts: tuple[str, ...]) -> None:
    for text in texts:
        # In the page; the projector keeps an earlier phase's cards to a count, out of sight.
        await expect(card(page, text)).to_have_count(1)
        await expect(card(page, text).locator(".who")).to_have_text(NAME)
    # Nothing typed became markup: no injected image, script or bold anywhere in the page.
    await expect(page.locator("img[src=x]")).to_have_count(0)
    await expect(page.locator("main script, #board b")).to_have_count(0)


async def everywhere(meeting: Meeting, texts: tuple[str, ...], *, reload: bool) -> None:
    async def check(page: Page) -> None:
        if reload:
            await page.reload()
            await wait_live(page)
        await shown_as_text(page, texts)

    await asyncio.gather(*(check(page) for page in meeting.pages.values()))


async def test_card_text_and_names_are_plain_text_on_every_view(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    visitor, *_ = await asyncio.gather(
        quick_join(tabs, meeting, "visitor", NAME, PHONE, key="visitor"),
        quick_join(tabs, meeting, "host", "Hana", key="host"),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    await expect(meeting.facilitator.locator("#people")).to_contain_text(NAME)

    await next_phase(meeting, "context")
    await post_card(visitor, SCRIPT)
    await post_card(visitor, IMAGE)
    # Arrived over the live socket, then rendered by the server on a fresh load.
    await everywhere(meeting, (SCRIPT, IMAGE), reload=False)
    await everywhere(meeting, (SCRIPT, IMAGE), reload=True)

    # An option reaches the action list's card picker and the print view as well.
    await next_phase(meeting, "questions")
    await next_phase(meeting, "analysis")
    await post_card(visitor, OPTION, "option")
    await next_phase(meeting, "feedback")
    await next_phase(meeting, "commitment")
    await everywhere(meeting, (SCRIPT, IMAGE, OPTION), reload=True)
    # The picker offers what an action grows from: the option, not the questions before it.
    picker = meeting.facilitator.locator("#action-form .linked-cards label")
    await expect(picker).to_have_text([OPTION])

    printed = await meeting.facilitator.context.new_page()
    tabs.watch("print", printed)
    await printed.goto(f"{meeting.base_url}/w/{meeting.id}/print")
    await expect(printed.get_by_text(OPTION, exact=True)).to_be_visible()
    await expect(printed.locator("img, b")).to_have_count(0)

    assert tabs.dialogs == []
    assert tabs.errors == []


# Markup that htmx would move into the page if it ever swapped an API answer: the API answers
# in JSON holding what people typed, and htmx reads any answer as HTML for out-of-band swaps.
OUT_OF_BAND = "<i hx-swap-oob=beforeend:body><u id=injected>!</u></i>"
# Counts the answers to the facilitator's phase changes the page has handled (other requests,
# such as the themes reloaded after a phase change, come and go meanwhile).
COUNT_PHASE_ANSWERS = """() => document.addEventListener("htmx:afterRequest", (e) => {
  if (!e.detail.pathInfo.requestPath.endsWith("/phase")) return;
  document.body.dataset.phaseAnswers = Number(document.body.dataset.phaseAnswers || 0) + 1;
})"""


async def test_an_answer_of_the_api_never_becomes_markup(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    visitor = await quick_join(tabs, meeting, "visitor", OUT_OF_BAND, PHONE, key="visitor")
    console = meeting.facilitator
    await expect(console.locator("#people")).to_contain_text(OUT_OF_BAND)
    await console.evaluate(COUNT_PHASE_ANSWERS)
    await next_phase(meeting, "context")
    # The visitor's answer holds the card and its author's name.
    await post_card(visitor, OUT_OF_BAND)
    # The facilitator's next phase answers the whole state: everyone's names and cards.
    await console.get_by_role("button", name="Next phase").click()
    await expect(console.locator("body")).to_have_attribute("data-phase-answers", "2")
    for page in meeting.pages.values():
        await expect(card(page, OUT_OF_BAND)).to_have_count(1)
        await expect(page.locator("#injected")).to_have_count(0)
    assert tabs.errors == []
