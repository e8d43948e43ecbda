"""The invitation list, the briefing and invitations by mail, against a real SMTP server
(aiosmtpd): every invitation arrives once, its link works, its calendar part is a request;
a refusing server shows on the console and loses nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest

from app.main import create_app
from tests.conftest import Clock, Inbox, free_port, make_settings
from tests.factories import Account, Room, create_room, join, make_account

UNITS = ["Pharmacy", "Estates", "Ward 3", "Ward 3", "Outpatients", "Theatres"]


@asynccontextmanager
async def running(
    tmp_path: Path, database_url: str, clock: Clock, port: int | None
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    mail = {"smtp_url": f"smtp://127.0.0.1:{port}"} if port else {}
    settings = make_settings(
        tmp_path, database_url, smtp_from="Ada <peer-assist@example.org>", **mail
    )
    application = create_app(settings, clock=clock)
    if application.state.invitations is not None:
        application.state.invitations.retry_delays = (0.01, 0.01)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


async def prepared(client: httpx.AsyncClient, clock: Clock, owner: Account | None = None) -> Room:
    starts = (clock() + timedelta(days=21)).replace(hour=9, minute=0)
    room = await create_room(
        client,
        owner=owner,
        starts_at=starts.isoformat(),
        decision_date=(starts + timedelta(days=30)).date().isoformat(),
    )
    base = f"/w/{room.id}/before"
    headers = room.facilitator.headers
    response = await client.post(
        f"{base}/briefing",
        data={
            "purpose": "Learn how other wards cut discharge delays",
            "background": "We tried a discharge lounge in 2024.",
            "links": "https://example.org/audit",
            "ground_rules": "Phones down.",
        },
        headers=headers,
    )
    assert response.status_code == 200 and "Saved." in response.text, response.text
    people = [("Hana", "hana@x.org", "Ward 7", "host", 4)] + [
        (f"Visitor {i}", f"v{i}@x.org", UNITS[i], "visitor", 10 + i) for i in range(6)
    ]
    for name, email, unit, role, years in people:
        response = await client.post(
            f"{base}/invitees",
            data={"name": name, "email": email, "unit": unit, "role": role, "years": str(years)},
            headers=headers,
        )
        assert response.status_code == 200 and 'role="alert"' not in response.text
    return room


async def send_all(application: Any, client: httpx.AsyncClient, room: Room) -> httpx.Response:
    """Send the invitations, then wait until each mail has gone or been given up."""
    sent = await client.post(f"/w/{room.id}/before/send", headers=room.facilitator.headers)
    await application.state.invitations.idle()
    return sent


async def test_the_hints_change_as_the_list_grows(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    async with running(tmp_path, database_url, clock, None) as (_, client):
        room = await create_room(client)
        base, headers = f"/w/{room.id}/before", room.facilitator.headers
        page = await client.get(base, headers=headers)
        assert page.status_code == 200
        assert 'data-code="few_visitors"' in page.text
        assert "style=" not in page.text and "<script>" not in page.text
        for i in range(6):
            listed = await client.post(
                f"{base}/invitees",
                data={
                    "name": f"P{i}",
                    "email": f"p{i}@x.org",
                    "unit": "Pharmacy",
                    "role": "visitor",
                },
                headers=headers,
            )
        assert 'data-code="few_visitors"' not in listed.text
        assert 'data-code="one_unit"' in listed.text
        assert "<svg" in listed.text and "6 visitors by unit: Pharmacy: 6." in listed.text
        twice = await client.post(
            f"{base}/invitees",
            data={"name": "Again", "email": "P0@x.org", "unit": "X", "role": "visitor"},
            headers=headers,
        )
        assert "on the list already" in twice.text
        assert "This installation has no mail server" in twice.text


async def test_every_invitation_arrives_once_with_a_working_link_and_a_request(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)
        headers = room.facilitator.headers
        assert (await send_all(application, client, room)).status_code == 200
        assert (await send_all(application, client, room)).status_code == 200
        assert sorted(r[0] for r, _ in inbox.messages) == sorted(
            ["hana@x.org"] + [f"v{i}@x.org" for i in range(6)]
        )
        listed = await client.get(f"/w/{room.id}/before/list", headers=headers)
        assert listed.text.count(">sent</span>") == 7
        _, message = next(m for m in inbox.messages if m[0] == ["v3@x.org"])
        text = message.get_body(("plain",)).get_content()
        assert "to learn" in text and "Phones down." in text and "not recorded" in text
        link = re.search(r"http://testserver(/i/[\w-]+)", text).group(1)
        briefing = await client.get(link)
        assert briefing.status_code == 200
        assert "Learn how other wards cut discharge delays" in briefing.text
        assert "We tried a discharge lounge" in briefing.text
        # The decision date as every page says a date.
        decides = re.search(r"decides by <strong>([^<]+)</strong>", briefing.text).group(1)
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", decides), decides
        # Their own code rides along, so the join page knows their name.
        join_path = re.search(r'href="(/j/[\w-]+)\?invitee=[\w-]+"', briefing.text).group(1)
        assert (await client.get(join_path)).status_code == 200
        joined = await client.post(
            f"/api/v1/join/{join_path.removeprefix('/j/')}",
            json={"name": "Visitor 3", "accept_ground_rules": True},
        )
        assert joined.status_code == 201 and joined.json()["participant"]["role"] == "visitor"
        calendars = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert calendars
        cal = icalendar.Calendar.from_ical(calendars[0].get_content())
        assert str(cal["METHOD"]) == "REQUEST"
        (event,) = cal.walk("VEVENT")
        assert "v3@x.org" in str(event["ATTENDEE"])
        assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=120)
        assert link in str(event["DESCRIPTION"]).replace("http://testserver", "")


async def test_after_the_start_moves_sending_again_mails_the_new_time(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)
        headers, base = room.facilitator.headers, f"/w/{room.id}/before"
        await send_all(application, client, room)
        moved = (clock() + timedelta(days=28)).replace(hour=14, minute=0, second=0, microsecond=0)
        saved = await move_start(client, room, moved)
        assert "Saved." in saved.text, saved.text
        listed = await client.get(f"{base}/list", headers=headers)
        assert listed.text.count("sent with the old time") == 7
        await send_all(application, client, room)
        await send_all(application, client, room)  # nobody is left with the old time
        assert len(inbox.messages) == 14
        listed = await client.get(f"{base}/list", headers=headers)
        assert listed.text.count(">sent</span>") == 7  # beside the seven old ones, kept
        events = []
        for _, message in inbox.messages:
            part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
            (event,) = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
            events.append((int(event["SEQUENCE"]), event["DTSTART"].dt, str(event["UID"])))
        assert {e[0] for e in events[:7]} == {0} and {(1, moved)} == {e[:2] for e in events[7:]}
        assert len({e[2] for e in events}) == 1  # the same meeting, moved, in every calendar


async def move_start(client: httpx.AsyncClient, room: Room, to: datetime) -> httpx.Response:
    """The Before page's "When" form, moving the start and keeping the decision date."""
    page = await client.get(f"/w/{room.id}/before", headers=room.facilitator.headers)
    decision = re.search(r'name="decision_date"[^>]*value="([^"]*)"', page.text)
    assert decision and decision.group(1), "the form shows the decision date"
    return await client.post(
        f"/w/{room.id}/before/schedule",
        data={"starts_at": f"{to:%Y-%m-%dT%H:%M}", "decision_date": decision.group(1)},
        headers=room.facilitator.headers,
    )


