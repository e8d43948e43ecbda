"""The room under /api/v1 (API.md): private writing, the spotlight, hands and the lobby."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..actions import lobby, room
from . import schemas as s
from .deps import CallerDep, ServicesDep, participant_scope, respond
from .json_response import JSONResponse
from .lean_route import LeanRoute
from .openapi import COMMON, api_responses
from .schemas import RowId

router = APIRouter(route_class=LeanRoute)


@router.put(
    "/workshops/{workshop_id}/private-writing", responses=api_responses(s.WorkshopOut, 200, *COMMON)
)
async def set_private_writing(
    workshop_id: str, body: s.PrivateWriting, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Switch private writing on; switching it off reveals all private cards at once."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: room.set_private_writing(
            session, w, actor=caller.actor, private_writing=body.private_writing, now=now
        ),
    )


@router.put(
    "/workshops/{workshop_id}/spotlight", responses=api_responses(s.WorkshopOut, 200, 409, *COMMON)
)
async def set_spotlight(
    workshop_id: str, body: s.SpotlightSet, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Show one card or theme large on the projector; an empty body clears it."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: room.set_spotlight(
            session, w, actor=caller.actor, card_id=body.card_id, theme=body.theme
        ),
    )


@router.put(
    "/workshops/{workshop_id}/signal", responses=api_responses(s.ParticipantOut, 200, *COMMON)
)
async def set_signal(
    workshop_id: str, body: s.SignalSet, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Raise your hand, say you are done writing, or put either down."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: room.set_signal(
            session, w, actor=caller.actor, signal=body.signal
        ),
    )


@router.put("/workshops/{workshop_id}/lobby", responses=api_responses(s.WorkshopOut, 200, *COMMON))
async def set_auto_admit(
    workshop_id: str, body: s.AutoAdmit, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Let everyone with the short room code straight in, or keep them in the lobby."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: lobby.set_auto_admit(
            session, w, actor=caller.actor, auto_admit=body.auto_admit, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/lobby/{knock_id}", responses=api_responses(dict, 200, *COMMON)
)
async def admit(
    workshop_id: str,
    knock_id: RowId,
    body: s.Admission,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Admit someone waiting in the lobby as a visitor (or turn them away)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: lobby.admit(
            session, w, actor=caller.actor, knock_id=knock_id, admit=body.admit, now=now
        ),
    )
