"""Reminders to report back arrive at a real SMTP server (aiosmtpd), each exactly once, with
the clock moved forward instead of waited for, and across a restart of the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from app.domain.dates import long_date
from app.main import create_app
from tests.api.helpers import add_action, url
from tests.conftest import Clock, Inbox, free_port, make_settings
from tests.factories import create_room, join, move


@asynccontextmanager
async def running(
    tmp_path: Path, database_url: str, clock: Clock, port: int
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    settings = make_settings(
        tmp_path,
        database_url,
        smtp_url=f"smtp://127.0.0.1:{port}",
        smtp_from="Peer Assist Live <reminders@example.org>",
        reminder_days_before=3,
        reminder_every_s=0.02,
    )
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


async def rounds_pass(application: Any, count: int = 3) -> None:
    """Let the background loop run `count` more rounds (a wait, never an assertion on time)."""
    loop = application.state.reminders
    target = loop.rounds + count
    for _ in range(5000):
        if loop.rounds >= target:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the reminder loop stopped running")


async def arrived(inbox: Inbox, application: Any, count: int) -> None:
    for _ in range(200):
        if len(inbox.messages) >= count:
            return
        await rounds_pass(application, 1)
    raise AssertionError(f"expected {count} messages, got {len(inbox.messages)}")


async def test_each_reminder_arrives_once_even_across_a_restart(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    today = clock().date()
    by = today + timedelta(days=10)
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await create_room(client, title="Discharge delays")
        host = await join(client, room, "host", "Hana Host")
        await move(client, room, "commitment")
        await add_action(client, room, host, "Book transport at admission", owner="Hana")
        done = await add_action(client, room, host, "Already finished")
        await client.patch(
            url(room, f"/actions/{done.json()['id']}"),
            json={"status": "done"},
            headers=host.headers,
        )
        response = await client.put(
            url(room, "/commitment"), json={"report_back_by": str(by)}, headers=host.headers
        )
        assert response.status_code == 200
        emails = {"emails": ["Hana@Example.org", "ada@example.org", "hana@example.org"]}
        response = await client.put(url(room, "/reminders"), json=emails, headers=host.headers)
        assert response.json() == {"emails": ["hana@example.org", "ada@example.org"]}
        await move(client, room, "closed")

        await rounds_pass(application)
        assert inbox.messages == []  # ten days ahead: too early

        clock.advance(86400 * 8)  # two days before the date
        await arrived(inbox, application, 1)
        await rounds_pass(application)
        assert len(inbox.messages) == 1
        recipients, message = inbox.messages[0]
        assert sorted(recipients) == ["ada@example.org", "hana@example.org"]
        # Said as every page says a date, not as ISO.
        assert (
            message["Subject"] == f"Reminder: report back on “Discharge delays” by {long_date(by)}"
        )
        body = message.get_content()
        assert "- Book transport at admission (Open, Hana)" in body
        assert "Already finished" not in body
        assert f"http://testserver/w/{room.id}/follow-up" in body

    # A restart sends nothing again.
    async with running(tmp_path, database_url, clock, port) as (application, client):
        await rounds_pass(application)
        assert len(inbox.messages) == 1

        clock.advance(86400 * 3)  # the date has passed with no report
        await arrived(inbox, application, 2)
        await rounds_pass(application)
        assert len(inbox.messages) == 2
        assert inbox.messages[1][1]["Subject"].startswith("Overdue: report back on")

        response = await client.put(
            url(room, "/report-back"), json={"did": "Booked at admission"}, headers=host.headers
        )
        assert response.status_code == 200
        clock.advance(86400 * 30)
        await rounds_pass(application)
        assert len(inbox.messages) == 2


async def test_a_failed_send_is_tried_again_and_addresses_are_checked(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    port = free_port()  # nothing listens here yet
    async with running(tmp_path, database_url, clock, port) as (application, client):
        await application.state.reminders.stop()  # rounds are run by hand here
        room = await create_room(client)
        host = await join(client, room, "host", "Hana Host")
        visitor = await join(client, room, "visitor", "Vera")
        await move(client, room, "commitment")
        when = clock().date() + timedelta(days=1)
        await client.put(
            url(room, "/commitment"), json={"report_back_by": str(when)}, headers=host.headers
        )
        bad = await client.put(
            url(room, "/reminders"), json={"emails": ["not an address"]}, headers=host.headers
        )
        assert bad.status_code == 422 and bad.json()["code"] == "bad_email"
        refused = await client.put(
            url(room, "/reminders"), json={"emails": ["v@example.org"]}, headers=visitor.headers
        )
        assert refused.status_code == 403
        await client.put(
            url(room, "/reminders"), json={"emails": ["h@example.org"]}, headers=host.headers
        )
        loop = application.state.reminders
        assert await loop.run_once() == 0  # the server is down: the claim is given back
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            assert await loop.run_once() == 1
            assert await loop.run_once() == 0
        finally:
            controller.stop()
        assert len(inbox.messages) == 1
