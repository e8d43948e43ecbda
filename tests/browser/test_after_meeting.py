"""After the meeting in a real browser: the survey on a phone, the record shared outside."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.conftest import Server

from .conftest import ARTIFACTS, DESKTOP, PHONE, Tabs
from .meeting import INVITE_LABELS, Meeting, create_by_api, enter, quick_join
from .test_layout import overflow

pytestmark = pytest.mark.browser
SHOTS = ARTIFACTS / "after-meeting"


async def meeting_with_token(tabs: Tabs, base_url: str) -> tuple[Meeting, str]:
    created = await create_by_api(base_url)
    workshop_id = created["workshop"]["id"]
    token = created["facilitator_token"]
    console = await enter(tabs, base_url, workshop_id, token, "facilitator", DESKTOP)
    links = {role: created["invites"][role]["url"] for role in INVITE_LABELS}
    meeting = Meeting(base_url, workshop_id, console, links)
    meeting.pages["facilitator"] = console
    return meeting, token


async def api(base_url: str, method: str, path: str, token: str, **kwargs: object) -> dict:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.request(
            method,
            f"/api/v1/workshops{path}",
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,  # type: ignore[arg-type]
        )
    assert response.status_code < 300, response.text
    return response.json() if response.content else {}


LONG_LINK = "https://example.org/transportbookingstandardoperatingprocedure2026version3final.pdf"


async def broken_words(page: Page) -> list[str]:
    """The words of the table's cells that run over two lines."""
    return await page.evaluate(
        "[...document.querySelectorAll('td')].flatMap(td => {"
        " const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT), out = [];"
        " for (let node; (node = walk.nextNode()); ) {"
        "  for (const word of node.data.matchAll(/\\S+/g)) {"
        "   const range = document.createRange();"
        "   range.setStart(node, word.index); range.setEnd(node, word.index + word[0].length);"
        "   const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));"
        "   if (tops.size > 1) out.push(word[0]);"
        "  }"
        " }"
        " return out; })"
    )


async def rows_within_margins(page: Page) -> bool:
    """Whether every row of the table ends where the headings do, or before."""
    edges = await page.evaluate(
        "[Math.max(...[...document.querySelectorAll('tr')]"
        ".map(r => r.getBoundingClientRect().right)),"
        " document.querySelector('h2').getBoundingClientRect().right]"
    )
    return edges[0] <= edges[1] + 0.5


async def test_a_visitor_answers_the_survey_on_a_phone_in_a_few_taps(
    server: Server, tabs: Tabs
) -> None:
    meeting, token = await meeting_with_token(tabs, server.base_url)
    phone = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    await expect(phone.locator("#survey")).to_be_hidden()
    await api(server.base_url, "POST", f"/{meeting.id}/phase", token, json={"to": "reflection"})

    survey = phone.locator("#survey")
    await expect(survey.get_by_role("heading", name="How was it?")).to_be_visible()
    taps = 0

    async def tap(locator) -> None:  # type: ignore[no-untyped-def]
        nonlocal taps
        box = await locator.bounding_box()
        assert box is not None and box["height"] >= 44, box  # a thumb-sized target
        await locator.click()
        taps += 1

    await tap(survey.locator(".score-choice").filter(has_text="4"))
    await tap(survey.get_by_label("What was most valuable?"))
    await phone.keyboard.type("Hearing how Ward 3 did it")
    await tap(survey.get_by_role("button", name="Send"))
    await expect(survey.get_by_role("status")).to_contain_text("Thank you")
    assert taps == 3
    SHOTS.mkdir(parents=True, exist_ok=True)
    await phone.screenshot(path=SHOTS / "survey-phone.png", full_page=True)

    summary = await api(server.base_url, "GET", f"/{meeting.id}/feedback", token)
    assert summary["count"] == 1 and summary["most_valuable"] == ["Hearing how Ward 3 did it"]
    # The facilitator's console, open since before the survey, shows it by itself (an answer
    # adds no live event: the panel asks again every 10 s), without a name.
    panel = meeting.facilitator.locator("#feedback-panel")
    await expect(panel).to_contain_text("Hearing how Ward 3 did it", timeout=15_000)
    await expect(panel).not_to_contain_text("Vera")
    # With names, every answer still fits the console's narrow side panel, and the panel keeps
    # asking with names.
    await panel.get_by_role("button", name="Show who said what").click()
    await expect(panel).to_contain_text("Vera")
    poll = panel.locator(".feedback-poll")
    await expect(poll).to_have_attribute("hx-get", f"/w/{meeting.id}/feedback-panel?names=1")
    widths = await panel.evaluate("p => [p.scrollWidth, p.clientWidth]")
    assert widths[0] <= widths[1], f"the answers with names stick out of the panel: {widths}"
    assert not tabs.errors and not tabs.dialogs


