"""One peer assist run as a whole room at once, the way five people in one room ran it.

The facilitator is on a laptop, the projector at 1920x1080, a host on a phone and two visitors,
one of them on a phone. They join by invite link, by the QR code's URL and by room code through
the lobby, and the meeting goes through every phase. Each phase leaves a screenshot of every
view under tests/artifacts/room/ to look at. Figures worth knowing (how long a card takes to
reach the other screens, how long reconnecting takes, the board's font sizes) are printed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Page, expect

from app.web.templating import qr_svg
from tests.conftest import free_port, sqlite_database, start_server

from .conftest import ARTIFACTS, DESKTOP, PHONE, PROJECTOR, TABLET, Tabs, dump_pages
from .meeting import ROOM_URL, Meeting, card, join, next_phase, post_card, start_meeting, wait_live
from .room_checks import (
    ACTIONS_ACCOUNTED,
    API_POST,
    ENABLED_BOXES,
    SHOTS,
    SMALL_PROJECTOR,
    add_card_on_first_screen,
    board_sizes,
    fits,
    fold_report,
    say,
    shot_path,
    shows_cards,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def room_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A server of this module's own, on a fixed port, so the test can restart it."""
    directory = tmp_path_factory.mktemp("room-server")
    port = free_port()
    held = {"dir": directory, "db": sqlite_database(directory), "port": port}
    held["server"] = start_server(directory, held["db"], port=port)
    try:
        yield held
    finally:
        held["server"].stop()


async def shoot(meeting: Meeting, phase: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, page in meeting.pages.items():
        await page.evaluate("scrollTo(0, 0)")  # the first screen, as a person arriving sees it
        await page.screenshot(path=SHOTS / f"{phase}-{name}.png")


async def reach_everyone(meeting: Meeting, author: str, text: str, kind: str | None) -> None:
    """Post a card from one screen and time its arrival on every other."""
    start = time.monotonic()
    await post_card(meeting.pages[author], text, kind)

    async def arrival(name: str, page: Page) -> str:
        await expect(card(page, text)).to_have_count(1)
        return f"{name} {1000 * (time.monotonic() - start):.0f} ms"

    others = [(n, p) for n, p in meeting.pages.items() if n != author]
    times = await asyncio.gather(*(arrival(n, p) for n, p in others))
    say(f"card from {author} reached: {', '.join(times)} (from the click)")


async def by_fetch(page: Page, path: str, body: dict, method: str = "POST") -> dict:
    status, answer = await page.evaluate(API_POST, [path, body, method])
    assert status in (200, 201), answer
    return answer


async def knock(tabs: Tabs, meeting: Meeting, name: str, viewport: dict, code: str) -> Page:
    page = await tabs.open(name, viewport)  # type: ignore[arg-type]
    await page.goto(meeting.base_url + "/r")
    await page.get_by_label("Room code").fill(code)
    await page.get_by_role("button", name="Continue").click()
    await page.fill("input[name=name]", name)
    await page.check("input[name=accept]")
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("heading", name="You are in the lobby")).to_be_visible()
    return page


async def all_live(meeting: Meeting, since: float) -> dict[str, float]:
    async def one(name: str, page: Page) -> tuple[str, float]:
        await expect(page.locator("#connection")).to_have_text("Live", timeout=30_000)
        return name, time.monotonic() - since

    return dict(await asyncio.gather(*(one(n, p) for n, p in meeting.pages.items())))


@pytest.mark.slow
async def test_a_whole_room(browser: Browser, room_server: dict) -> None:
    tabs = Tabs(browser)
    base_url = f"http://127.0.0.1:{room_server['port']}"
    try:
        await run_the_room(tabs, base_url, room_server)
    except BaseException:
        await dump_pages(browser, ARTIFACTS / "room-failure")
        raise
    finally:
        await tabs.close()


