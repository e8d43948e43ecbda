"""Who is signed in: an account, by its session cookie or its bearer token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ..actions import accounts
from ..db import account_queries as aq
from ..db import queries
from ..db.account_models import Account
from ..domain.accounts import ParticipantTokenRefused, SignInRequired, Viewer, may_see
from ..domain.errors import NotFound
from ..security import check_csrf, csrf_token, hash_secret, session_cookie_name, unsign_session
from .deps import UNSAFE_METHODS, Services, is_account_token, workshop_found
from .errors import ApiError

ACCOUNT_COOKIE = "pa_account"


@dataclass(frozen=True)
class Signed:
    """An account behind a request; `session_secret` is set when it came by cookie."""

    account: Account
    session_secret: str | None = None

    @property
    def viewer(self) -> Viewer:
        return accounts.viewer_of(self.account)

    @property
    def id(self) -> int:
        assert self.account.id is not None
        return self.account.id


def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            "Send the token as 'Authorization: Bearer <token>'.", status=401, code="unauthorized"
        )
    return token.strip()


def _deactivated(said: str) -> ApiError:
    """The token is right but its account is off: no sign-in will help, an admin will."""
    return ApiError(
        f"{said} An admin can make it active again.", status=401, code="account_inactive"
    )


def _by_token(svc: Services, token: str) -> Account:
    admin_token = svc.settings.admin_token
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        with svc.db.reader() as session:
            account = aq.first_admin(session)
        if account is None:
            account = _first_use(svc)
        if account.active:
            return account
        raise _deactivated("The first admin account has been deactivated.")
    token_hash = hash_secret(token)
    with svc.db.reader() as session:
        found = aq.token_owner(session, token_hash=token_hash)
        if found is not None:
            if found[1].active:
                return found[1]
            raise _deactivated("This account has been deactivated.")
        if queries.participant_by_token(session, token_hash=token_hash):
            raise ParticipantTokenRefused(
                "This needs an account's token (an owner's or an admin's, from signing "
                "in); a participant's token is for taking part in its peer assist only."
            )
    # Not an account, so no more signed in than a request without a token (API.md: 401
    # sign_in_required), with a sentence that says why.
    raise SignInRequired(
        "That token is not valid or has been revoked. Sign in again for a new one."
    )


def _first_use(svc: Services) -> Account:
    """Make the first admin for ADMIN_TOKEN; a concurrent first use may have made it already."""
    try:
        return accounts.write(svc.db, lambda s: accounts.ensure_first_admin(s, now=svc.clock()))
    except IntegrityError:
        with svc.db.reader() as session:
            found = aq.first_admin(session)
        if found is None:
            raise
        return found


def _by_cookie(svc: Services, cookie: str) -> tuple[Account, str] | None:
    secret = unsign_session(svc.settings.secret_key, cookie)
    if not secret:
        return None
    with svc.db.reader() as session:
        account = aq.live_session(session, secret_hash=hash_secret(secret), now=svc.clock())
    if account is None or not account.active:
        return None
    return account, secret


def nav_context(svc: Services, account: Account | None, session_secret: str | None) -> dict:
    """What the header's account links need: the account, and the token of its sign-out form.
    It has a name of its own: on a page opened with a seat, `csrf` answers the seat."""
    if account is None:
        return {"account": None}
    return {
        "account": account,
        "nav_csrf": csrf_token(svc.settings.secret_key, session_secret or ""),
    }


async def signed_in_browser(request: Request) -> Signed | None:
    """The account this browser is signed in with, by its cookie alone: on a page of a peer
    assist, the request's bearer token is a seat's."""
    svc: Services = request.app.state.services
    cookie = request.cookies.get(ACCOUNT_COOKIE)
    found = await run_in_threadpool(_by_cookie, svc, cookie) if cookie else None
    return Signed(*found) if found else None


async def header_context(request: Request) -> dict:
    """The account links in the header of a page opened with a participant's seat (the record,
    the follow-up, the review, the preparation), when the same browser is signed in too."""
    svc: Services = request.app.state.services
    signed = await signed_in_browser(request)
    if signed is None:
        return nav_context(svc, None, None)
    return nav_context(svc, signed.account, signed.session_secret)


def holds_a_seat(request: Request) -> bool:
    """The browser holds a participant's signed cookie: its invite opens one room, and the
    pages for accounts answer it 403 rather than asking it to sign in."""
    key = request.app.state.services.settings.secret_key
    prefix = session_cookie_name("")
    return any(
        name.startswith(prefix) and name != ACCOUNT_COOKIE and unsign_session(key, value)
        for name, value in request.cookies.items()
    )


async def signed_in(request: Request) -> Signed | None:
    """The account behind the request, or None when nobody is signed in."""
    svc: Services = request.app.state.services
    token = _bearer(request)
    if token is not None:
        return Signed(await run_in_threadpool(_by_token, svc, token))
    cookie = request.cookies.get(ACCOUNT_COOKIE)
    if not cookie:
        return None
    found = await run_in_threadpool(_by_cookie, svc, cookie)
    return Signed(*found) if found else None


async def require_account(request: Request) -> Signed:
    """An account, or 401 sign_in_required; a cookie's writes must carry the CSRF token."""
    signed = await signed_in(request)
    if signed is None:
        raise SignInRequired("Sign in with your account first.")
    if signed.session_secret and request.method in UNSAFE_METHODS:
        svc: Services = request.app.state.services
        presented = request.headers.get("x-csrf-token")
        if not check_csrf(svc.settings.secret_key, signed.session_secret, presented):
            raise ApiError(
                "This form has expired or came from another site; reload the page.",
                status=403,
                code="csrf_failed",
            )
    return signed


AccountDep = Annotated[Signed, Depends(require_account)]


async def workshop_exists(request: Request, workshop_id: str) -> None:
    """A deleted or unknown peer assist answers 404 before anyone is asked who they are:
    its participants' tokens are no account's, and would otherwise get 401 (API.md)."""
    await workshop_found(request.app.state.services, workshop_id)


async def reads_as_account(request: Request, workshop_id: str) -> bool:
    """True when an account that may see this peer assist is asking (a read, never a write).

    An account's bearer token, or an account's cookie without this workshop's participant
    cookie, counts; a participant's credential is left to the participant routes. An account
    that may not see a restricted peer assist is told it does not exist.
    """
    svc: Services = request.app.state.services
    token = _bearer(request)
    if token is not None:
        if not is_account_token(svc.settings, token):
            return False
    elif request.cookies.get(session_cookie_name(workshop_id)) or not request.cookies.get(
        ACCOUNT_COOKIE
    ):
        return False
    signed = await require_account(request)

    def visible() -> bool:
        with svc.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            owner_ids = aq.owner_ids(session, workshop_id=workshop_id)
            return may_see(signed.viewer, visibility=workshop.visibility, owner_ids=owner_ids)

    if not await run_in_threadpool(visible):
        raise NotFound("There is no peer assist with that id.", code="workshop_not_found")
    return True


async def library_visibility(request: Request) -> sa.ColumnElement[bool]:
    """The peer assists the signed-in account may find, as a SQL condition on `workshop`."""
    signed = await signed_in(request)
    if signed is None:
        raise SignInRequired("Sign in with your account first.")
    return aq.visible_to(signed.viewer)