async def test_the_survey_opened_on_a_page_of_its_own_is_sent_from_there(
    server: Server, tabs: Tabs
) -> None:
    """A link kept from the room, or a reload: the page must send the form itself (its CSRF
    token) and look like the survey in the room (thumb-sized scores, in one row)."""
    meeting, token = await meeting_with_token(tabs, server.base_url)
    phone = await quick_join(tabs, meeting, "visitor", "Vera", PHONE)
    await api(server.base_url, "POST", f"/{meeting.id}/phase", token, json={"to": "reflection"})
    await phone.goto(f"{server.base_url}/w/{meeting.id}/survey")
    survey = phone.locator("#survey")
    choices = survey.locator(".score-choice")
    boxes = [await choices.nth(i).bounding_box() for i in range(5)]
    assert all(b is not None and b["height"] >= 44 for b in boxes), boxes
    assert len({round(b["y"]) for b in boxes if b is not None}) == 1, boxes
    await choices.filter(has_text="5").click()
    await survey.get_by_role("button", name="Send").click()
    await expect(survey.get_by_role("status")).to_contain_text("Thank you")
    summary = await api(server.base_url, "GET", f"/{meeting.id}/feedback", token)
    assert summary["count"] == 1
    assert not tabs.errors and not tabs.dialogs


async def test_after_closing_the_host_follows_up_and_an_outsider_reads_the_shared_record(
    server: Server, tabs: Tabs
) -> None:
    meeting, token = await meeting_with_token(tabs, server.base_url)
    workshop = f"/{meeting.id}"
    await api(server.base_url, "POST", f"{workshop}/phase", token, json={"to": "reflection"})
    card = {"kind": "takeaway", "text": "Book transport early."}
    await api(server.base_url, "POST", f"{workshop}/cards", token, json=card)
    await api(server.base_url, "POST", f"{workshop}/phase", token, json={"to": "commitment"})
    await api(server.base_url, "POST", f"{workshop}/actions", token, json={"title": "Book early"})
    pharmacy = {
        "title": "Ask pharmacy to stay open until seven for a month",
        "owner": "Pharmacy lead",
        "due_date": "2030-12-28",
    }
    added = await api(server.base_url, "POST", f"{workshop}/actions", token, json=pharmacy)
    await api(server.base_url, "POST", f"{workshop}/actions", token, json={"title": LONG_LINK})
    # The status column's longest word must fit it whole on paper ("progr ess").
    in_progress = {"status": "in_progress"}
    await api(
        server.base_url, "PATCH", f"{workshop}/actions/{added['id']}", token, json=in_progress
    )
    await api(
        server.base_url,
        "PUT",
        f"{workshop}/commitment",
        token,
        json={"report_back_by": "2030-01-31", "note": "At the board"},
    )
    await api(server.base_url, "POST", f"{workshop}/phase", token, json={"to": "closed"})
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The host updates the action on a phone: a status, a note, save.
    host = await quick_join(tabs, meeting, "host", "Hana", PHONE)
    await host.goto(f"{server.base_url}/w/{meeting.id}/follow-up")
    item = host.locator(".follow-up-list > li").first
    await item.locator(".status-choice").filter(has_text="Done").click()
    await item.get_by_label("Note").fill("All wards book at admission")
    await item.get_by_role("button", name="Save").click()
    await expect(host.locator(".follow-up-list > li").first.get_by_role("status")).to_have_text(
        "Saved."
    )
    did = host.locator("#report-back").get_by_label("What did the host team do?")
    await did.fill("Booked transport at admission")
    # What she types reads as her words, not in the bold of the label around the box.
    assert await did.evaluate("e => getComputedStyle(e).fontWeight") == "400"
    await host.locator("#report-back").get_by_role("button", name="Report back").click()
    await expect(host.locator("#report-back .saved")).to_be_visible()
    await expect(host.locator("#report-status")).to_have_text("reported back")
    await host.screenshot(path=SHOTS / "follow-up-phone.png", full_page=True)
    # The panel after the action list stands apart from its last card, as panels do.
    gap = await host.evaluate(
        "document.querySelector('#reminders').getBoundingClientRect().top"
        " - document.querySelector('.follow-up-list > li:last-child').getBoundingClientRect()"
        ".bottom"
    )
    assert gap >= 12, gap
    # The review's tables fit the host's phone: a wide one scrolls inside its own panel.
    await host.goto(f"{server.base_url}/w/{meeting.id}/review")
    measured = await overflow(host, PHONE)
    await host.screenshot(path=SHOTS / "review-phone.png", full_page=True)
    assert measured["scroll"] <= measured["width"], measured
    # ...and these few columns need no scrolling at all: no figure is cut at the panel's edge.
    scrolling = await host.evaluate(
        "[...document.querySelectorAll('.table-scroll')]"
        ".filter(t => t.scrollWidth > t.clientWidth + 1)"
        ".map(t => t.closest('section').getAttribute('aria-labelledby'))"
    )
    assert scrolling == [], scrolling
    joined = host.locator("#people-title ~ .table-scroll td:nth-child(3)").first
    await expect(joined).to_have_text(re.compile(r"^\d\d:\d\d$"))
    # The record's downloads, on the phone: a finger's height, as the room's are.
    await host.goto(f"{server.base_url}/w/{meeting.id}/record")
    tools = [await a.bounding_box() for a in await host.locator(".record-tools a").all()]
    assert len(tools) >= 4 and all(b is not None and b["height"] >= 44 for b in tools), tools
    # The printable action list, opened on the phone: no word is broken to narrow a column
    # ("Decemb er", "Pharmac y"), and nothing is wider than the screen.
    await host.goto(f"{server.base_url}/w/{meeting.id}/print")
    await expect(host.get_by_role("cell", name="Pharmacy lead")).to_be_visible()
    await host.screenshot(path=SHOTS / "print-phone.png", full_page=True)
    assert set(await broken_words(host)) <= {LONG_LINK}  # wider than the phone: it must break
    # Each action's block keeps within the page's margins, as the headings do.
    assert await rows_within_margins(host)
    measured = await overflow(host, PHONE)
    assert measured["scroll"] <= measured["width"], measured
    # Its Print button and the way back are a thumb's size, as the room's controls are (the
    # button was 21 px tall).
    for control in (host.get_by_role("button", name="Print"), host.locator(".tools a")):
        box = await control.bounding_box()
        assert box is not None and box["height"] >= 44, box
    # On paper (A4's width), the table keeps to the page: a link too long for its column
    # breaks inside it, and nothing else does.
    await host.set_viewport_size({"width": 794, "height": 1123})
    await host.emulate_media(media="print")
    assert await rows_within_margins(host)
    assert set(await broken_words(host)) <= {LONG_LINK}

    # The facilitator opens the review, then the record, and shares it.
    console = meeting.facilitator
    await console.goto(f"{server.base_url}/w/{meeting.id}/review")
    await expect(console.get_by_role("heading", name="After action review")).to_be_visible()
    await console.screenshot(path=SHOTS / "review.png", full_page=True)
    await console.goto(f"{server.base_url}/w/{meeting.id}/record")
    await console.get_by_role("button", name="Create a share link").click()
    link = await console.get_by_label("The new share link").input_value()
    assert "/s/" in link

    # Someone who was not there opens it: the record, with what happened next, and no meeting.
    outsider = await tabs.open("outsider", DESKTOP)
    await outsider.goto(link)
    await expect(outsider.get_by_role("heading", name="What happened next")).to_be_visible()
    await expect(outsider.locator(".record-actions")).to_contain_text("All wards book at admission")
    await expect(outsider.get_by_role("link", name="Back to the peer assist")).to_have_count(0)
    await outsider.screenshot(path=SHOTS / "shared-record.png", full_page=True)
    await outsider.goto(link + "/print")
    await outsider.screenshot(path=SHOTS / "shared-record-print.png", full_page=True)

    # Revoked from the record page, the link stops working.
    await console.get_by_role("button", name="Revoke").click()
    await expect(console.locator("#share")).to_contain_text("revoked")
    response = await outsider.goto(link)
    assert response is not None and response.status == 410
    assert not tabs.errors and not tabs.dialogs


