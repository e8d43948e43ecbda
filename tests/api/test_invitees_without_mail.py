"""Someone with no email address is invited all the same: the text to copy and the .ics are
there for exactly them. Sending by mail passes them by, and the list says so."""

from __future__ import annotations

import re
from pathlib import Path

import icalendar

from tests.api.test_invitations import prepared, running, send_all
from tests.conftest import Clock, Inbox


async def test_a_person_without_an_address_is_listed_and_passed_by_when_mailing(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)
        base, headers = f"/w/{room.id}/before", room.facilitator.headers
        page = await client.get(base, headers=headers)
        # The form asks for an address without insisting on one.
        email_input = re.search(r'<input name="email"[^>]*>', page.text).group(0)
        assert "required" not in email_input
        for name in ("Otto", "Pia"):  # two of them: no address is nobody's address twice
            added = await client.post(
                f"{base}/invitees",
                data={"name": name, "email": "  ", "unit": "Porters", "role": "visitor"},
                headers=headers,
            )
            assert added.status_code == 200 and 'role="alert"' not in added.text, added.text
        assert "Otto" in added.text and "Pia" in added.text
        # Sent twice (a double tap), Otto is still listed once: no address tells him apart.
        again = await client.post(
            f"{base}/invitees",
            data={"name": "otto", "email": "", "unit": "Porters", "role": "visitor"},
            headers=headers,
        )
        assert "is on the list already, without an address" in again.text
        assert again.text.count("Dear Otto") <= 1 and again.text.count(">Otto<") <= 1
        assert (await send_all(application, client, room)).status_code == 200
        assert len(inbox.messages) == 7  # the seven with an address, nobody else
        listed = await client.get(f"{base}/list", headers=headers)
        assert listed.text.count(">sent</span>") == 7
        otto = listed.text.split("Otto", 1)[1].split("</tr>", 1)[0]
        assert "no email address" in otto and "not mailed" in otto and "not sent" not in otto
        (otto_id,) = set(re.findall(r"/before/invitees/(\d+)/text", otto))
        text = await client.get(f"{base}/invitees/{otto_id}/text", headers=headers)
        assert text.status_code == 200 and "Dear Otto" in text.text and "/i/" in text.text
        assert "&lt;None&gt;" not in text.text and "&lt;&gt;" not in text.text
        ics = await client.get(f"{base}/invitees/{otto_id}/invite.ics", headers=headers)
        assert ics.status_code == 200
        (event,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
        # No address to name: the file goes into the person's own calendar, by hand.
        assert "ATTENDEE" not in event and "mailto:None" not in ics.text
        link = re.search(r"http://testserver(/i/[\w-]+)", text.text).group(1)
        assert (await client.get(link)).status_code == 200


async def test_an_address_that_is_not_one_is_still_refused(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    async with running(tmp_path, database_url, clock, None) as (_, client):
        room = await prepared(client, clock)
        refused = await client.post(
            f"/w/{room.id}/before/invitees",
            data={"name": "Otto", "email": "otto at porters", "unit": "", "role": "visitor"},
            headers=room.facilitator.headers,
        )
        assert "do not look like email addresses" in refused.text
        assert 'value="otto at porters"' in refused.text


async def test_the_host_team_is_told_its_own_part_not_a_visitor_s(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    """Hana, invited with the host team, was asked to come and share her experience with a
    host team: she is that team. Each invitation (text, mail, calendar) says the part of the
    role it was made for."""
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (application, client):
        room = await prepared(client, clock)  # Hana is the host; the six others visit
        base, headers = f"/w/{room.id}/before", room.facilitator.headers
        page = await client.get(base, headers=headers)
        ids = sorted(set(re.findall(r"/before/invitees/(\d+)/text", page.text)), key=int)
        host, visitor = ids[0], ids[1]
        texts = {}
        for who, person in (("host", host), ("visitor", visitor)):
            shown = (await client.get(f"{base}/invitees/{person}/text", headers=headers)).text
            ics = await client.get(f"{base}/invitees/{person}/invite.ics", headers=headers)
            (event,) = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
            texts[who] = (shown, str(event["DESCRIPTION"]))
        await send_all(application, client, room)
        mailed = {
            to[0]: m.get_body(("plain",)).get_content().replace("\r\n", "\n")
            for to, m in inbox.messages
        }
        texts["host"] += (mailed["hana@x.org"],)
        texts["visitor"] += (mailed["v0@x.org"],)
    for said in texts["host"]:
        assert "with the host team" in said, said
        assert "present the context" in said and "listen" in said and "report back" in said
        assert "learn from you" not in said and "asks peers from elsewhere" not in said
    for said in texts["visitor"]:
        assert "asks peers from elsewhere" in said and "with the host team" not in said
