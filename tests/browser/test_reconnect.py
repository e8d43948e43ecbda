"""A browser that loses its connection catches up by itself, keeping what was typed."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
from playwright.async_api import Route, expect

from tests.conftest import Server

from .cable import Cable
from .conftest import PHONE, Tabs
from .meeting import advance_to, card, join, next_phase, post_card, quick_join, quick_meeting

pytestmark = pytest.mark.browser


class LoseTheFirstAnswer:
    """A route handler: the first request reaches the server, which acts on it, but its answer
    never reaches the page (until `release`); the later ones go through. It keeps each
    request's Idempotency-Key."""

    def __init__(self) -> None:
        self.keys: list[str | None] = []
        self.release = asyncio.Event()

    async def __call__(self, route: Route) -> None:
        self.keys.append(route.request.headers.get("idempotency-key"))
        if len(self.keys) > 1:
            await route.continue_()
            return
        await route.fetch()
        await self.release.wait()
        with contextlib.suppress(Exception):  # the page gave up on it meanwhile
            await route.abort()


async def test_a_dropped_socket_catches_up_without_a_reload(
    server: Server, cable_port: int, tabs: Tabs
) -> None:
    # The server lets pages served from the cable's address open the socket.
    cable = Cable(cable_port)
    await cable.plug(server.port)
    try:
        meeting = await quick_meeting(tabs, server.base_url)
        await next_phase(meeting, "context")
        # The visitor's browser reaches the server through the cable.
        invite = meeting.links["visitor"]
        meeting.links["visitor"] = invite.replace(server.base_url, cable.base_url)
        vera = await join(tabs, meeting, "visitor", "Vera", PHONE)
        sockets: list[str] = []
        vera.on("websocket", lambda ws: sockets.append(ws.url))
        await vera.evaluate("window.notReloaded = true")
        draft = "Half a thought about weekend discharges"
        await vera.fill("#composer-text", draft)

        # Vera's page tries the socket again while the cable is out, and its browser and the
        # socket extension log each refused try.
        tabs.provoke(r"Vera: (WebSocket connection to .* failed|\[object Event\])")
        await cable.unplug()
        await expect(vera.locator("#connection")).to_have_text("Reconnecting…")

        missed = "Does the discharge lounge open at weekends?"
        async with httpx.AsyncClient(base_url=server.base_url) as api:
            joined = await api.post(
                f"/api/v1/join/{invite.rsplit('/', 1)[-1]}",
                json={"name": "Walt", "accept_ground_rules": True},
            )
            assert joined.status_code == 201, joined.text
            posted = await api.post(
                f"/api/v1/workshops/{meeting.id}/cards",
                json={"kind": "question", "text": missed},
                headers={"Authorization": f"Bearer {joined.json()['token']}"},
            )
            assert posted.status_code == 201, posted.text
        await expect(card(meeting.facilitator, missed)).to_be_visible()
        assert await card(vera, missed).count() == 0

        await cable.plug(server.port)
        # The extension retries with a growing, random delay: allow a few rounds of it.
        await expect(vera.locator("#connection")).to_have_text("Live", timeout=20_000)
        await expect(card(vera, missed)).to_be_visible()
        await expect(vera.locator("#composer-text")).to_have_value(draft)
        assert await vera.evaluate("window.notReloaded") is True
        # It resumed where it left off rather than starting over.
        assert sockets and all("since=" in url for url in sockets), sockets
        assert tabs.errors == []
    finally:
        await cable.unplug()


async def test_a_page_opens_its_socket_where_it_left_off(server: Server, tabs: Tabs) -> None:
    """The first socket of a page asks only for what came after the page (`since`): a whole
    snapshot would be swapped over whatever was typed in the moment after loading."""
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    opened: list[str] = []
    console.on("websocket", lambda ws: opened.append(ws.url))
    await console.reload()
    await expect(console.locator("#connection")).to_have_text("Live")
    seq = await console.locator("#live-seq").get_attribute("data-seq")
    assert opened and all(f"since={seq}" in url for url in opened), opened


async def test_a_card_whose_answer_is_lost_is_sent_again_and_lands_once(
    server: Server, tabs: Tabs
) -> None:
    """A request the network swallows must not hold the composer until the browser gives up
    (minutes, with every later card queued behind it): after the timeout it goes again, with
    the same Idempotency-Key, and the server answers it from the first, which it had saved."""
    meeting = await quick_meeting(tabs, server.base_url)
    await next_phase(meeting, "context")
    vera = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    await vera.evaluate("htmx.config.timeout = 1500")
    lost = LoseTheFirstAnswer()
    keys, release = lost.keys, lost.release
    await vera.route(f"**/api/v1/workshops/{meeting.id}/cards", lost)
    tabs.provoke(r"Vera: htmx:(afterRequest|timeout), \[object HTMLFormElement\]")
    text = "Who books transport at weekends?"
    await post_card(vera, text)
    release.set()
    assert len(keys) >= 2 and len(set(keys)) == 1 and keys[0], keys
    await expect(card(meeting.facilitator, text)).to_have_count(1)
    await expect(card(vera, text)).to_have_count(1)
    # The next card goes out at once, with a key of its own.
    await post_card(vera, "Is the lounge open on Sundays?")
    assert len(set(keys)) == 2, keys
    assert tabs.errors == []