async def run_the_room(tabs: Tabs, base_url: str, held: dict) -> None:
    meeting = await start_meeting(tabs, base_url, viewport=DESKTOP)
    console = meeting.facilitator
    code = (await console.locator(".invites .room-code").inner_text()).strip()

    # The projector joins in one click by its invite link, the host team by theirs.
    board, hana = await asyncio.gather(
        join(tabs, meeting, "projector", "", PROJECTOR, key="board"),
        join(tabs, meeting, "host", "Hana", PHONE),
    )
    # Vera scans the QR code on the projector: it holds the visitor invite link.
    qr = await board.locator(".join-box .qr").inner_html()
    modules = re.compile(r'class="qrline"[^>]* d="([^"]+)"')
    assert modules.findall(qr) == modules.findall(str(qr_svg(meeting.links["visitor"])))
    vera = await join(tabs, meeting, "visitor", "Vera", PHONE)

    # Walt types the room code from the projector and waits; Tom too, and is turned away.
    walt = await knock(tabs, meeting, "Walt", DESKTOP, code.lower())
    tom = await knock(tabs, meeting, "Tom", PHONE, code)
    count = console.locator("header #lobby-count")
    await expect(count).to_have_text("2 waiting to join")
    await expect(count).to_be_in_viewport()
    await console.screenshot(path=shot_path("lobby-console-header"))
    await count.click()
    lobby = console.locator("#lobby")
    await lobby.locator("li", has_text="Walt").get_by_role("button", name="Admit").click()
    admitted = time.monotonic()
    await walt.wait_for_url(ROOM_URL, wait_until="commit")
    say(f"Walt's wait page moved on {1000 * (time.monotonic() - admitted):.0f} ms after Admit")
    await wait_live(walt)
    meeting.pages["Walt"] = walt
    await lobby.locator("li", has_text="Tom").get_by_role("button", name="Turn away").click()
    await expect(tom.get_by_role("heading", name="could not let you in")).to_be_visible()
    await tom.screenshot(path=shot_path("lobby-turned-away-Tom"))
    await tom.context.close()
    await expect(count).to_be_hidden()
    # A card written in the welcome is shown as a card, not summed up as "earlier"; the
    # problem is on the board and the console while the room is welcomed.
    await post_card(console, "Welcome: we finish at noon.")
    await expect(card(board, "Welcome: we finish at noon.")).to_be_visible()
    await expect(board.locator("#board-strip")).to_be_hidden()
    for page in (board, console):
        await expect(page.locator(".problem-statement")).to_be_visible()
    await shoot(meeting, "1-welcome")
    # Nothing to write yet, so nothing to be done with; a hand may go up all the same.
    await expect(vera.get_by_role("button", name="I'm done writing")).to_be_hidden()
    await expect(vera.get_by_role("button", name="I'd like to speak")).to_be_visible()
    say(f"welcome board sizes: {json.dumps(await board_sizes(board, 'welcome'))}")

    # Context: an anonymous question with evidence; the composer starts fresh after it.
    await next_phase(meeting, "context")
    await expect(vera.get_by_role("button", name="I'm done writing")).to_be_visible()
    composer = vera.locator("#composer")
    await composer.locator("details.evidence summary").click()
    # The longest label, which must still fit its card on the projector (room_checks.fits).
    await composer.get_by_label("Based on").select_option("both")
    await composer.get_by_label("Source link").fill("https://example.org/ward-5")
    await composer.get_by_label("Post without my name").check()
    await reach_everyone(meeting, "Vera", "How many patients wait for transport each day?", None)
    await expect(composer.get_by_label("Post without my name")).not_to_be_checked()
    await expect(composer.get_by_label("Based on")).to_have_value("")
    await expect(composer.get_by_label("Source link")).to_have_value("")
    asked = card(vera, "How many patients wait for transport each day?")
    await expect(asked.locator(".who")).to_have_text("you, anonymously")
    await expect(
        card(board, "How many patients wait for transport each day?").locator(".who")
    ).to_have_text("Anonymous")
    await reach_everyone(meeting, "Hana", "Transport is booked by a central team.", None)
    await post_card(walt, "Who decides a patient is fit to leave?")

    # Vera raises her hand; the next phase lowers it.
    await vera.get_by_role("button", name="I'd like to speak").click()
    await expect(console.locator("#people li[data-signal=hand]")).to_have_count(1)
    # ...and the facilitator sees it in the header, one click from People.
    hands = console.locator("header #signals-count")
    await expect(hands).to_have_text("1 hand up")
    await expect(hands).to_be_in_viewport()
    assert await hands.get_attribute("href") == "#people-panel"

    await shoot(meeting, "2-context")
    await fold_report(meeting, "context", ["question", "context"])
    say(f"context board sizes: {json.dumps(await board_sizes(board, 'context'))}")

    # Questions: the host team listens, and a listening host has no box to type in.
    await next_phase(meeting, "questions")
    await expect(console.locator("#people li[data-signal=hand]")).to_have_count(0)
    await expect(hands).to_be_hidden()
    await expect(board.locator(".problem-statement")).to_be_hidden()
    # Visitors still read the problem they work on, one tap away, in every phase.
    summary = vera.locator(".problem-details summary")
    assert ((await summary.bounding_box()) or {"height": 0})["height"] >= 24  # a thumb's target
    await summary.click()
    await expect(vera.locator(".problem-details .problem-text")).to_be_visible()
    await expect(vera.get_by_role("button", name="I'd like to speak")).to_be_visible()
    await expect(hana.locator("#composer-kinds[disabled]")).to_have_count(1)
    assert await hana.evaluate(ENABLED_BOXES) == []
    await expect(hana.get_by_role("button", name="I'm done writing")).to_be_hidden()
    # Her banner says she listens: no greyed-out composer, no Edit on her context card.
    await expect(hana.locator(".composer")).to_be_hidden()
    await expect(hana.locator("#listening")).to_be_visible()
    await expect(
        card(hana, "Transport is booked by a central team.").locator("details.edit")
    ).to_be_hidden()
    await add_card_on_first_screen(vera, "questions")
    await reach_everyone(meeting, "Vera", "We expected to hear about weekend pharmacy.", "gap")
    for i, kind in enumerate(("surprise", "need", "question", "surprise")):
        await post_card(walt, f"Walt's {kind} number {i}: what happens on a Sunday?", kind)
    # No voting in the questions: a card with no votes shows no "0 ★".
    asked = card(vera, "We expected to hear about weekend pharmacy.")
    await expect(asked.locator(".votes")).to_be_hidden()
    await shoot(meeting, "3-questions")
    await fold_report(meeting, "questions", ["surprise", "gap", "need", "question"])
    say(f"questions board sizes: {json.dumps(await board_sizes(board, 'questions'))}")
    await fits(board, "3-questions")

    # A running timer is not restarted by one stray click.
    timer = console.locator("#timer")
    deadline = await timer.get_attribute("data-ends-at")
    start = console.locator("#timer-start")
    await expect(start).to_have_text("Restart…")
    await start.click()
    await expect(start).to_have_text("Confirm restart")
    await console.wait_for_timeout(300)
    assert await timer.get_attribute("data-ends-at") == deadline
    await start.click()  # confirmed: the phase's planned time again, from now
    await expect(timer).not_to_have_attribute("data-ends-at", deadline or "")
    await expect(start).to_have_text("Restart…")

    # Analysis: more cards than any screen holds; the board shows the most voted first.
    await next_phase(meeting, "analysis")
    await add_card_on_first_screen(vera, "analysis")
    cards = f"/api/v1/workshops/{meeting.id}/cards"
    for i in range(16):
        who = vera if i % 2 else walt
        await by_fetch(
            who,
            cards,
            {
                "kind": ("insight", "option", "need")[i % 3],
                "text": f"Idea {i}: pharmacy prepares take-home medicines the day before"
                + " discharge, as Ward 5 did" * (i % 3),
                # The longest evidence label, in columns a third of the screen wide.
                "evidence": "both",
            },
        )
    favourite = "Book transport when the patient is admitted, not when they leave."
    await reach_everyone(meeting, "Vera", favourite, "option")
    await card(vera, favourite).get_by_role("button", name="Vote").click()
    await card(walt, favourite).get_by_role("button", name="Vote").click()
    await expect(board.locator("#col-option .card").first).to_contain_text(favourite)
    await expect(board.locator(".column[data-kind=option] .more")).to_contain_text("more")
    await fits(board, "4-analysis-columns")
    # The facilitator groups cards into themes: on the board the themes take the columns'
    # place, within the one screen; only insights, options and needs are grouped.
    themes_url = f"/api/v1/workshops/{meeting.id}/themes"
    for name in ("Transport", "Pharmacy"):
        await by_fetch(console, themes_url, {"name": name})
    ideas = await board.locator(
        "#col-insight .card, #col-option .card, #col-need .card"
    ).evaluate_all("cs => cs.map(c => [c.dataset.card, c.querySelector('.text').textContent])")
    for card_id, text in ideas:
        theme = "Transport" if "transport" in text.lower() else "Pharmacy"
        if text.startswith("Idea 1"):
            continue  # some stay out of any theme
        await by_fetch(console, f"{cards}/{card_id}", {"theme": theme}, method="PATCH")
    await expect(board.locator("#themes .theme-group")).to_have_count(3)
    await expect(board.locator("#board")).to_be_hidden()
    await expect(board.locator("#themes .theme-group").first).to_contain_text(favourite)
    # Vera's phone shows the cards once, in her columns; her themes say how many each holds.
    await expect(vera.locator("#themes .theme-count")).to_have_count(3)
    await expect(vera.locator("#themes .theme-card")).to_have_count(0)
    kinds = await board.locator("#themes .theme-card").evaluate_all(
        "cs => [...new Set(cs.map(c => [...c.classList].find(k => k.startsWith('kind-'))))]"
    )
    assert set(kinds) <= {"kind-insight", "kind-option", "kind-need"}, kinds
    await fits(board, "4-analysis")
    await shoot(meeting, "4-analysis")
    await fold_report(meeting, "analysis", ["insight", "option", "need"])
    say(f"analysis board sizes: {json.dumps(await board_sizes(board, 'analysis'))}")

    # The facilitator lets Hana speak once: her composer comes back for context and questions,
    # and goes again when the floor closes.
    speaker = console.locator("#speaker-list").get_by_label("Hana")
    await speaker.check()
    await expect(hana.locator(".composer")).to_be_visible()
    await post_card(hana, "Porters finish at eight in the evening.", "context")
    await expect(card(board, "Porters finish at eight in the evening.")).to_be_attached()
    await speaker.uncheck()
    await expect(hana.locator(".composer")).to_be_hidden()

    # The spotlight: the facilitator puts the favourite card on the projector, large.
    spotlit = card(console, favourite)
    await spotlit.locator("details.moderate summary").click()
    await spotlit.get_by_role("button", name="Spotlight", exact=True).click()
    big = board.locator("#spotlight .card .text")
    await expect(big).to_have_text(favourite)
    spot_px = float(await big.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    card_px = float(
        await board.locator("#board .card .text").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
    )
    say(f"spotlight text {spot_px}px, board card text {card_px}px")
    assert spot_px >= 2 * card_px
    # Below the header, so the clock stays in sight; the card in the middle, not at the top.
    header = await board.locator(".room-header").bounding_box()
    spot = await board.locator("#spotlight").bounding_box()
    shown = await board.locator("#spotlight .card").bounding_box()
    assert header and spot and shown
    assert spot["y"] >= header["y"] + header["height"], (header, spot)
    above, below = shown["y"] - spot["y"], spot["y"] + spot["height"] - shown["y"] - shown["height"]
    assert abs(above - below) < 0.1 * spot["height"], (spot, shown)
    await board.screenshot(path=shot_path("4-analysis-board-spotlight"))
    await console.get_by_role("button", name="Clear the spotlight").click()
    await expect(board.locator("#spotlight")).to_be_hidden()

    # The server restarts mid-meeting while Vera's phone is off the network. Every screen
    # comes back by itself, and Vera's as soon as her browser says it is online again.
    await vera.context.set_offline(True)
    held["server"].stop()
    held["server"] = start_server(held["dir"], held["db"], port=held["port"])
    back = time.monotonic()
    others = {n: p for n, p in meeting.pages.items() if n != "Vera"}
    times = await all_live(Meeting(base_url, meeting.id, console, {}, others), back)
    say(
        "after a server restart, live again (s after it was up): "
        + ", ".join(f"{n} {t:.1f}" for n, t in times.items())
    )
    await vera.wait_for_timeout(6000)  # long enough for her backoff to have grown
    while_off = await vera.locator("#connection").inner_text()
    went = time.monotonic()
    await vera.context.set_offline(False)
    await expect(vera.locator("#connection")).to_have_text("Live", timeout=15_000)
    say(
        f"Vera live {1000 * (time.monotonic() - went):.0f} ms after her phone was online "
        f"again (offline through the restart, 6 s more; her page said {while_off!r})"
    )
    await reach_everyone(meeting, "Walt", "After the restart: nothing was lost.", "insight")

    # Feedback.
    await next_phase(meeting, "feedback")
    await add_card_on_first_screen(vera, "feedback")
    await add_card_on_first_screen(hana, "feedback")
    await reach_everyone(meeting, "Vera", "Starting with a ward-level pilot was wise.", "strength")
    # Five columns side by side: the longest evidence label must still fit its card.
    await by_fetch(
        walt,
        cards,
        {"kind": "worked_elsewhere", "text": "Ward 3 moved to a huddle.", "evidence": "both"},
    )
    # The feedback's own columns, not the analysis's themes: what was done well is on the board.
    for page in (board, vera):
        await expect(page.locator("#themes")).to_be_hidden()
    await expect(
        board.locator("#col-strength .card", has_text="Starting with a ward-level pilot")
    ).to_be_visible()
    # ...first, as the feedback opens with it; the facilitator's card box offers it first too.
    columns = await board.locator("#board .column.lead").evaluate_all(
        "cs => cs.sort((a, b) => a.getBoundingClientRect().x - b.getBoundingClientRect().x)"
        ".map(c => c.dataset.kind)"
    )
    assert columns[0] == "strength", columns
    await expect(console.locator("#composer-kind")).to_have_value("strength")
    await shoot(meeting, "5-feedback")
    await fold_report(meeting, "feedback", ["strength", "insight", "option", "worked_elsewhere"])
    say(f"feedback board sizes: {json.dumps(await board_sizes(board, 'feedback'))}")
    await fits(board, "5-feedback")

    # Commitment: the host team's actions and report-back date are on the board.
    await next_phase(meeting, "commitment")
    form = hana.locator("#action-form")
    # Nobody writes cards now: no disabled composer pushes the action form down Hana's phone.
    await expect(hana.locator(".composer")).to_be_hidden()
    await expect(vera.get_by_role("button", name="I'm done writing")).to_be_hidden()
    await hana.evaluate("scrollTo(0, 0)")
    title_box = await form.locator("textarea[name=title]").bounding_box()
    assert title_box and title_box["y"] + title_box["height"] <= PHONE["height"]
    await form.locator("textarea[name=title]").fill("Book transport at admission")
    await form.locator("input[name=owner]").fill("Hana")
    await form.locator("input[name=due_date]").fill("2027-03-01")
    # The cards offered are what an action grows from, the room's favourite first.
    offered = form.locator(".linked-cards label")
    await expect(offered.first).to_have_text(favourite[:80])
    await expect(offered.filter(has_text="How many patients wait")).to_have_count(0)
    # Ticked by its words, which wrap on a phone instead of being cut at the screen's edge.
    first = offered.first
    box = await first.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    # Its heading is one line: a legend that wraps sits across the box's top border.
    legend = await form.locator(".linked-cards legend").evaluate(
        "e => [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]"
    )
    assert legend[0] < 1.5 * legend[1], legend
    await first.get_by_role("checkbox").check()
    await form.get_by_role("button", name="Add action").click()
    commit = hana.locator("form[hx-put$='/commitment']")
    await commit.locator("input[name=report_back_by]").fill("2027-04-01")
    # The line the library shows as what this peer assist decided, asked for as that.
    await commit.get_by_label("What we decided").fill("Book transport at admission on Ward 7")
    await commit.get_by_role("button", name="Commit to this date").click()
    on_board = board.locator(".board-actions")
    await expect(on_board).to_contain_text("Book transport at admission")
    await expect(on_board).to_contain_text("due 1 March 2027")
    await expect(on_board).to_contain_text(f"From \u201c{favourite}\u201d")
    await expect(on_board.locator("#commitment")).to_contain_text("1 April 2027")
    # The console's report-back form follows what the host team committed to, live.
    await expect(console.locator("#commitment-form input[name=report_back_by]")).to_have_value(
        "2027-04-01"
    )
    await expect(on_board).to_be_in_viewport()
    json_link = console.locator("#actions").get_by_role("link", name="JSON", exact=True)
    await expect(json_link).to_have_attribute(
        "href", f"/api/v1/workshops/{meeting.id}/actions.json"
    )
    await fits(board, "6-commitment")
    await shoot(meeting, "6-commitment")
    say(f"commitment board sizes: {json.dumps(await board_sizes(board, 'commitment'))}")

    # Two more actions, as most action lists have: the takeaways must still show beside them.
    for action in (
        {"title": "Pharmacy prepares medicines the day before", "owner": "Pat (pharmacy)"},
        {"title": "Audit late pick-ups for a month", "owner": "Hana"},
    ):
        path = f"/api/v1/workshops/{meeting.id}/actions"
        status, _ = await hana.evaluate(API_POST, [path, action, "POST"])
        assert status == 201
    await expect(on_board).to_contain_text("Pharmacy prepares medicines the day before")
    # The growing action list comes right after the facilitator's controls (a laptop's first
    # screen still moves the meeting on), and before the agenda (it was 1,500 px down).
    for size in (TABLET, DESKTOP):  # on a tablet the controls come above the columns
        await console.set_viewport_size(size)  # type: ignore[arg-type]
        await console.evaluate("scrollTo(0, 0)")
        next_box = await console.get_by_role("button", name="Next phase").bounding_box()
        assert next_box and next_box["y"] + next_box["height"] <= size["height"], size
        order = [".controls", "#actions", ".agenda-panel"]
        tops = [(await console.locator(s).bounding_box() or {"y": -1})["y"] for s in order]
        assert tops == sorted(tops) and tops[0] >= 0, (size, tops)
        tablet_shot = shot_path(f"6-commitment-console-{size['width']}")
        await console.screenshot(path=tablet_shot, full_page=True)

    await next_phase(meeting, "reflection")
    await add_card_on_first_screen(vera, "reflection")
    await add_card_on_first_screen(hana, "reflection")
    await post_card(vera, "Ask the pharmacy before the ward round.", "takeaway")
    await post_card(walt, "Start the discharge letter on admission.", "takeaway")
    await post_card(hana, "Ask our porters what slows them down.", "takeaway")
    await fits(board, "7-reflection")
    await shows_cards(board, "takeaway", "7-reflection")
    # The action list shares the screen: an action that does not fit is counted, never cut.
    for size in (SMALL_PROJECTOR, PROJECTOR):
        await board.set_viewport_size(size)  # type: ignore[arg-type]
        await board.wait_for_function(ACTIONS_ACCOUNTED, arg=3)
    # With the action list up, the count of earlier cards gives the takeaways its room.
    await expect(board.locator("#board-strip")).to_be_hidden()
    await shoot(meeting, "7-reflection")
    say(f"reflection board sizes: {json.dumps(await board_sizes(board, 'reflection'))}")
    await next_phase(meeting, "closed")
    await shoot(meeting, "8-closed")
    # Closed looks closed: no clock, no invitation to join, no hand to raise.
    await expect(board.locator(".join-box .qr")).to_have_count(0)
    await expect(board.locator("#timer")).to_be_hidden()
    await expect(vera.locator("#my-signal")).to_be_hidden()
    # A projector left on at the end shows the action list and, beside it, the takeaways.
    await shows_cards(board, "takeaway", "8-closed")
    await board.wait_for_function(ACTIONS_ACCOUNTED, arg=3)
    # The console offers only what still means something: going back a phase.
    await expect(console.get_by_role("button", name="Next phase")).to_be_hidden()
    await expect(console.locator("#timer-start")).to_be_hidden()
    await expect(console.locator("#mute-controls")).to_be_hidden()
    # Nobody but the facilitator edits a card once the meeting is closed (the server says so).
    await expect(
        card(walt, "Walt's surprise number 0: what happens on a Sunday?").locator("details.edit")
    ).to_be_hidden()
    await expect(console.locator(".card details.moderate").first).to_be_attached()
    await expect(console.get_by_label(re.compile("Let everyone with room code"))).to_be_hidden()
    await expect(console.get_by_role("button", name="Back")).to_be_visible()
    assert not tabs.dialogs, tabs.dialogs
    assert not tabs.errors, tabs.errors
