"""The admin's forms and the API tokens form answer a save with a redirect: a reload sends
nothing again, and the one-time link or token is shown once, on the page the redirect leads to,
never in its address. A refusal shows the form again with what was typed."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from tests.conftest import Clock
from tests.factories import cookie_csrf, make_account, sign_in, sign_in_link

WELCOME = re.compile(r'value="(http://[^"]+/welcome/[^"]+)"')


async def signed_in_admin(client: httpx.AsyncClient) -> str:
    """An admin signed in by password in the client's cookie jar; the forms' CSRF token.
    (make_account takes its own account's cookie off the jar: call it before this.)"""
    alex = await make_account(client, "Alex Admin", role="admin")
    return cookie_csrf(await sign_in(client, alex))


async def test_an_invite_redirects_and_shows_its_link_once(
    client: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    csrf = await signed_in_admin(client)
    typed = {"csrf": csrf, "name": "Nia New", "email": "nia@example.org", "role": "facilitator"}
    sent = await client.post("/admin/accounts", data=typed)
    assert sent.status_code == 303 and sent.headers["location"] == "/admin"
    page = await client.get("/admin")
    assert page.status_code == 200
    assert "Invited Nia New" in page.text
    links = WELCOME.findall(page.text)
    assert len(links) == 1, page.text
    assert page.headers["cache-control"] == "no-store"
    # Reloading shows the page without the link, and invites nobody a second time.
    again = await client.get("/admin")
    assert again.status_code == 200
    assert not WELCOME.findall(again.text) and "Invited Nia New" not in again.text
    assert "There is an account with that email already" not in again.text

    # Until she uses it, the list says she is invited, not that her account is in use.
    row = again.text.split("nia@example.org", 1)[1].split("</tr>", 1)[0]
    assert "invited, not signed in yet" in row
    # The first admin, who may have only ADMIN_TOKEN and no password, is no invitee.
    first = again.text.split("admin@localhost", 1)[1].split("</tr>", 1)[0]
    assert ">active<" in first, first
    # The link works: it opens the page that sets Nia's password, on her own browser.
    assert (await phone.get("/" + links[0].split("/", 3)[3])).status_code == 200
    await sign_in_link(phone, links[0])
    row = (await client.get("/admin")).text.split("nia@example.org", 1)[1].split("</tr>", 1)[0]
    assert "invited" not in row and ">active<" in row


async def test_a_refused_invite_keeps_what_was_typed(client: httpx.AsyncClient) -> None:
    fay = await make_account(client, "Fay Facilitator")
    csrf = await signed_in_admin(client)
    typed = {"csrf": csrf, "name": "Fay Again", "email": fay.email, "role": "admin"}
    refused = await client.post("/admin/accounts", data=typed)
    assert refused.status_code == 409
    assert "There is an account with that email already" in refused.text
    invite = refused.text.split('aria-label="Invite someone"')[1].split("</form>")[0]
    assert 'value="Fay Again"' in invite and f'value="{fay.email}"' in invite
    assert '<option value="admin" selected>' in invite


async def test_a_password_reset_link_is_shown_once_after_its_redirect(
    client: httpx.AsyncClient,
) -> None:
    fay = await make_account(client, "Fay Facilitator")
    csrf = await signed_in_admin(client)
    sent = await client.post(f"/admin/accounts/{fay.id}", data={"csrf": csrf, "do": "reset"})
    assert sent.status_code == 303 and sent.headers["location"] == "/admin"
    page = await client.get("/admin")
    assert "it sets a new password" in page.text and len(WELCOME.findall(page.text)) == 1
    assert not WELCOME.findall((await client.get("/admin")).text)


async def test_a_new_api_token_redirects_and_is_shown_once(client: httpx.AsyncClient) -> None:
    csrf = await signed_in_admin(client)
    made = await client.post("/account/tokens", data={"csrf": csrf, "name": "Nightly export"})
    assert made.status_code == 303 and made.headers["location"] == "/account"
    page = await client.get("/account")
    assert 'id="new-token"' in page.text and page.headers["cache-control"] == "no-store"
    again = await client.get("/account")
    assert 'id="new-token"' not in again.text
    assert again.text.count("Nightly export") == 1  # one token made, not two

    refused = await client.post("/account/tokens", data={"csrf": csrf, "name": " " * 3})
    assert refused.status_code == 422, refused.text
    assert 'value="   "' in refused.text


async def test_a_flash_is_for_the_account_that_posted(client: httpx.AsyncClient) -> None:
    csrf = await signed_in_admin(client)
    sent = await client.post("/account/tokens", data={"csrf": csrf, "name": "Mine"})
    assert sent.status_code == 303
    flash = client.cookies.get("pa_flash")
    assert flash is not None
    # Another admin signing in on the same browser does not see the first one's token.
    await signed_in_admin(client)
    client.cookies.set("pa_flash", flash, path="/account")
    assert 'id="new-token"' not in (await client.get("/account")).text


async def test_a_copied_flash_shows_nothing_once_its_time_is_up(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    """The cookie's max-age binds only the browser: a copy sent later showed the token again."""
    csrf = await signed_in_admin(client)
    sent = await client.post("/account/tokens", data={"csrf": csrf, "name": "Mine"})
    assert sent.status_code == 303
    flash = client.cookies.get("pa_flash")
    assert flash is not None
    clock.advance(180)
    client.cookies.set("pa_flash", flash, path="/account")
    assert 'id="new-token"' not in (await client.get("/account")).text


async def test_a_form_sent_after_the_session_ended_leads_back_to_its_page(
    client: httpx.AsyncClient,
) -> None:
    """Signed out mid-form: signing in leads back to the page the form was on, never to the
    form's address, which takes only POST (a 405 page). Pages send no Referer to go by."""
    fay = await make_account(client, "Fay")
    for form, page in (
        ("/account/tokens", "/account"),
        ("/account/tokens/7/revoke", "/account"),
        ("/admin/accounts", "/admin"),
        ("/admin/accounts/7", "/admin"),
    ):
        sent = await client.post(form, data={"name": "x"})
        assert sent.status_code == 303, form
        assert sent.headers["location"] == "/signin?next=" + quote(page, safe="/"), form
    # And back on the page itself, signed in, it answers.
    await sign_in(client, fay)
    assert (await client.get("/account")).status_code == 200
