"""The composer: each card starts from the defaults, and authors can tell their anonymous cards."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from tests.conftest import Server

from .conftest import PHONE, PROJECTOR, Tabs
from .meeting import card, next_phase, post_card, quick_join, quick_meeting

pytestmark = pytest.mark.browser


async def test_each_card_starts_from_the_defaults(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    vera, board = await asyncio.gather(
        quick_join(tabs, meeting, "visitor", "Vera", PHONE),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    await next_phase(meeting, "context")
    composer = vera.locator("#composer")
    await composer.locator("details.evidence summary").click()
    await composer.get_by_label("Based on").select_option("research")
    await composer.get_by_label("Source link").fill("https://example.org/study")
    await composer.get_by_label("Post without my name").check()
    await post_card(vera, "Is transport booked before the discharge decision?")

    await expect(composer.get_by_label("Post without my name")).not_to_be_checked()
    await expect(composer.get_by_label("Based on")).to_have_value("")
    await expect(composer.get_by_label("Source link")).to_have_value("")

    mine = card(vera, "Is transport booked before the discharge decision?")
    await expect(mine.locator(".who")).to_have_text("you, anonymously")
    await expect(mine.locator(".source")).to_have_attribute("href", "https://example.org/study")
    shown = card(board, "Is transport booked before the discharge decision?")
    await expect(shown.locator(".who")).to_have_text("Anonymous")

    # The next card goes out with Vera's name and no evidence.
    await post_card(vera, "Who signs off the medicines?")
    second = card(board, "Who signs off the medicines?")
    await expect(second.locator(".who")).to_have_text("Vera")
    await expect(second.locator(".tag")).to_have_count(0)
    await expect(second.locator(".source")).to_have_count(0)
    assert not tabs.errors, tabs.errors


async def test_the_kind_a_host_chose_stays_chosen_through_mute_changes(
    server: Server, tabs: Tabs
) -> None:
    """Each mute.changed draws the host's kinds again; the choice outlives it, even a spell of
    listening in between."""
    meeting = await quick_meeting(tabs, server.base_url)
    hana = await quick_join(tabs, meeting, "host", "Hana", PHONE)
    await next_phase(meeting, "context")
    await next_phase(meeting, "questions")
    kinds = hana.locator("#composer-kinds")
    may_speak = meeting.facilitator.locator("#speaker-list").get_by_label("Hana")
    await may_speak.check()  # she may add context and questions while the rest listen
    # Not the first offered, which a fresh drawing of the kinds would choose.
    await expect(kinds.locator("input[name=kind]").first).to_have_value("question")
    await kinds.locator("input[name=kind][value=context]").check()
    await may_speak.uncheck()
    await expect(kinds).to_have_attribute("data-listening", "1")
    await may_speak.check()
    await expect(kinds).to_have_attribute("data-listening", "0")
    await expect(kinds.locator("input[name=kind][value=context]")).to_be_checked()
    await post_card(hana, "The letter waits for the consultant's signature.")
    mine = card(meeting.facilitator, "The letter waits for the consultant's signature.")
    await expect(mine).to_be_visible()
    await expect(mine).to_have_class(re.compile(r"\bkind-context\b"))
    # A choice belongs to its phase: in the next, that phase's own kind leads again, for the
    # facilitator's list as for everyone.
    console = meeting.facilitator.locator("#composer-kinds select[name=kind]")
    await console.select_option("context")
    await next_phase(meeting, "analysis")
    await expect(console).to_have_value("insight")
    assert not tabs.errors, tabs.errors
