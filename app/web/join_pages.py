"""Joining with an invite link (/j/{code}): the form with the ground rules, and the join."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..actions import before, workshops
from ..db import queries
from ..domain.errors import RuleError
from .deps import Services, address_scope, perform
from .form_errors import JOIN_FORM, form_problems
from .forms import filled_fields, once_key
from .pages import briefing_rules, problem_page, refuse_cross_site, render, set_session
from .schemas import JoinRequest

router = APIRouter(include_in_schema=False)
PROJECTOR_NAME = "Projector"


def _invite(svc: Services, code: str, invitee: str | None = "") -> dict:
    """The invite's role and peer assist; for showing the form (`invitee` not None), the
    briefing's own ground rules and the name of the person whose personal invitation (their
    /i/ code) led here, if any. A join itself reads no more than it needs: a crowd joins."""
    with svc.db.reader() as session:
        invite = workshops.find_invite(session, code=code)
        workshop = queries.get_workshop(session, workshop_id=invite.workshop_id)
        found = {"role": invite.role, "workshop": workshop}
        if invitee is None:
            return found
        rules = before.ground_rules_of(session, workshop_id=workshop.id)
        # Only the person's own code names them; any other leaves the field for them to fill.
        known = invitee and before.invited_name(
            session, code=invitee, workshop_id=workshop.id, role=invite.role
        )
        return {**found, "ground_rules": rules, "name": known}


def join_form(found: dict, status: int = 200, *, errors: Any = None, **context: Any) -> Response:
    """The join form for `found`: a role, a workshop, and its briefing's ground rules, which
    are said wherever the usual ones are (the briefing page says both)."""
    return render("pages/join.html", status, **found, errors=errors, **context)


async def join_refused(
    svc: Services, found: dict, name: str, exc: ValidationError | RuleError, **context: Any
) -> Response:
    """The join form again, as the person left it, with why it was refused."""
    rules = await run_in_threadpool(briefing_rules, svc, found["workshop"].id)
    typed = {**found, "ground_rules": rules, "name": name, **context}
    if isinstance(exc, ValidationError):
        return join_form(typed, 422, errors=form_problems(list(exc.errors()), JOIN_FORM))
    return join_form(typed, exc.status, errors=exc.detail)


@router.get("/j/{code}", response_class=HTMLResponse)
async def join_page(code: str, request: Request, invitee: str = "") -> Response:
    """The way in with an invite code; from a person's own briefing (`invitee`, their /i/
    code) it is filled in with their name, which they may still change."""
    svc: Services = request.app.state.services
    try:
        found = await run_in_threadpool(_invite, svc, code, invitee[:100])
    except RuleError as exc:
        return problem_page("This invite does not work", exc.detail, exc.status)
    return join_form(found, code=code)


@router.post("/j/{code}", response_class=HTMLResponse)
async def join(code: str, request: Request) -> Response:
    svc: Services = request.app.state.services
    if refused := refuse_cross_site(request, svc):
        return refused
    form = await filled_fields(request)
    try:
        found = await run_in_threadpool(_invite, svc, code, None)
    except RuleError as exc:
        return problem_page("This invite does not work", exc.detail, exc.status)
    if found["role"] == "projector":
        # A screen joins in one click: it has no name to give and writes nothing.
        form = {"name": PROJECTOR_NAME, "accept": "on", "once": form.get("once", "")}
    try:
        body = JoinRequest.model_validate(
            {"name": form.get("name", ""), "accept_ground_rules": form.get("accept") == "on"}
        )
        if not body.accept_ground_rules:
            raise RuleError("Please accept the ground rules to join.", status=422)
        workshop_id = found["workshop"].id
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=address_scope("join", workshop_id, request),
            form_key=once_key(form),
            apply=lambda session, w, now: workshops.join(
                session,
                w,
                invite=workshops.find_invite(session, code=code),
                name=body.name,
                now=now,
                secret_key=svc.settings.secret_key,
            ),
        )
    except (ValidationError, RuleError) as exc:
        return await join_refused(svc, found, form.get("name", ""), exc, code=code)
    response = RedirectResponse(f"/w/{workshop_id}", status_code=303)
    set_session(response, svc, workshop_id, outcome.body["token"])
    return response
