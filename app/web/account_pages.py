"""Pages for accounts: sign in and out, first-run setup, setting a password, my peer assists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from ..actions import accounts, ownership
from ..db import library, queries
from ..db.account_models import Account
from ..domain.accounts import soonest_first, start_passed
from ..domain.errors import RuleError
from ..security import check_csrf, sign_session
from .account_deps import ACCOUNT_COOKIE, Signed, nav_context, signed_in
from .deps import Services, client_address, owner_scope, perform, workshop_found
from .flash import Flash, redirect_with, shown, taken
from .forms import form_fields
from .page_access import console_return
from .pages import no_such_peer_assist, problem_page, render, set_session

router = APIRouter(include_in_schema=False)
# Per account, then per address: slow guessing down without locking a busy office out.


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another site through `next=`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/my"
    return target


def sign_in_url(target: str) -> str:
    return "/signin?next=" + quote(target, safe="/")


def account_context(svc: Services, signed: Signed | None) -> dict[str, Any]:
    """What the header and every form of a signed-in page need."""
    if signed is None:
        return nav_context(svc, None, None)
    nav = nav_context(svc, signed.account, signed.session_secret)
    return {**nav, "csrf": nav["nav_csrf"]}


def start_account_session(svc: Services, response: Response, account: Account) -> None:
    assert account.id is not None
    secret = accounts.write(
        svc.db, lambda s: accounts.start_session(s, account_id=account.id or 0, now=svc.clock())
    )
    response.set_cookie(
        ACCOUNT_COOKIE,
        sign_session(svc.settings.secret_key, secret),
        max_age=14 * 86400,
        httponly=True,
        samesite="lax",
        secure=svc.settings.secure_cookies,
        path="/",
    )


def csrf_ok(svc: Services, signed: Signed, form: dict[str, str]) -> bool:
    return bool(signed.session_secret) and check_csrf(
        svc.settings.secret_key, signed.session_secret or "", form.get("csrf")
    )


async def page_account(request: Request) -> Signed | Response:
    """The signed-in account of a page, or a redirect to sign in and back."""
    signed = await signed_in(request)
    if signed is None:
        return RedirectResponse(sign_in_url(_back_to(request)), status_code=303)
    return signed


def _back_to(request: Request) -> str:
    """Where signing in leads back to: the page itself, or for a form sent while signed out
    (a session that ended mid-form) the page the form was on, the nearest address above the
    form's that opens as a page. The form's own takes only POST: going back to it was a 405.
    (No Referer to go by: every page asks for none, headers.py.)"""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    parts = request.url.path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        above = "/".join(parts) or "/"
        scope = {"type": "http", "path": above, "root_path": "", "method": "GET"}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.routes):
            return above
    return "/my"


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/my") -> Response:
    svc: Services = request.app.state.services
    if await signed_in(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        "pages/signin.html",
        next=safe_next(next),
        oidc=svc.settings.oidc_enabled,
        errors=None,
        email="",
        account=None,
    )


@router.post("/signin", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    svc: Services = request.app.state.services
    form = await form_fields(request)
    email, target = form.get("email", "").strip().lower(), safe_next(form.get("next"))

    def again(message: str, status: int, headers: dict | None = None) -> Response:
        page = render(
            "pages/signin.html",
            status,
            next=target,
            oidc=svc.settings.oidc_enabled,
            errors=message,
            email=email,
            account=None,
        )
        page.headers.update(headers or {})
        return page

    if svc.settings.oidc_enabled:
        return again("Sign in with your organisation's account.", 400)
    wait = await svc.limiter.hit("sign_in_address", client_address(request))
    wait = wait or await svc.limiter.hit("sign_in_account", email)
    if wait is not None:
        seconds = int(wait) + 1
        return again(
            f"Too many attempts. Try again in {seconds} seconds.",
            429,
            {"Retry-After": str(seconds)},
        )
    account = await run_in_threadpool(
        accounts.write,
        svc.db,
        lambda s: accounts.check_password(s, email=email, password=form.get("password", "")),
    )
    if account is None:
        return again("That email and password do not match an active account.", 401)
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(start_account_session, svc, response, account)
    return response


@router.post("/signout")
async def sign_out(request: Request) -> Response:
    svc: Services = request.app.state.services
    signed = await signed_in(request)
    response = RedirectResponse("/signin", status_code=303)
    if signed is not None and signed.session_secret:
        form = await form_fields(request)
        if not csrf_ok(svc, signed, form):
            return problem_page("Sign out again", "This form has expired; reload the page.", 403)
        secret = signed.session_secret
        await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.end_session(s, secret=secret, now=svc.clock()),
        )
    response.delete_cookie(ACCOUNT_COOKIE, path="/")
    return response


def _link_page(
    svc: Services, secret: str, template: str, status: int = 200, **context: Any
) -> Response:
    def peek() -> Any:
        with svc.db.reader() as session:
            link = accounts.peek_link(session, secret=secret, now=svc.clock())
            account = session.get(Account, link.account_id) if link.account_id else None
            return link, account

    try:
        link, account = peek()
    except RuleError as exc:
        return problem_page("This link does not work", exc.detail, exc.status)
    return render(
        template,
        status,
        secret=secret,
        link=link,
        who=account,
        account=None,
        oidc=svc.settings.oidc_enabled,
        **context,
    )


@router.get("/setup/{secret}", response_class=HTMLResponse)
async def setup_page(secret: str, request: Request) -> Response:
    svc: Services = request.app.state.services
    return await run_in_threadpool(
        _link_page, svc, secret, "pages/setup.html", errors=None, form={}
    )


@router.post("/setup/{secret}", response_class=HTMLResponse)
async def setup(secret: str, request: Request) -> Response:
    """The one-time setup link creates the first admin and signs them in."""
    svc: Services = request.app.state.services
    form = await form_fields(request)
    try:
        account = await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.complete_setup(
                s,
                secret=secret,
                email=form.get("email", ""),
                name=form.get("name", ""),
                password=form.get("password", ""),
                now=svc.clock(),
            ),
        )
    except RuleError as exc:
        if exc.status in (404, 410):
            return problem_page("This link does not work", exc.detail, exc.status)
        return render(
            "pages/setup.html",
            exc.status,
            secret=secret,
            errors=exc.detail,
            form=form,
            account=None,
        )
    response = RedirectResponse("/admin", status_code=303)
    await run_in_threadpool(start_account_session, svc, response, account)
    return response


@router.get("/welcome/{secret}", response_class=HTMLResponse)
async def welcome_page(secret: str, request: Request) -> Response:
    svc: Services = request.app.state.services
    return await run_in_threadpool(_link_page, svc, secret, "pages/welcome.html", errors=None)


@router.post("/welcome/{secret}", response_class=HTMLResponse)
async def welcome(secret: str, request: Request) -> Response:
    """An invite or password-reset link sets the password, then signs the person in."""
    svc: Services = request.app.state.services
    form = await form_fields(request)
    try:
        account = await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.set_password(
                s,
                secret=secret,
                password=form.get("password", ""),
                now=svc.clock(),
                single_sign_on=svc.settings.oidc_enabled,
            ),
        )
    except RuleError as exc:
        if exc.status in (404, 410):
            return problem_page("This link does not work", exc.detail, exc.status)
        return await run_in_threadpool(
            _link_page, svc, secret, "pages/welcome.html", exc.status, errors=exc.detail
        )
    response = RedirectResponse("/my", status_code=303)
    await run_in_threadpool(start_account_session, svc, response, account)
    return response


def _mine(svc: Services, signed: Signed) -> tuple[list[dict], dict[str, list[dict]]]:
    """The account's peer assists, and who owns each; a closed one with the day it was held,
    as its record and the library date it, not the start it was once planned for."""
    from .accounts_api import workshop_items

    items = workshop_items(svc, signed.viewer, q=None, status=None, mine_only=True)
    closed = [i["id"] for i in items if i["status"] == "closed"]
    with svc.db.reader() as session:
        owners = ownership.owners_by_workshop(session, workshop_ids=[i["id"] for i in items])
        held = library.held(session, workshop_ids=closed)

    def dated(item: dict) -> dict:
        closed_one = held.get(item["id"])  # None while it is not closed
        return {
            **item,
            "held_on": closed_one.day if closed_one and closed_one.met else None,
            "called_off": bool(closed_one and not closed_one.met),
        }

    return [dated(i) for i in items], owners


def _confirmation(
    query: Mapping[str, str], owners: dict[str, list[dict]], said: Flash | None
) -> dict | None:
    """What a peer assist's Sharing panel confirms after a change came back here: the
    sentence the change sent in its flash, never one a link could make up; the address
    (?shared=) only says which panel to open."""
    workshop_id = query.get("shared", "")
    if said is None or said.about != workshop_id or workshop_id not in owners:
        return None
    return {"workshop_id": workshop_id, "done": said.notice}


async def _my_page(
    request: Request, signed: Signed, *, sharing: dict | None = None, status: int = 200
) -> Response:
    """My peer assists. `sharing` is what one peer assist's Sharing panel says: a form's
    refusal with what was typed (the `form` it came from), or a change just made."""
    svc: Services = request.app.state.services
    items, owners = await run_in_threadpool(_mine, svc, signed)
    if sharing is None:
        sharing = _confirmation(request.query_params, owners, taken(request, svc, signed.id))
    groups = {
        state: [i for i in items if i["status"] == state]
        for state in ("live", "upcoming", "closed")
    }
    groups["upcoming"] = _to_come(groups["upcoming"], svc.clock())
    page = render(
        "pages/my.html",
        status,
        groups=groups,
        owners=owners,
        sharing=sharing,
        **account_context(svc, signed),
    )
    return shown(page, request)


@router.get("/my", response_class=HTMLResponse)
async def my_peer_assists(request: Request) -> Response:
    """The landing page once signed in: upcoming, live and closed peer assists."""
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    return await _my_page(request, signed)


def _to_come(items: list[dict], now: datetime) -> list[dict]:
    """The upcoming ones, the soonest first, each saying whether its start passed unbegun."""
    starts = {
        i["id"]: datetime.fromisoformat(i["starts_at"]) if i["starts_at"] else None for i in items
    }
    return [
        {**i, "start_passed": start_passed(starts[i["id"]], now)}
        for i in sorted(items, key=lambda i: soonest_first(starts[i["id"]]))
    ]


@router.get("/w/{workshop_id}/open")
async def open_console(workshop_id: str, request: Request, next: str | None = None) -> Response:
    """An owner (or admin) opens the console from any browser: they get a facilitator seat,
    then the console, or the page of this peer assist `next` names (see page_access)."""
    svc: Services = request.app.state.services
    try:
        # Gone is gone for everyone, signed in or not (API.md: every route answers 404).
        await workshop_found(svc, workshop_id)
    except RuleError:
        return no_such_peer_assist()
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=owner_scope(workshop_id, signed.id),
            apply=lambda session, w, now: ownership.console_seat(
                session,
                w,
                by=signed.viewer,
                name=signed.account.name[:80],
                now=now,
                secret_key=svc.settings.secret_key,
            ),
        )
    except RuleError as exc:
        if exc.status == 404:
            return no_such_peer_assist()
        return problem_page("You cannot open this console", exc.detail, exc.status)
    response = RedirectResponse(console_return(workshop_id, next), status_code=303)
    set_session(response, svc, workshop_id, outcome.body["token"])
    return response


async def _owner_form(
    request: Request, workshop_id: str, form_name: str, apply: Any, done: Any
) -> Response:
    """Run an owner's form from "my peer assists", then go back there: to the peer assist's
    Sharing panel, saying `done(body, form)`, or, refused, to the page with the sentence by
    the form and what was typed."""
    svc: Services = request.app.state.services
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    form = await form_fields(request)

    async def again(message: str, status: int) -> Response:
        sharing = {
            "workshop_id": workshop_id,
            "form": form_name,
            "error": message,
            "email": form.get("email", ""),
        }
        return await _my_page(request, signed, sharing=sharing, status=status)

    if not csrf_ok(svc, signed, form):
        return await again("This form has expired; send it again.", 403)
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=owner_scope(workshop_id, signed.id),
            apply=lambda session, w, now: apply(session, w, signed, form, now),
        )
    except RuleError as exc:
        return await again(exc.detail, exc.status)
    back = "/my?" + urlencode({"shared": workshop_id})
    said = Flash(done(outcome.body, form), about=workshop_id)
    return redirect_with(svc, back, signed.id, said)


@router.post("/my/{workshop_id}/owners")
async def add_co_owner(workshop_id: str, request: Request) -> Response:
    def added(body: dict, form: dict[str, str]) -> str:
        email = form.get("email", "").strip().lower()
        name = next(o["name"] for o in body["owners"] if o["email"].lower() == email)
        return f"{name} can now open and run this peer assist."

    return await _owner_form(
        request,
        workshop_id,
        "owners",
        lambda session, w, signed, form, now: ownership.add_owner(
            session, w, by=signed.viewer, email=form.get("email", ""), now=now
        ),
        added,
    )


@router.post("/my/{workshop_id}/owners/{account_id}/remove")
async def remove_co_owner(workshop_id: str, account_id: str, request: Request) -> Response:
    # Not a number a row can have: no such owner, said as remove_owner says it.
    owner_id = queries.row_id_from_text(account_id) or 0
    return await _owner_form(
        request,
        workshop_id,
        "remove",
        lambda session, w, signed, form, now: ownership.remove_owner(
            session, w, by=signed.viewer, account_id=owner_id, now=now
        ),
        lambda body, form: "Removed: that account no longer owns it.",
    )


VISIBILITY_SAVED = {
    "organisation": "Saved: every facilitator finds it in the library.",
    "restricted": "Saved: only its owners and admins find it.",
}


@router.post("/my/{workshop_id}/visibility")
async def change_visibility(workshop_id: str, request: Request) -> Response:
    return await _owner_form(
        request,
        workshop_id,
        "visibility",
        lambda session, w, signed, form, now: ownership.set_visibility(
            session, w, by=signed.viewer, visibility=form.get("visibility", "")
        ),
        lambda body, form: VISIBILITY_SAVED[body["visibility"]],
    )
