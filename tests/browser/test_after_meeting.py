"""After the meeting in a real browser: the survey on a phone, the record shared outside."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.conftest import Server

from .conftest import ARTIFACTS, DESKTOP, PHONE, Tabs
from .meeting import INVITE_LABELS, Meeting, create_by_api, enter, quick_join

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
    # The facilitator's console shows it, without a name.
    await meeting.facilitator.reload()
    panel = meeting.facilitator.locator("#feedback-panel")
    await expect(panel).to_contain_text("Hearing how Ward 3 did it")
    await expect(panel).not_to_contain_text("Vera")
    assert not tabs.errors and not tabs.dialogs