async def test_the_feedback_panels_own_asking_again_is_nobodys_write(
    server: Server, tabs: Tabs
) -> None:
    """The panel asks again every 10 s by itself. An answer it does not get (the server busy,
    the seat gone) is not a write of the facilitator's to report or retry: no "Not saved,
    retrying…", no toast every 10 s; at a refusal it stops asking."""
    meeting, _ = await meeting_with_token(tabs, server.base_url)
    console = meeting.facilitator
    poll = console.locator("#feedback-panel .feedback-poll")
    await expect(poll).to_have_count(1)
    answers = iter([503, 403])
    asked: list[int] = []

    async def refuse(route) -> None:  # type: ignore[no-untyped-def]
        status = next(answers, 403)
        asked.append(status)
        body = '{"detail": "Refused for this test.", "code": "forbidden"}'
        await route.fulfill(status=status, body=body, content_type="application/json")

    tabs.provoke(r"status of 503|Error Code 503 from .*/feedback-panel")
    await console.route(re.compile(r".*/feedback-panel.*"), refuse)
    await expect(poll).to_have_count(0, timeout=25_000)  # gone at the 403
    assert asked == [503, 403]
    await expect(console.locator("#toast")).to_be_hidden()
    assert "retrying" not in await console.locator("body").inner_text()
    assert not tabs.errors, tabs.errors
