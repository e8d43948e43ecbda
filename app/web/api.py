"""The JSON API under /api/v1, as ../shared/API.md describes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..actions import workshops
from ..db import queries
from ..db.models import Workshop
from ..domain.errors import Invalid
from ..domain.phases import AGENDA_TEMPLATES, plan_minutes
from . import board_api, meeting_api, room_api
from . import exports as export_routes
from . import record as record_routes
from . import schemas as s
from .account_deps import AccountDep
from .deps import (
    CallerDep,
    ServicesDep,
    address_scope,
    participant_scope,
    participant_state,
    perform,
    respond,
)
from .json_response import JSONResponse
from .openapi import COMMON, api_responses
from .timing import with_timing

router = APIRouter()
# The agenda templates come after the room's routes in /openapi.json, so they are a router of
# their own (see ROUTERS below).
templates = APIRouter()


@router.post(
    "/workshops",
    status_code=201,
    responses=api_responses(s.WorkshopCreated, 201, 401, 403, 413, 422),
)
async def create_workshop(
    body: s.WorkshopCreate, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Create a peer assist (an account): returns the facilitator's token and invite links."""
    new = workshops.NewWorkshop(
        **body.model_dump(), owner_id=signed.id, time_zone=svc.settings.time_zone
    )

    def apply(session: Session, _: Workshop | None, now: datetime) -> Any:
        return workshops.create_workshop(
            session,
            new=new,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        )

    # No participant yet: a key is scoped to the account.
    outcome = await perform(
        request, svc, workshop_id=None, apply=apply, scope=f"create:{signed.id}"
    )
    return JSONResponse(with_timing(svc, outcome.body), status_code=outcome.status)


@router.post("/join/{code}", status_code=201, responses=api_responses(s.Joined, 201, 404, 410, 422))
async def join(code: str, body: s.JoinRequest, request: Request, svc: ServicesDep) -> JSONResponse:
    """Join with an invite code, accepting the ground rules."""
    if not body.accept_ground_rules:
        raise Invalid("Please accept the ground rules to join.", code="ground_rules_not_accepted")

    def find() -> str:
        with svc.db.reader() as session:
            return workshops.find_invite(session, code=code, revoked_too=True).workshop_id

    workshop_id = await run_in_threadpool(find)

    def apply(session: Session, workshop: Workshop | None, now: datetime) -> Any:
        assert workshop is not None
        # Checked here, under the lock and after a repeat has had its first answer replayed:
        # the code may have been withdrawn meanwhile (410).
        invite = workshops.find_invite(session, code=code)
        return workshops.join(
            session,
            workshop,
            invite=invite,
            name=body.name,
            now=now,
            secret_key=svc.settings.secret_key,
        )

    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        apply=apply,
        scope=address_scope("join", workshop_id, request),
    )


@router.post(
    "/workshops/{workshop_id}/invites/{role}/rotate",
    status_code=201,
    responses=api_responses(s.InviteRotated, 201, *COMMON),
)
async def rotate_invite(
    workshop_id: str, role: str, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Withdraw an invite code and issue a new one (facilitator). The old code answers 410."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: workshops.rotate_invite(
            session,
            w,
            actor=caller.actor,
            role=role,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        ),
    )


@router.get("/workshops/{workshop_id}", responses=api_responses(s.StateOut, 200, *COMMON))
async def get_state(workshop_id: str, caller: CallerDep, svc: ServicesDep) -> JSONResponse:
    """The whole state, as this participant may see it."""
    return JSONResponse(with_timing(svc, await participant_state(svc, workshop_id, caller.actor)))


@templates.post(
    "/workshops/{workshop_id}/agenda/templates",
    status_code=201,
    responses=api_responses(s.TemplateOut, 201, *COMMON),
)
async def save_agenda_template(
    workshop_id: str, body: s.TemplateSave, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Save this workshop's planned times as an agenda template (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: workshops.save_agenda_template(
            session, w, actor=caller.actor, name=body.name, now=now
        ),
    )


@templates.get("/agenda-templates", responses=api_responses(list[s.TemplateOut], 200, 401, 403))
async def list_agenda_templates(signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """Agenda templates (accounts): the built-in half day, full day and two days, then saved."""

    def read() -> list[dict]:
        with svc.db.reader() as session:
            return [workshops.template_record(t) for t in queries.agenda_templates(session)]

    return JSONResponse(builtin_templates() + await run_in_threadpool(read))


def builtin_templates() -> list[dict]:
    return [
        {
            "id": key,
            "name": name,
            "planned_s": {p.value: sec for p, sec in planned.items()},
            "duration_minutes": plan_minutes(planned),
        }
        for key, (name, planned) in AGENDA_TEMPLATES.items()
    ]


# Everything under /api/v1, in the order API.md lists it (and the OpenAPI document). main.py
# includes each of them itself: FastAPI matches a router included in another router twice
# over, first to choose it and then within it, and every route it tries on the way costs
# (bench/README.md); for that, main.py also matches the board's routes first.
ROUTERS = (
    router,
    meeting_api.router,
    board_api.router,
    room_api.router,
    templates,
    export_routes.router,
    record_routes.router,
)
