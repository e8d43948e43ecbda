"""Inviting someone to an account mails them the one-time link when the installation has a mail
server (a real one here, aiosmtpd); the page still shows the link, and says when the mail
could not go."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from app.exports.account_mail import account_invite_message
from tests.api.test_admin_forms import WELCOME, signed_in_admin
from tests.api.test_invitations import running
from tests.conftest import Clock, Inbox

TYPED = {"name": "Nia New", "email": "nia@example.org", "role": "facilitator"}


async def invited_by_form(client: httpx.AsyncClient) -> str:
    """The admin invites TYPED from the admin page; the page it comes back to."""
    csrf = await signed_in_admin(client)
    sent = await client.post("/admin/accounts", data={"csrf": csrf, **TYPED})
    assert sent.status_code == 303
    return (await client.get("/admin")).text


async def test_an_invited_account_gets_its_link_by_mail(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    async with running(tmp_path, database_url, clock, port) as (_, client):
        page = await invited_by_form(client)
        assert "we mailed them this link" in page
        (shown,) = WELCOME.findall(page)
        ((to, message),) = inbox.messages
        assert to == ["nia@example.org"]
        assert message["Subject"] == "Your Peer Assist Live account"
        text = message.get_body(("plain",)).get_content()
        assert "Dear Nia New" in text and "Alex Admin" in text and "run peer assists" in text
        mailed = re.search(r"http://\S+/welcome/\S+", text).group(0)
        assert mailed == shown
        assert (await client.get(mailed.removeprefix("http://testserver"))).status_code == 200


async def test_a_mail_that_cannot_go_leaves_the_link_on_the_page(
    tmp_path: Path, database_url: str, clock: Clock, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse = True
    async with running(tmp_path, database_url, clock, port) as (_, client):
        page = await invited_by_form(client)
        assert "the mail to nia@example.org could not be sent" in page
        assert len(WELCOME.findall(page)) == 1
        assert inbox.messages == []
        # The account stands: the admin passes the link on.
        assert "invited, not signed in yet" in page


def test_under_single_sign_on_the_mail_leads_to_the_organisations_sign_in() -> None:
    """The welcome page only leads on to the organisation's sign-in, which works for good:
    nothing is used up, so the mail promises no single use and no expiry."""
    message = account_invite_message(
        name="Nia New",
        email="nia@example.org",
        role="facilitator",
        link="http://testserver/welcome/x",
        invited_by="Alex Admin",
        sender="Peer Assist Live <pa@example.org>",
        single_sign_on=True,
    )
    text = message.get_content()
    assert "organisation's account as nia@example.org" in text
    assert "once" not in text and "days" not in text
