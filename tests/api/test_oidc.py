"""Single sign-on against a real OpenID Connect provider on loopback, driven through httpx."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.api.helpers import assert_error
from tests.conftest import Clock, make_settings, oidc_settings, set_oidc_user
from tests.factories import ACCOUNT_COOKIE, API, admin, cookie_csrf, workshop_body


@pytest.fixture
async def sso(
    tmp_path: Path, database_url: str, clock: Clock, oidc_issuer: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with single sign-on on: admins by group, only example.org may sign in."""
    from app.main import create_app

    settings = make_settings(
        tmp_path,
        database_url,
        **oidc_settings(
            oidc_issuer, oidc_admin_group="pa-admins", oidc_allowed_domains="example.org"
        ),
    )
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def sign_on(app: httpx.AsyncClient, sub: str, *, state: str | None = None) -> httpx.Response:
    """The whole authorization-code flow: our redirect, the provider's page, our callback."""
    start = await app.get("/signin/oidc", params={"next": "/my"})
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    # PKCE, state and nonce all travel in the request to the provider.
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["response_type"] == ["code"]
    async with httpx.AsyncClient() as provider:
        page = await provider.get(authorize)
        assert page.status_code == 200 and 'name="sub"' in page.text
        granted = await provider.post(authorize, data={"sub": sub})
    assert granted.status_code == 302, granted.text
    callback = urlsplit(granted.headers["location"])
    assert callback.path == "/signin/oidc/callback"
    query_string = callback.query
    if state is not None:
        query_string = re.sub(r"state=[^&]+", f"state={state}", query_string)
    return await app.get(f"{callback.path}?{query_string}")


async def test_sign_on_makes_an_account_that_can_create_a_token(
    sso: httpx.AsyncClient, oidc_issuer: str
) -> None:
    set_oidc_user(oidc_issuer, "ada-1", email="ada@example.org", name="Ada Lovelace")
    done = await sign_on(sso, "ada-1")
    assert done.status_code == 303 and done.headers["location"] == "/my"
    cookie = done.cookies[ACCOUNT_COOKIE]
    me = await sso.get(f"{API}/account")
    assert me.json()["email"] == "ada@example.org" and me.json()["role"] == "facilitator"
    assert me.json()["name"] == "Ada Lovelace"
    # A script's token, made by the signed-in browser, creates a peer assist.
    made = await sso.post(
        f"{API}/account/tokens",
        json={"name": "script"},
        headers={"X-CSRF-Token": cookie_csrf(cookie)},
    )
    assert made.status_code == 201, made.text
    sso.cookies.clear()
    created = await sso.post(
        f"{API}/workshops",
        json=workshop_body(),
        headers={"Authorization": f"Bearer {made.json()['token']}"},
    )
    assert created.status_code == 201, created.text
    # Passwords are off while single sign-on is on.
    form = await sso.post("/signin", data={"email": "ada@example.org", "password": "x" * 12})
    assert form.status_code == 400


async def test_the_admin_group_and_the_allowed_domains(
    sso: httpx.AsyncClient, oidc_issuer: str
) -> None:
    set_oidc_user(
        oidc_issuer, "lead-1", email="lead@example.org", name="Lead", groups=["pa-admins"]
    )
    assert (await sign_on(sso, "lead-1")).status_code == 303
    assert (await sso.get(f"{API}/account")).json()["role"] == "admin"
    sso.cookies.clear()
    set_oidc_user(oidc_issuer, "out-1", email="someone@elsewhere.org", name="Out")
    refused = await sign_on(sso, "out-1")
    assert refused.status_code == 403
    assert ACCOUNT_COOKIE not in refused.cookies
    assert_error(await sso.get(f"{API}/account"), 401, "sign_in_required")


async def test_a_forged_state_is_refused(sso: httpx.AsyncClient, oidc_issuer: str) -> None:
    set_oidc_user(oidc_issuer, "eve-1", email="eve@example.org", name="Eve")
    forged = await sign_on(sso, "eve-1", state="not-the-state-we-sent")
    assert forged.status_code == 400
    assert ACCOUNT_COOKIE not in forged.cookies
    assert_error(await sso.get(f"{API}/account"), 401, "sign_in_required")


async def test_with_sign_on_no_link_sets_a_password(
    sso: httpx.AsyncClient, oidc_issuer: str
) -> None:
    """API.md: single sign-on when it is set up, otherwise passwords; never both."""
    invited = await sso.post(
        f"{API}/accounts",
        json={"email": "gus@example.org", "name": "Gus", "role": "facilitator"},
        headers=admin(),
    )
    assert invited.status_code == 201, invited.text
    link = invited.json()["link"].replace("http://testserver", "")
    page = await sso.get(link)
    assert page.status_code == 200
    assert 'href="/signin/oidc"' in page.text and 'type="password"' not in page.text
    posted = await sso.post(link, data={"password": "a long enough password"})
    assert posted.status_code == 409
    assert ACCOUNT_COOKIE not in posted.cookies
    assert "organisation's account" in posted.text
    gus = invited.json()["account"]["id"]
    reset = await sso.post(f"{API}/accounts/{gus}/reset-link", headers=admin())
    assert_error(reset, 409, "passwords_off")
    # Nor does the admin page offer one.
    lead = await sso.post(
        f"{API}/accounts",
        json={"email": "lead@example.org", "name": "Lead", "role": "admin"},
        headers=admin(),
    )
    assert lead.status_code == 201
    set_oidc_user(oidc_issuer, "lead-2", email="lead@example.org", name="Lead")
    assert (await sign_on(sso, "lead-2")).status_code == 303
    page = await sso.get("/admin")
    assert page.status_code == 200 and 'value="deactivate"' in page.text
    assert 'value="reset"' not in page.text


async def test_a_provider_that_does_not_answer_is_503_not_500(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    from app.main import create_app

    with socket.socket() as nobody:  # a port nothing listens on
        nobody.bind(("127.0.0.1", 0))
        port = nobody.getsockname()[1]
    settings = make_settings(tmp_path, database_url, **oidc_settings(f"http://127.0.0.1:{port}"))
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as app:
            start = await app.get("/signin/oidc")
            assert start.status_code == 503
            assert start.headers["retry-after"] == "60"
            assert "sign-in service did not answer" in start.text
