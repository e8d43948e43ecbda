"""The main views fit a phone, a laptop and a projector without scrolling sideways."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Page, ViewportSize, expect

from tests.conftest import Server
from tests.factories import bearer

from .conftest import DESKTOP, PHONE, PIXEL_7, PROJECTOR, Tabs
from .meeting import (
    Meeting,
    advance_to,
    card,
    create_by_api,
    in_days,
    next_phase,
    post_card,
    quick_join,
    quick_meeting,
    sign_in,
    take_seat,
)

pytestmark = pytest.mark.browser

SIZES = {"phone": PHONE, "laptop": DESKTOP, "projector": PROJECTOR}

# The width of the page, and the outermost elements that stick out past the window.
MEASURE = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll("body *")].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 1 &&
      !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1);
  }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim()
      .split(/\\s+/).join(".") : ""));
  done({scroll: document.documentElement.scrollWidth, width, wide});
})))"""


async def overflow(page: Page, size: ViewportSize) -> dict:
    await page.set_viewport_size(size)
    return await page.evaluate(MEASURE)


async def overflows(pages: dict[str, Page], *, but: tuple[str, str] | None = None) -> list[str]:
    found = []
    for size_name, size in SIZES.items():
        names = [name for name in pages if (name, size_name) != but]
        measured = await asyncio.gather(*(overflow(pages[name], size) for name in names))
        for name, m in zip(names, measured, strict=True):
            if m["scroll"] > m["width"]:
                found.append(
                    f"{name} at {size_name} ({size['width']}px): scrollWidth "
                    f"{m['scroll']}, sticking out: {m['wide']}"
                )
    return found


