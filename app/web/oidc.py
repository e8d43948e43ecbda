"""Single sign-on through OpenID Connect: Authlib runs the authorization-code flow with PKCE,
and checks `state` (against the browser's session) and `nonce` (inside the ID token)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..settings import Settings


def _authlib() -> Any:
    """Authlib's Starlette client, imported only where single sign-on is on (it is not light)."""
    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        # Authlib warns at import that it would rather use `httpx2`; plain httpx works the same.
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations import starlette_client

    return starlette_client


log = logging.getLogger(__name__)
PROVIDER = "organisation"
# Where Authlib keeps state, nonce and the PKCE verifier between the redirect and the callback.
FLOW_COOKIE = "pa_sign_on"


def make_oauth(settings: Settings) -> Any:
    oauth = _authlib().OAuth()
    oauth.register(
        PROVIDER,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    return oauth


def claims_of(token: dict[str, Any], admin_group: str) -> tuple[str, str, bool] | None:
    """(email, name, is admin) from the verified ID token's claims; None without an email."""
    claims = token.get("userinfo") or {}
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        return None
    name = claims.get("name") or claims.get("preferred_username") or ""
    groups = claims.get("groups") or claims.get("roles") or []
    if isinstance(groups, str):
        groups = [groups]
    admin = bool(admin_group) and admin_group in groups
    return email, str(name)[:80], admin


def provider_silent(exc: httpx.HTTPError) -> Response:
    """The identity provider did not answer (down, or a wrong OIDC_ISSUER): not our fault to
    hide behind a 500, nor the person's to fix, so say so and when to try again."""
    from .pages import problem_page

    log.warning("the identity provider did not answer: %r", exc)
    page = problem_page(
        "Sign-in is not available",
        "Your organisation's sign-in service did not answer. Try again in a minute; if it "
        "keeps happening, tell whoever runs this installation.",
        503,
    )
    page.headers["Retry-After"] = "60"
    return page


router = APIRouter(include_in_schema=False)


@router.get("/signin/oidc")
async def sign_on(request: Request, next: str = "/my") -> Response:
    from .account_pages import safe_next
    from .pages import problem_page

    svc = request.app.state.services
    if not svc.settings.oidc_enabled:
        return problem_page("Single sign-on is off", "Sign in with your email and password.", 404)
    request.session["next"] = safe_next(next)
    client = request.app.state.oauth.create_client(PROVIDER)
    try:
        return await client.authorize_redirect(
            request, f"{svc.settings.base_url}/signin/oidc/callback"
        )
    except httpx.HTTPError as exc:
        return provider_silent(exc)


@router.get("/signin/oidc/callback")
async def sign_on_callback(request: Request) -> Response:
    from ..actions import accounts
    from ..domain.accounts import email_domain_allowed
    from ..domain.errors import RuleError
    from .account_pages import safe_next, start_account_session
    from .pages import problem_page

    svc = request.app.state.services
    if not svc.settings.oidc_enabled:
        return problem_page("Single sign-on is off", "Sign in with your email and password.", 404)
    client = request.app.state.oauth.create_client(PROVIDER)
    try:
        # Checks state against this browser's session, swaps the code (with the PKCE
        # verifier) for tokens, and verifies the ID token, nonce included.
        token = await client.authorize_access_token(request)
    except _authlib().OAuthError as exc:
        return problem_page("Sign-in did not work", f"{exc.description or exc.error}.", 400)
    except httpx.HTTPError as exc:
        return provider_silent(exc)
    found = claims_of(token, svc.settings.oidc_admin_group)
    if found is None:
        return problem_page(
            "Sign-in did not work",
            "Your organisation's account did not give a verified email.",
            403,
        )
    email, name, admin = found
    if not email_domain_allowed(email, svc.settings.allowed_domains):
        return problem_page(
            "This account cannot sign in here",
            "Only accounts of the organisation's own email domains may sign in.",
            403,
        )
    try:
        account = await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.account_from_sign_on(
                s, email=email, name=name, admin=admin, now=svc.clock()
            ),
        )
    except RuleError as exc:
        return problem_page("This account cannot sign in here", exc.detail, exc.status)
    response = RedirectResponse(safe_next(request.session.pop("next", None)), status_code=303)
    await run_in_threadpool(start_account_session, svc, response, account)
    return response
