"""Theme management, beyond API.md's contract (which sets a card's theme by name with
`PATCH /cards/{id}`): make, rename and merge a workshop's themes."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..actions import themes
from . import schemas as s
from .deps import CallerDep, ServicesDep, participant_scope, respond
from .json_response import JSONResponse
from .openapi import COMMON, api_responses
from .schemas import RowId

router = APIRouter(prefix="/api/v1", tags=["themes"])


@router.post(
    "/workshops/{workshop_id}/themes",
    status_code=201,
    responses=api_responses(s.ThemeOut, 201, 409, *COMMON),
)
async def create_theme(
    workshop_id: str, body: s.ThemeCreate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Make a theme to group cards under (facilitator; from the questions phase on)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: themes.create_theme(
            session, w, actor=caller.actor, name=body.name, now=now
        ),
    )


@router.patch(
    "/workshops/{workshop_id}/themes/{theme_id}",
    responses=api_responses(s.ThemeOut, 200, 409, *COMMON),
)
async def rename_theme(
    workshop_id: str,
    theme_id: RowId,
    body: s.ThemeRename,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Rename a theme; its cards follow (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: themes.rename_theme(
            session, w, actor=caller.actor, theme_id=theme_id, name=body.name, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/themes/{theme_id}/merge",
    responses=api_responses(s.ThemeOut, 200, 409, *COMMON),
)
async def merge_theme(
    workshop_id: str,
    theme_id: RowId,
    body: s.ThemeMerge,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Move every card of this theme into another, and drop this one (facilitator). Answers
    with the theme that took the cards."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: themes.merge_themes(
            session, w, actor=caller.actor, theme_id=theme_id, into_id=body.into, now=now
        ),
    )
