"""The timing check: too few days between the peer assist and the decision draws a warning,
as an extra field beside the contract's own."""

from __future__ import annotations

from datetime import date, timedelta

import httpx

from tests.factories import API, create_room


async def test_a_decision_days_after_the_meeting_is_warned_of(
    client: httpx.AsyncClient, clock
) -> None:
    today = clock().date()
    starts = today + timedelta(days=7)
    room = await create_room(
        client,
        starts_at=f"{starts.isoformat()}T09:00:00Z",
        decision_date=(starts + timedelta(days=5)).isoformat(),
    )
    warning = room.created["timing_warning"]
    assert warning["code"] == "decision_too_soon" and warning["days_to_act"] == 5
    assert "5 days" in warning["detail"]
    state = await client.get(f"{API}/workshops/{room.id}", headers=room.facilitator.headers)
    assert state.json()["timing_warning"] == warning
    assert set(room.created) >= {"workshop", "facilitator_token", "invites"}
    # The console loads the same warning beside the board.
    console = await client.get(f"/w/{room.id}", headers=room.facilitator.headers)
    assert f'hx-get="/w/{room.id}/before/timing"' in console.text
    shown = await client.get(f"/w/{room.id}/before/timing", headers=room.facilitator.headers)
    assert warning["detail"] in shown.text.replace("&#39;", "'")


async def test_enough_time_or_no_decision_date_means_no_warning(
    client: httpx.AsyncClient, clock
) -> None:
    today: date = clock().date()
    roomy = await create_room(client, decision_date=(today + timedelta(days=14)).isoformat())
    assert roomy.created["timing_warning"] is None
    undated = await create_room(client)
    assert undated.created["timing_warning"] is None


async def test_the_start_form_warns_as_dates_are_chosen(client: httpx.AsyncClient, clock) -> None:
    today = clock().date()
    form = {"decision_date": (today + timedelta(days=3)).isoformat()}
    response = await client.post("/start/advice", data=form)
    assert response.status_code == 200
    assert "only 3 days after" in response.text
    form = {"decision_date": (today + timedelta(days=30)).isoformat()}
    assert "only" not in (await client.post("/start/advice", data=form)).text


async def test_a_start_that_has_passed_draws_advice_not_a_refusal(
    client: httpx.AsyncClient, clock
) -> None:
    past = clock() - timedelta(days=30)
    form = {"starts_at": f"{past:%Y-%m-%dT%H:%M}", "time_zone": "Europe/London"}
    advice = await client.post("/start/advice", data=form)
    assert "That start time has already passed" in advice.text.replace("&#39;", "'")
    # Noon on the clock's day: still ahead in London (09:00 UTC now), gone by in Tokyo.
    noon = {"starts_at": f"{clock():%Y-%m-%d}T12:00", "decision_date": ""}
    london = await client.post("/start/advice", data={**noon, "time_zone": "Europe/London"})
    tokyo = await client.post("/start/advice", data={**noon, "time_zone": "Asia/Tokyo"})
    assert "already passed" not in london.text and "already passed" in tokyo.text
    # The API records a meeting held before as it is told: no refusal, no warning.
    room = await create_room(client, starts_at=past.isoformat())
    assert room.created["workshop"]["starts_at"] is not None
    # The Before page's form asks the same advice, in the room's own zone.
    page = await client.get(f"/w/{room.id}/before", headers=room.facilitator.headers)
    assert 'name="time_zone" value="Europe/London"' in page.text
    assert page.text.count('hx-post="/start/advice"') == 2