async def test_a_vote_that_gets_no_answer_frees_its_button(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    vic = await quick_join(tabs, meeting, "visitor", "Vic", PHONE)
    await advance_to(meeting, "analysis")
    await post_card(vic, "A discharge lounge", "option")
    await vic.evaluate("htmx.config.timeout = 1500")
    swallowed: list[Route] = []

    async def swallow(route: Route) -> None:
        swallowed.append(route)  # never answered, as on a dead network

    await vic.route("**/vote", swallow)
    button = card(vic, "A discharge lounge").locator("button.vote")
    await button.click()
    await expect(vic.locator("#toast")).to_contain_text("No connection to the server")
    await expect(button).not_to_have_attribute("data-sending", "1")
    await expect(button).to_have_attribute("aria-pressed", "false")
    await vic.unroute("**/vote", swallow)
    await button.click()
    await expect(button).to_have_attribute("aria-pressed", "true")
    await expect(vic.locator("#me")).to_contain_text("4 of 5 votes left")
    assert len(swallowed) == 1
    assert tabs.errors == []


@pytest.mark.parametrize("lost", ["swallowed", "cut off"])
async def test_a_form_without_a_key_is_not_sent_twice_when_its_answer_is_lost(
    server: Server, tabs: Tabs, lost: str
) -> None:
    """The pages' own forms (the survey here) carry no Idempotency-Key: one whose answer never
    came (no answer before the timeout, or the connection cut after it went out) may have
    landed, so the person is told, and it is not sent again by itself."""
    meeting = await quick_meeting(tabs, server.base_url)
    vic = await quick_join(tabs, meeting, "visitor", "Vic", PHONE)
    await advance_to(meeting, "reflection")
    await vic.evaluate("htmx.config.timeout = 1000")
    sent: list[Route] = []

    async def lose(route: Route) -> None:
        sent.append(route)
        if lost == "cut off":
            await route.fetch()  # it lands...
            await route.abort("connectionreset")  # ...and the answer is cut off

    await vic.route("**/survey", lose)
    tabs.provoke(r"Vic: htmx:(afterRequest|timeout|sendError), \[object HTML\w*Element\]")
    tabs.provoke(r"Vic: .*ERR_CONNECTION_RESET")
    survey = vic.locator("form.survey-form")
    await survey.locator("label.score-choice").nth(3).click()
    await survey.get_by_role("button", name="Send").click()
    await expect(vic.locator("#toast")).to_contain_text("No answer from the server")
    await vic.wait_for_timeout(3000)  # longer than the first retry would have waited
    assert len(sent) == 1
    assert tabs.errors == []


async def test_a_lost_answer_to_start_is_retried_not_taken_for_a_restart(
    server: Server, tabs: Tabs
) -> None:
    """The retry after a lost answer clicks Start for itself. By then the timer runs (the
    first try landed), and Start asks twice while it runs: the retry must still go, with the
    first try's key, and a restart confirmed later must be a write of its own."""
    meeting = await quick_meeting(tabs, server.base_url)
    console = meeting.facilitator
    await console.evaluate("htmx.config.timeout = 1500")
    lost = LoseTheFirstAnswer()
    keys, release = lost.keys, lost.release
    await console.route(f"**/api/v1/workshops/{meeting.id}/timer", lost)
    tabs.provoke(r"facilitator: htmx:(afterRequest|timeout), \[object HTML\w*Element\]")
    start = console.locator("#timer-start")
    timer = console.locator("#timer")
    await start.click()
    await expect(timer).to_have_attribute("data-status", "running")
    for _ in range(60):  # the retry, a second or so after the timeout
        if len(keys) > 1:
            break
        await asyncio.sleep(0.1)
    release.set()
    assert len(keys) == 2 and keys[0] == keys[1], keys
    await expect(start).to_have_text("Restart…")
    deadline = await timer.get_attribute("data-ends-at")
    await console.wait_for_timeout(1100)  # so a restart's deadline differs
    await start.click()
    await expect(start).to_have_text("Confirm restart")
    await start.click()
    await expect(timer).not_to_have_attribute("data-ends-at", deadline or "")
    assert len(keys) == 3 and keys[2] != keys[0], keys
    assert tabs.errors == []
