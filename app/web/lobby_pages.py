"""Joining by the short room code: type it, wait in the lobby, be let in."""

from __future__ import annotations

import asyncio
import contextlib
import math

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..actions import lobby
from ..db import queries
from ..db.models import Workshop
from ..domain.errors import RuleError
from ..security import Sealed, normalise_room_code, session_cookie_name, unsign_session
from .deps import Services, address_scope, client_address, perform
from .forms import form_fields, once_key
from .join_pages import join_form, join_refused
from .json_response import JSONResponse
from .pages import briefing_rules, problem_page, refuse_cross_site, render, set_session
from .schemas import JoinRequest

router = APIRouter(include_in_schema=False)
# A long poll answers within this, so proxies and phones do not drop it as idle.
MAX_WAIT_S = 25.0
RECHECK_S = 5.0


def _too_many(typed: str, wait: float) -> HTMLResponse:
    response = render(
        "pages/room_code.html",
        429,
        code=typed,
        errors="Too many wrong codes from here. Wait a few minutes, or use the "
        "invite link instead.",
    )
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def _find(svc: Services, code: str) -> Workshop | None:
    with svc.db.reader() as session:
        return queries.workshop_by_room_code(session, room_code=code)


async def _workshop_for(request: Request, typed: str) -> Workshop | HTMLResponse:
    """The peer assist with this room code. Six characters are easy to type and easy to
    guess, so wrong codes are limited per address (the rule `room_code_guess`)."""
    svc: Services = request.app.state.services
    client = client_address(request)
    # Someone over the limit learns nothing, not even that a code is right.
    wait = await svc.limiter.blocked("room_code_guess", client)
    if wait is not None:
        return _too_many(typed, wait)
    workshop = await run_in_threadpool(_find, svc, normalise_room_code(typed))
    if workshop is None:
        # Count, then decide: of many simultaneous wrong guesses only the allowed number
        # are told "no such code"; the rest are refused.
        wait = await svc.limiter.hit("room_code_guess", client)
        if wait is not None:
            return _too_many(typed, wait)
        return render(
            "pages/room_code.html",
            404,
            code=typed,
            errors="No peer assist has that room code. Check the code on the screen.",
        )
    return workshop


@router.get("/r", response_class=HTMLResponse)
async def room_code_page(request: Request, code: str = "") -> Response:
    if code:
        return RedirectResponse(f"/r/{normalise_room_code(code)}", status_code=303)
    return render("pages/room_code.html", code="", errors=None)


@router.get("/r/{code}", response_class=HTMLResponse)
async def knock_page(code: str, request: Request) -> HTMLResponse:
    found = await _workshop_for(request, code)
    if isinstance(found, HTMLResponse):
        return found
    rules = await run_in_threadpool(briefing_rules, request.app.state.services, found.id)
    return join_form(
        {"role": "visitor", "workshop": found, "ground_rules": rules, "name": ""},
        code=found.room_code,
        action=f"/r/{found.room_code}",
    )


@router.post("/r/{code}", response_class=HTMLResponse)
async def knock(code: str, request: Request) -> Response:
    svc: Services = request.app.state.services
    if refused := refuse_cross_site(request, svc):
        return refused
    found = await _workshop_for(request, code)
    if isinstance(found, HTMLResponse):
        return found
    form = await form_fields(request)
    name = form.get("name", "")
    # Sealed: a second send of the same form gets the first's answer, this token with it.
    token = Sealed(svc.settings.secret_key)
    try:
        body = JoinRequest.model_validate(
            {"name": name, "accept_ground_rules": form.get("accept") == "on"}
        )
        if not body.accept_ground_rules:
            raise RuleError("Please accept the ground rules to join.", status=422)
        outcome = await perform(
            request,
            svc,
            workshop_id=found.id,
            scope=address_scope("knock", found.id, request),
            form_key=once_key(form),
            apply=lambda session, w, now: lobby.knock(
                session, w, name=body.name, token=token, now=now
            ),
        )
    except (ValidationError, RuleError) as exc:
        visitor = {"role": "visitor", "workshop": found}
        return await join_refused(
            svc, visitor, name, exc, code=code, action=f"/r/{found.room_code}"
        )
    target = f"/w/{found.id}" if outcome.body["admitted"] else f"/r/{found.room_code}/wait"
    response = RedirectResponse(target, status_code=303)
    set_session(response, svc, found.id, outcome.body["token"])
    return response


def _knock_state(svc: Services, token: str) -> str:
    with svc.db.reader() as session:
        row = lobby.knock_status(session, token=token)
        if row is None:
            return "unknown"
        if row.participant_id is not None:
            return "admitted"
        return "turned_away" if row.turned_away_at else "waiting"


async def _status(request: Request, code: str) -> tuple[str, Workshop | None, str | None]:
    svc: Services = request.app.state.services
    workshop = await run_in_threadpool(_find, svc, normalise_room_code(code))
    if workshop is None:
        return "unknown", None, None
    cookie = request.cookies.get(session_cookie_name(workshop.id), "")
    token = unsign_session(svc.settings.secret_key, cookie) if cookie else None
    if not token:
        return "unknown", workshop, None
    return await run_in_threadpool(_knock_state, svc, token), workshop, token


@router.get("/r/{code}/wait", response_class=HTMLResponse)
async def wait_page(code: str, request: Request) -> Response:
    knock, workshop, _ = await _status(request, code)
    if workshop is None or knock == "unknown":
        return problem_page("Not waiting", "Type the room code again to join.", 404)
    if knock == "admitted":
        return RedirectResponse(f"/w/{workshop.id}", status_code=303)
    return render(
        "pages/wait.html",
        workshop=workshop,
        knock=knock,
        code=workshop.room_code,
        wait_url=f"/r/{workshop.room_code}/wait/status",
    )


@router.get("/r/{code}/wait/status")
async def wait_status(code: str, request: Request, wait: float = 0) -> JSONResponse:
    """Where the person in the lobby stands. With `wait`, a long poll: answer as soon as the
    facilitator lets them in or turns them away, or after `wait` seconds (at most 25)."""
    svc: Services = request.app.state.services
    knock, workshop, token = await _status(request, code)
    if knock == "waiting" and workshop is not None and token is not None and wait > 0:
        deadline = asyncio.get_running_loop().time() + min(wait, MAX_WAIT_S)
        async with svc.hub.watch(workshop.id) as news:
            while knock == "waiting":
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0 or await request.is_disconnected():
                    break
                news.clear()
                # Woken by any write in the room; the record is read again now and then in
                # case the broker lost the one that mattered.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(news.wait(), min(left, RECHECK_S))
                knock = await run_in_threadpool(_knock_state, svc, token)
    body: dict[str, str] = {"status": knock}
    if workshop is not None:
        body["next"] = (
            f"/w/{workshop.id}" if knock == "admitted" else f"/r/{workshop.room_code}/wait"
        )
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
