"""The meeting's controls under /api/v1 (API.md): phases, the timer, mute and the agenda."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..actions import meeting
from . import schemas as s
from .deps import CallerDep, ServicesDep, participant_scope, respond
from .json_response import JSONResponse
from .lean_route import LeanRoute
from .openapi import COMMON, api_responses

router = APIRouter(route_class=LeanRoute)


@router.post(
    "/workshops/{workshop_id}/phase", responses=api_responses(s.StateOut, 200, 409, *COMMON)
)
async def change_phase(
    workshop_id: str, body: s.PhaseMove, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Go to the next or previous phase, or jump to one (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.change_phase(
            session, w, actor=caller.actor, to=body.to, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/timer", responses=api_responses(s.TimerOut, 200, 409, *COMMON)
)
async def command_timer(
    workshop_id: str, body: s.TimerCommand, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Start, pause, resume, extend or reset the phase timer (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.command_timer(
            session, w, actor=caller.actor, action=body.action, seconds=body.seconds, now=now
        ),
    )


@router.put("/workshops/{workshop_id}/mute", responses=api_responses(s.MuteOut, 200, 409, *COMMON))
async def set_mute(
    workshop_id: str, body: s.MuteUpdate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Mute or unmute the host team and name who may still speak (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.set_mute(
            session,
            w,
            actor=caller.actor,
            host_team_muted=body.host_team_muted,
            speakers=body.speakers,
        ),
    )


@router.put("/workshops/{workshop_id}/agenda", responses=api_responses(s.AgendaOut, 200, *COMMON))
async def edit_agenda(
    workshop_id: str, body: s.AgendaUpdate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Change the planned length of phases, in seconds (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.edit_agenda(
            session, w, actor=caller.actor, planned=body.planned_s, now=now
        ),
    )