async def test_a_mail_still_queued_when_the_start_moves_goes_once_with_the_new_time(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    """A mail is built as it is sent: one queued before the move carried the new time but was
    recorded with the old, so the next Send mailed everyone a second time."""
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)
        sender = application.state.invitations
        kick, sender.kick = sender.kick, lambda workshop_id: None  # queued, not yet sent
        assert (await send_all(application, client, room)).status_code == 200
        sender.kick = kick
        moved = (clock() + timedelta(days=28)).replace(hour=14, minute=0, second=0, microsecond=0)
        assert "Saved." in (await move_start(client, room, moved)).text
        await send_all(application, client, room)
        await send_all(application, client, room)
        assert len(inbox.messages) == 7
        listed = await client.get(f"/w/{room.id}/before/list", headers=room.facilitator.headers)
        assert "sent with the old time" not in listed.text
        assert listed.text.count(">sent</span>") == 7


async def test_a_refusing_server_shows_on_the_console_and_loses_nothing(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = True
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)
        headers = room.facilitator.headers
        await send_all(application, client, room)
        listed = await client.get(f"/w/{room.id}/before/list", headers=headers)
        assert listed.text.count(">bounced</span>") == 7
        assert "No such mailbox" in listed.text
        assert inbox.messages == []
        # The server accepts again: sending again reaches everyone, once each.
        inbox.refuse = False
        await send_all(application, client, room)
        assert len(inbox.messages) == 7
        listed = await client.get(f"/w/{room.id}/before/list", headers=headers)
        assert listed.text.count(">sent</span>") == 7


