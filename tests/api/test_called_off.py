"""A peer assist called off from its welcome never met: it takes no action list, commitment,
feedback or report back, and nobody is reminded to report back on it."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.actions.reminders import due_reminders
from app.db.models import Commitment
from tests.api.helpers import assert_error, url
from tests.conftest import Clock
from tests.factories import admin, create_room, join, move

CALLED_OFF = "called off before it began"


async def test_a_called_off_peer_assist_takes_no_follow_up(
    app, client: httpx.AsyncClient, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    room = await create_room(client)
    host = await join(client, room, "host", "Hana")
    visitor = await join(client, room, "visitor", "Vera")
    await move(client, room, "closed")
    by = clock().date() + timedelta(days=3)
    for who, method, path, body in (
        (host, "POST", "/actions", {"title": "Book transport"}),
        (host, "PUT", "/commitment", {"report_back_by": str(by)}),
        (visitor, "POST", "/feedback", {"satisfaction": 4}),
        (host, "PUT", "/report-back", {"did": "Booked it"}),
    ):
        response = await client.request(method, url(room, path), json=body, headers=who.headers)
        assert CALLED_OFF in assert_error(response, 409)["detail"], path
    # A date written before such a peer assist refused one reminds nobody.
    emails = {"emails": ["hana@example.org"]}
    assert (await client.put(url(room, "/reminders"), json=emails, headers=host.headers)).is_success
    held = await create_room(client)
    held_host = await join(client, held, "host", "Hal")
    await move(client, held, "commitment")
    promise = {"report_back_by": str(by)}
    assert (
        await client.put(url(held, "/commitment"), json=promise, headers=held_host.headers)
    ).is_success
    assert (
        await client.put(url(held, "/reminders"), json=emails, headers=held_host.headers)
    ).is_success
    db = app.state.services.db
    with db.transaction() as session:
        session.add(
            Commitment(workshop_id=room.id, report_back_by=by, set_by=host.id, set_at=clock())
        )
    due = due_reminders(db, today=clock().date(), days_before=7)
    assert {r.workshop["id"] for r in due} == {held.id}, "the called-off one is reminded"


async def test_the_library_says_called_off_and_it_is_no_answer_to_solved_before(
    client: httpx.AsyncClient,
) -> None:
    title, problem = "Night-time falls on the ward", "Frail patients fall at night."
    called_off = await create_room(client, title=title, problem=problem)
    await move(client, called_off, "closed")
    held = await create_room(client, title=f"{title} again", problem=problem)
    await move(client, held, "context")
    await move(client, held, "closed")
    page = (await client.get("/library", headers=admin())).text
    entry = page.split(f"/w/{called_off.id}/", 1)[1].split("</li>", 1)[0]
    assert "<dt>When</dt><dd>Called off before it began</dd>" in entry, entry
    other = page.split(f"/w/{held.id}/", 1)[1].split("</li>", 1)[0]
    assert "Called off" not in other and "<time" in other
    typed = {"title": "", "problem": "Our patients keep having falls at night"}
    similar = (await client.post("/start/similar", data=typed, headers=admin())).text
    assert f"/w/{held.id}/record" in similar and f"/w/{called_off.id}/" not in similar


async def test_the_survey_of_a_called_off_peer_assist_offers_nothing_to_rate(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    await move(client, room, "closed")
    for fetched in ({}, {"HX-Request": "true"}):
        page = await client.get(f"/w/{room.id}/survey", headers={**vera.headers, **fetched})
        assert page.status_code == 200
        assert "called off before it began" in page.text and "How was it?" not in page.text
        assert 'name="satisfaction"' not in page.text