async def test_main_views_have_no_horizontal_scroll(server: Server, tabs: Tabs) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    visitor, host, _ = await asyncio.gather(
        quick_join(tabs, meeting, "visitor", "Vera Longname-Fitzwilliam", PHONE, key="visitor"),
        quick_join(tabs, meeting, "host", "Hana", key="host"),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    start = await tabs.open("start page")
    await sign_in(start, meeting.base_url)
    await start.goto(meeting.base_url + "/")
    joining = await tabs.open("join page", PHONE)
    await joining.goto(meeting.links["visitor"])
    pages = {**meeting.pages, "start": start, "join": joining}
    board = meeting.pages["board"]
    # The welcome: the room reads the ground rules as they are gone through, and the QR code.
    await expect(board.locator(".board-rules")).to_contain_text("never the person")
    await expect(board.locator(".join-box .qr")).to_be_visible()

    await next_phase(meeting, "context")
    await expect(board.locator(".board-rules")).to_be_hidden()
    # People paste links into cards: a long unbroken one must wrap, not widen the page.
    await post_card(
        visitor,
        "We copied this: https://example.org/guidance/discharge/"
        "transport-booking-at-admission-for-planned-and-emergency-patients.pdf",
    )
    await post_card(host, "Transport is booked by a central team.")
    await next_phase(meeting, "questions")
    # The room has gathered: the cards get the QR code's width, the room code stays in sight.
    await expect(board.locator(".join-box .qr")).to_be_hidden()
    await expect(board.locator(".join-box .room-code")).to_be_visible()
    width = await board.evaluate("document.getElementById('board').clientWidth / innerWidth")
    assert width > 0.9, width
    await next_phase(meeting, "analysis")
    # Writing privately: the room is told why its columns stay empty.
    console = meeting.facilitator
    await console.get_by_role("button", name="Start private writing").click()
    await expect(board.locator("#writing")).to_contain_text("writing on their own")
    await console.get_by_role("button", name="Reveal all cards").click()
    await expect(board.locator("#writing")).not_to_contain_text("writing on their own")
    await post_card(visitor, "Pharmacy could prepare take-home medicines the day before.", "option")
    await next_phase(meeting, "feedback")
    await next_phase(meeting, "commitment")
    form = host.locator("#action-form")
    await form.locator("textarea[name=title]").fill("Book transport at admission")
    await form.locator("input[name=owner]").fill("Hana")
    await form.locator("input[name=due_date]").fill(in_days(10))
    await form.get_by_role("button", name="Add action").click()
    await host.locator("#action-list .action").first.wait_for()
    # The action list and its editor are open now, and every card is on the board.
    assert await overflows(pages, but=("board", "phone")) == []


async def test_the_board_fits_a_phone(server: Server, tabs: Tabs) -> None:
    """The facilitator may open the board on a phone or a small tablet to check it."""
    meeting = await quick_meeting(tabs, server.base_url)
    board = await quick_join(tabs, meeting, "projector", "Room screen", PHONE, key="board")
    await next_phase(meeting, "context")
    assert await overflows({"board": board}) == []


async def test_the_host_team_is_shown_the_way_to_the_report_back_date(
    server: Server, tabs: Tabs
) -> None:
    """The method's commitment is a date for the action list. On a phone its form sits below
    the action editor (whose first field must be on the first screen): until a date is set,
    the top of the action list says so and leads there."""
    meeting = await quick_meeting(tabs, server.base_url)
    host = await quick_join(tabs, meeting, "host", "Hana", PHONE)
    way = host.locator("#commitment").get_by_role("link", name="commit to one")
    await next_phase(meeting, "context")
    # Before the commitment there is no form to lead to: the console's action list says when
    # the date will come instead.
    console = meeting.facilitator
    await expect(console.locator("#commitment")).to_be_visible()
    await expect(console.locator("#commitment a")).to_be_hidden()
    await expect(console.locator("#commitment .later")).to_have_text(
        ": the host team commits to one in the commitment phase"
    )
    await expect(console.locator("#commitment .later")).to_be_visible()
    later = host.locator("#commitment .later")
    await advance_to(meeting, "commitment")
    await host.evaluate("scrollTo(0, 0)")
    await expect(way).to_be_in_viewport()
    await expect(later).to_be_hidden()
    await way.click()
    await expect(host.locator("#commitment-form input[name=report_back_by]")).to_be_in_viewport()
    await host.locator("#commitment-form input[name=report_back_by]").fill(in_days(30))
    await host.get_by_role("button", name="Commit to this date").click()
    await expect(host.locator("#commitment")).to_contain_text("will report back")
    await expect(way).to_have_count(0)
    assert not tabs.errors, tabs.errors


async def insights_by_api(meeting: Meeting, name: str, count: int, *, upto: str) -> dict:
    """A visitor joined through the API, the meeting moved on to `upto` (a phase where
    insights are written), and that many insights from them; their headers for more."""
    code = meeting.links["visitor"].rsplit("/", 1)[-1]
    async with httpx.AsyncClient(base_url=meeting.base_url) as api:
        joined = await api.post(
            f"/api/v1/join/{code}", json={"name": name, "accept_ground_rules": True}
        )
        headers = {"Authorization": f"Bearer {joined.json()['token']}"}
        await advance_to(meeting, upto)
        for n in range(count):
            answer = await api.post(
                f"/api/v1/workshops/{meeting.id}/cards",
                json={"kind": "insight", "text": f"Insight {n}: the huddle moved to nine."},
                headers=headers,
            )
            assert answer.status_code == 201, answer.text
    return headers


async def test_the_console_shows_every_column_of_the_phase_on_its_first_screen(
    server: Server, tabs: Tabs
) -> None:
    """The feedback has five columns. The fifth, the host team's questions, fell to a second
    row below the longest of the first four: with a busy insights column, thousands of pixels
    down the facilitator's laptop, so the host's question went unseen."""
    meeting = await quick_meeting(tabs, server.base_url)
    host = await quick_join(tabs, meeting, "host", "Hana", PHONE)
    await insights_by_api(meeting, "Vera", 15, upto="feedback")
    await post_card(host, "Did Ward 3 need extra porters for the huddle?", "question")
    console = meeting.facilitator
    for size in (DESKTOP, {"width": 1280, "height": 800}, {"width": 1920, "height": 1080}):
        await console.set_viewport_size(size)
        await console.evaluate("scrollTo(0, 0)")
        for kind in ("strength", "insight", "option", "worked_elsewhere", "question"):
            head = console.locator(f".column[data-kind={kind}] h3")
            await expect(head, f"{kind} at {size['width']}px").to_be_in_viewport()
        question = card(console, "Did Ward 3 need extra porters for the huddle?")
        await expect(question, f"at {size['width']}px").to_be_in_viewport()
    # A small laptop has no room for five: the columns never get narrower than 9rem.
    await console.set_viewport_size({"width": 1101, "height": 800})
    widths = await console.locator(".column.lead").evaluate_all(
        "cols => cols.map(c => c.getBoundingClientRect().width)"
    )
    assert min(widths) >= 144, widths
    # A phase with one column of its own keeps the board's columns as they were, not one wide
    # column a row.
    await advance_to(meeting, "reflection")
    await console.set_viewport_size(DESKTOP)
    # Laid out again on the resize, which a busy machine may deliver after this line: waited
    # for, a few seconds at most, not read at once. (Read through evaluate: the page's CSP
    # refuses wait_for_function's string.)
    tracks = 0
    for _ in range(50):
        tracks = await console.locator("#board").evaluate(
            "b => getComputedStyle(b).gridTemplateColumns.split(' ').length"
        )
        if tracks >= 3:
            break
        await console.wait_for_timeout(100)
    assert tracks >= 3, tracks
    assert not tabs.errors, tabs.errors


async def test_a_phone_shows_the_takeaways_before_the_action_list_in_the_reflection(
    server: Server, tabs: Tabs
) -> None:
    """In the commitment the action list is the phase's work and comes first, and once closed
    (the host team finishes it); in the reflection the takeaways are, and the host team's
    action editor above them ran 3,000 px. The row of column links leads to the list."""
    meeting = await quick_meeting(tabs, server.base_url)
    host, visitor = await asyncio.gather(
        quick_join(tabs, meeting, "host", "Hana", PHONE, key="host"),
        quick_join(tabs, meeting, "visitor", "Vera", PHONE, key="visitor"),
    )
    await advance_to(meeting, "commitment")

    async def top(page, selector: str) -> float:  # type: ignore[no-untyped-def]
        box = await page.locator(selector).bounding_box()
        assert box is not None, selector
        return box["y"] + await page.evaluate("scrollY")

    for page in (host, visitor):
        assert await top(page, "#actions") < await top(page, ".main-col")
        assert await top(page, "#actions") < await top(page, "#my-signal")
    await next_phase(meeting, "reflection")
    await post_card(visitor, "Ask the pharmacy before the ward round.", "takeaway")
    for page in (host, visitor):
        await expect(page.locator("#col-takeaway .card")).to_have_count(1)
        # The composer keeps its place on the first screen; the takeaways come next.
        assert await top(page, "#composer") < await top(page, "#col-takeaway")
        assert await top(page, "#col-takeaway") < await top(page, "#actions")
        await page.locator("#column-jumps").get_by_role("link", name="Action list").click()
        await expect(page.locator("#actions-title")).to_be_in_viewport()
    await next_phase(meeting, "closed")
    for page in (host, visitor):
        assert await top(page, "#actions") < await top(page, ".main-col")
    assert not tabs.errors, tabs.errors


async def test_a_phone_jumps_past_a_long_column(server: Server, tabs: Tabs) -> None:
    """Columns stand one under another on a phone: after forty insights the options were
    thousands of pixels down. A row of links to each column, with its count, stays in view."""
    meeting = await quick_meeting(tabs, server.base_url)
    vera = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    walt = await insights_by_api(meeting, "Walt", 20, upto="analysis")
    jumps = vera.locator("#column-jumps")
    await expect(jumps.get_by_role("link", name="Insights 20")).to_be_visible()
    await post_card(vera, "Book transport at admission.", "option")
    to_options = jumps.get_by_role("link", name="Options 1")
    await expect(to_options).to_be_visible()
    # The row scrolls inside itself: it never widens the page (a phone would zoom out).
    assert await overflows({"vera": vera}) == []
    await vera.set_viewport_size(PHONE)
    await vera.locator("#col-insight .card").nth(10).scroll_into_view_if_needed()
    await expect(to_options).to_be_in_viewport()  # it stays at the top as the board scrolls
    await to_options.click()
    await expect(card(vera, "Book transport at admission.")).to_be_in_viewport()
    # A card arriving changes a count, not the links: the keyboard stays where it was.
    await to_options.focus()
    async with httpx.AsyncClient(base_url=meeting.base_url) as api:
        answer = await api.post(
            f"/api/v1/workshops/{meeting.id}/cards",
            json={"kind": "insight", "text": "One more insight."},
            headers=walt,
        )
        assert answer.status_code == 201, answer.text
    await expect(jumps.get_by_role("link", name="Insights 21")).to_be_visible()
    await expect(to_options).to_be_focused()
    # Not on a laptop, where the columns stand side by side.
    await vera.set_viewport_size(DESKTOP)
    await expect(jumps).to_be_hidden()
    assert not tabs.errors, tabs.errors


async def test_a_closed_board_without_takeaways_gives_the_action_list_the_screen(
    server: Server, tabs: Tabs
) -> None:
    meeting = await quick_meeting(tabs, server.base_url)
    board = await quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board")
    await advance_to(meeting, "closed")
    await expect(board.locator("#board")).to_be_hidden()
    actions = await board.locator(".board-actions").bounding_box()
    column = await board.locator(".main-col").bounding_box()
    assert actions and column and actions["width"] >= column["width"] - 1
    assert not tabs.errors, tabs.errors


async def test_the_board_counts_a_speakers_card_as_now_not_earlier(
    server: Server, tabs: Tabs
) -> None:
    """While the host team listens, a speaker's card takes no column on the projector: the
    line under the columns counted it among the earlier phases' cards."""
    meeting = await quick_meeting(tabs, server.base_url)
    hana, board = await asyncio.gather(
        quick_join(tabs, meeting, "host", "Hana", PHONE, key="host"),
        quick_join(tabs, meeting, "projector", "Room screen", PROJECTOR, key="board"),
    )
    await next_phase(meeting, "context")
    await post_card(hana, "Transport is booked by a central team.", "context")
    await advance_to(meeting, "analysis")
    strip = board.locator("#board-strip")
    await expect(strip).to_have_text("Earlier: Context 1")
    await meeting.facilitator.locator("#speaker-list").get_by_label("Hana").check()
    await post_card(hana, "Porters finish at eight in the evening.", "context")
    await expect(strip).to_have_text(re.compile(r"^Earlier: Context 1\s+Now: Context 1$"))
    assert not tabs.errors, tabs.errors


async def test_a_phone_gives_every_control_a_fingers_height(server: Server, tabs: Tabs) -> None:
    """On a touch screen the toggles that open a card's editor and the composer's evidence were
    21 and 23 px tall, text alone: under WCAG's 24 px, and hard to hit beside a card."""
    meeting = await quick_meeting(tabs, server.base_url)
    vera = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    await advance_to(meeting, "analysis")
    await post_card(vera, "Book transport at admission.", "option")
    controls = {
        "Edit": card(vera, "Book transport at admission.").locator("summary"),
        "Evidence and source": vera.locator("#composer summary"),
        "Add card": vera.locator("#composer").get_by_role("button", name="Add card"),
    }
    for name, control in controls.items():
        box = await control.first.bounding_box()
        assert box is not None, name
        assert box["height"] >= 44, (name, box)
    # From the commitment on, the action list's download links (19 px tall, in rows 22 px
    # apart, "Print (A4)" broken over two lines).
    await advance_to(meeting, "commitment")
    links = vera.locator(".downloads a")
    await expect(links.first).to_be_visible()
    boxes = [await link.bounding_box() for link in await links.all()]
    assert len(boxes) >= 7 and all(b is not None and b["height"] >= 44 for b in boxes), boxes
    # Each on one line: "Print (A4)" was broken over two (its text's lines, counted). The
    # first row's six; the next row's long "The record, for people who..." may wrap inside.
    lines = await links.evaluate_all(
        "links => links.map(a => { const r = document.createRange(); r.selectNodeContents(a);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size })"
    )
    assert set(lines[:6]) == {1}, lines
    assert not tabs.errors, tabs.errors


async def test_the_pages_with_tables_fit_a_phone(server: Server, tabs: Tabs) -> None:
    """Tables of accounts, tokens, invitees and actions, on a phone that lays a page out at
    980 px unless the page says to use the phone's width."""
    created = await create_by_api(server.base_url)
    workshop_id = created["workshop"]["id"]
    run = bearer(created["facilitator_token"])
    async with httpx.AsyncClient(base_url=server.base_url, headers=run) as api:
        for i, unit in enumerate(("Community pharmacy", "Estates and facilities")):
            invited = await api.post(
                f"/w/{workshop_id}/before/invitees",
                data={
                    "name": f"Visitor number {i}",
                    "email": f"visitor.with.a.long.address.{i}@example.org",
                    "unit": unit,
                    "role": "visitor",
                    "years": "12",
                },
            )
            assert invited.status_code == 200 and "Visitor number" in invited.text
        path = f"/api/v1/workshops/{workshop_id}"
        assert (await api.post(f"{path}/phase", json={"to": "commitment"})).is_success
        action = {"title": "Book transport at admission", "owner": "Hana Host"}
        assert (await api.post(f"{path}/actions", json=action)).is_success
        assert (await api.post(f"{path}/phase", json={"to": "closed"})).is_success
    phone = await tabs.open("admin on a phone", PIXEL_7, mobile=True)
    await sign_in(phone, server.base_url, "Alex Admin", role="admin")
    await take_seat(phone, server.base_url, workshop_id, created["facilitator_token"])
    found = []
    for page in ("/admin", "/account", "/my", "/library", "/dashboard"):
        found.append((page, await laid_out(phone, server.base_url + page)))
    for page in ("before", "print", "record", "review", "follow-up"):
        found.append((page, await laid_out(phone, f"{server.base_url}/w/{workshop_id}/{page}")))
    wrong = [
        f"{page}: laid out at {m['width']}px, scrollWidth {m['scroll']}, sticking out: {m['wide']}"
        for page, m in found
        if m["width"] != PIXEL_7["width"] or m["scroll"] > m["width"]
    ]
    assert wrong == [], "\n".join(wrong)


async def laid_out(page: Page, url: str) -> dict:
    """The page's layout width and how far it scrolls sideways, with every table in view
    (the dashboard's numbers are in closed <details>)."""
    answer = await page.goto(url)
    assert answer is not None and answer.ok, url
    await page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return await page.evaluate(MEASURE)