async def test_without_smtp_the_text_and_the_ics_are_offered(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    async with running(tmp_path, database_url, clock, None) as (_, client):
        room = await prepared(client, clock)
        headers = room.facilitator.headers
        page = await client.get(f"/w/{room.id}/before", headers=headers)
        # Six visitors from five units, each with more years than the host team: across, not up.
        assert re.findall(r'data-code="(\w+)"', page.text) == ["only_senior"]
        ids = sorted(set(re.findall(r"/before/invitees/(\d+)/text", page.text)), key=int)
        assert len(ids) == 7
        text = await client.get(f"/w/{room.id}/before/invitees/{ids[1]}/text", headers=headers)
        assert "Dear Visitor 0" in text.text and "/i/" in text.text
        # Dates in words, as the pages say them.
        assert re.search(r"When: \d{1,2} [A-Z][a-z]+ \d{4}, 09:00 [A-Z]+, for", text.text)
        assert re.search(r"decides by \d{1,2} [A-Z][a-z]+ \d{4}\.", text.text), text.text
        ics = await client.get(f"/w/{room.id}/before/invitees/{ids[1]}/invite.ics", headers=headers)
        assert ics.headers["content-type"].startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(ics.content)
        assert str(cal["METHOD"]) == "REQUEST"
        # Made by the first admin, whose address (admin@localhost) reaches nobody: the request
        # names no organiser rather than a made-up one, and asks for no reply.
        (event,) = cal.walk("VEVENT")
        assert "ORGANIZER" not in event
        assert "RSVP" not in event["ATTENDEE"].params
        # A visitor's token cannot read the list.
        stranger = await client.get(f"/w/{room.id}/before/invitees/{ids[1]}/text")
        assert stranger.status_code in (401, 403)


@pytest.mark.parametrize("with_mail", [False, True], ids=["no-smtp", "smtp"])
async def test_only_the_facilitator_reads_or_changes_the_list(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int], with_mail: bool
) -> None:
    """Names, addresses and units are the facilitator's to see: nobody else gets the list, not
    from a read, a refused write, or sending (which, with no mail server, refuses first)."""
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port if with_mail else None) as (_, client):
        room = await prepared(client, clock)
        others = {"nobody": {}}
        for role in ("visitor", "host", "projector"):
            others[role] = (await join(client, room, role, role.title())).headers
        base = f"/w/{room.id}/before"
        person = {"name": "Ivy", "email": "ivy@x.org", "unit": "Ward 9", "role": "visitor"}
        tries = [
            ("GET", f"{base}/list", None),
            ("POST", f"{base}/send", None),
            ("POST", f"{base}/invitees", person),
            ("POST", f"{base}/invitees", {**person, "years": "many"}),
            ("POST", f"{base}/invitees/1/remove", None),
            ("POST", f"{base}/briefing", {"purpose": "Theirs now"}),
        ]
        for who, headers in others.items():
            for method, path, form in tries:
                answer = await client.request(method, path, data=form, headers=headers)
                assert answer.status_code in (401, 403), (who, method, path, answer.status_code)
                assert "@x.org" not in answer.text and "Ward 3" not in answer.text, (who, path)
        listed = await client.get(f"{base}/list", headers=room.facilitator.headers)
        assert listed.status_code == 200 and "v0@x.org" in listed.text
        assert "Ivy" not in listed.text and not inbox.messages
        page = await client.get(base, headers=room.facilitator.headers)
        assert "Learn how other wards cut discharge delays" in page.text


