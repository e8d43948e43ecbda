"""Who a peer assist's pages open for: the participant whose seat the browser holds, or an
account that may run it (an owner, a co-owner, an admin), sent to take its facilitator seat at
/w/{id}/open and brought back to the page it asked for. Everyone else is told to join first."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actions import ownership
from ..domain.errors import RuleError
from .account_deps import Signed, signed_in_browser
from .deps import Caller, Services, get_caller
from .pages import no_such_peer_assist, problem_page

JOIN_HINT = "Open your invite link to see this page."
# Marks a page reached back from /open (see _seated).
SEATED = "seated"


def console_return(workshop_id: str, target: str | None) -> str:
    """Where an owner goes once seated: `target` when it is a page of this same peer assist
    on this site, else its console; marked when a page sent them (`_seated`)."""
    return _seated(_own_page(workshop_id, target)) if target else f"/w/{workshop_id}"


def _own_page(workshop_id: str, target: str) -> str:
    """`target` when it is a page of this same peer assist on this site, else its console.
    Anything else in `next=` would make /open an open redirect, or a way to land someone on
    another peer assist's page."""
    home = f"/w/{workshop_id}"
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return home
    parts = urlsplit(target)
    # Browsers read %2e%2e as "..": the path is judged as they will resolve it.
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or (path != home and not path.startswith(home + "/")):
        return home
    if "\\" in path or "//" in path or any(seg in (".", "..") for seg in path.split("/")):
        return home
    return target


def _seated(target: str) -> str:
    """`target`, marked as reached through /open: should the page still not know the browser
    (a seat refused again, a cookie the browser would not keep), it says so instead of
    sending it round once more."""
    parts = urlsplit(target)
    query = f"{parts.query}&{SEATED}=1" if parts.query else f"{SEATED}=1"
    return urlunsplit(parts._replace(query=query))


def seat_url(workshop_id: str, target: str) -> str:
    """/w/{id}/open, asked to come back to `target` once the seat is taken."""
    return f"/w/{quote(workshop_id, safe='')}/open?next={quote(target, safe='/')}"


async def running_account(request: Request, workshop_id: str) -> Signed | None:
    """The account this browser is signed in with, when it may run this peer assist: the
    one /w/{id}/open would give a facilitator seat."""
    signed = await signed_in_browser(request)
    if signed is None:
        return None
    svc: Services = request.app.state.services

    def may_open() -> bool:
        with svc.db.reader() as session:
            return ownership.may_open_console(
                session, workshop_id=workshop_id, viewer=signed.viewer
            )

    return signed if await run_in_threadpool(may_open) else None


async def refusal(
    request: Request, workshop_id: str, exc: RuleError, join_hint: str = JOIN_HINT
) -> Response:
    """What a page answers someone it does not know as a participant of this peer assist."""
    if exc.status == 404:
        return no_such_peer_assist()
    # A fragment a page fetches is not where anyone lands: the page took the seat, or did not.
    came_back = SEATED in request.query_params
    if not (request.headers.get("HX-Request") or came_back) and await running_account(
        request, workshop_id
    ):
        # Whoever is signed in here takes a seat of their own, whatever seat the browser held.
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(seat_url(workshop_id, here), status_code=303)
    if exc.code == "account_inactive":
        # Not "join first": the seat is known, and joining again is not the way back.
        return problem_page("Account deactivated", exc.detail, 403)
    return problem_page("Join first", join_hint, 401)


async def page_caller(
    request: Request, workshop_id: str, join_hint: str = JOIN_HINT
) -> Caller | Response:
    """The participant behind a page, or where the browser goes instead."""
    try:
        caller = await get_caller(request, workshop_id)
    except RuleError as exc:
        return await refusal(request, workshop_id, exc, join_hint)
    if SEATED in request.query_params:
        # Back from /open with its seat: the mark has done its work, and should not stay in
        # the address bar, a bookmark or a link copied from it.
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != SEATED]
        clean = request.url.path + (f"?{urlencode(kept)}" if kept else "")
        return RedirectResponse(clean, status_code=303)
    return caller