async def test_without_a_start_time_no_calendar_invite_is_offered(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    async with running(tmp_path, database_url, clock, None) as (_, client):
        room = await create_room(client)  # no starts_at
        headers = room.facilitator.headers
        added = await client.post(
            f"/w/{room.id}/before/invitees",
            data={"name": "Hana", "email": "hana@x.org", "unit": "Ward 7", "role": "host"},
            headers=headers,
        )
        assert added.status_code == 200, added.text
        page = await client.get(f"/w/{room.id}/before", headers=headers)
        (person,) = set(re.findall(r"/before/invitees/(\d+)/text", page.text))
        # A link that only fails to download would leave the facilitator guessing.
        assert "invite.ics" not in page.text
        assert "made without a start time" in page.text
        ics = await client.get(f"/w/{room.id}/before/invitees/{person}/invite.ics", headers=headers)
        assert ics.status_code == 409


async def test_what_a_stopped_server_left_queued_goes_out_on_the_next_start(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    nobody = free_port()  # nothing listens here: the first try fails, the retry waits
    async with running(tmp_path, database_url, clock, nobody) as (application, client):
        application.state.invitations.retry_delays = (3600.0,)
        room = await prepared(client, clock)
        await client.post(f"/w/{room.id}/before/send", headers=room.facilitator.headers)
        listed = await client.get(f"/w/{room.id}/before/list", headers=room.facilitator.headers)
        assert listed.text.count(">sending</span>") == 7
    async with running(tmp_path, database_url, clock, port) as (application, client):
        await application.state.invitations.idle()
        assert len(inbox.messages) == 7
        listed = await client.get(f"/w/{room.id}/before/list", headers=room.facilitator.headers)
        assert listed.text.count(">sent</span>") == 7


async def test_a_calendar_request_is_stamped_when_made_and_comes_from_the_owner(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        owner = await make_account(client, "Olu Owner")
        room = await prepared(client, clock, owner=owner)
        headers = room.facilitator.headers
        page = await client.get(f"/w/{room.id}/before", headers=headers)
        person = re.findall(r"/before/invitees/(\d+)/invite.ics", page.text)[1]
        downloads = []
        for _ in range(2):
            clock.advance(3600)
            ics = await client.get(
                f"/w/{room.id}/before/invitees/{person}/invite.ics", headers=headers
            )
            downloads.append(icalendar.Calendar.from_ical(ics.content))
        await client.post(f"/w/{room.id}/before/send", headers=headers)
        await application.state.invitations.idle()
        _, message = next(m for m in inbox.messages if m[0] == ["v0@x.org"])
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        mailed = icalendar.Calendar.from_ical(part.get_content())
    stamps = []
    for cal in [*downloads, mailed]:
        (event,) = cal.walk("VEVENT")
        # DTSTAMP is when the request was made, by the app's clock, not the session's start.
        stamps.append(event["DTSTAMP"].dt)
        assert event["DTSTAMP"].dt != event["DTSTART"].dt
        # Replies reach the owner's own address, not the mail server's sender.
        assert str(event["ORGANIZER"]) == f"mailto:{owner.email}"
        assert event["ORGANIZER"].params["CN"] == "Olu Owner"
        assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert stamps == [clock() - timedelta(hours=1), clock(), clock()]
