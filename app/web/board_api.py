"""The board under /api/v1 (API.md): cards, votes, the action list and the commitment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from ..actions import action_list, cards
from ..actions.cards import CardChanges, NewCard
from ..domain.errors import Invalid
from . import error_codes as codes
from . import schemas as s
from .deps import CallerDep, ServicesDep, participant_scope, respond
from .json_response import JSONResponse
from .lean_route import LeanRoute
from .openapi import COMMON, api_responses
from .schemas import RowId

router = APIRouter(route_class=LeanRoute)


@router.post(
    "/workshops/{workshop_id}/cards",
    status_code=201,
    responses=api_responses(
        s.CardOut, 201, 409, 413, *COMMON, said={403: codes.MUTED, 409: codes.PHASE}
    ),
)
async def add_card(
    workshop_id: str, body: s.CardCreate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Add a card of a kind the phase allows for your role."""
    new = NewCard(**body.model_dump())
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: cards.add_card(
            session, w, actor=caller.actor, new=new, now=now
        ),
    )


@router.patch(
    "/workshops/{workshop_id}/cards/{card_id}",
    responses=api_responses(s.CardOut, 200, 409, *COMMON),
)
async def edit_card(
    workshop_id: str,
    card_id: RowId,
    body: s.CardUpdate,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Edit your own card; the facilitator can also set its theme or hide it."""
    given = body.model_fields_set
    changes = CardChanges(
        text=body.text,
        kind=body.kind,
        theme=body.theme,
        hidden=body.hidden,
        clear_theme="theme" in given and body.theme is None,
    )
    if "hidden" in given and body.hidden is None:
        raise Invalid("hidden must be true or false.")
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: cards.edit_card(
            session, w, actor=caller.actor, card_id=card_id, changes=changes, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/cards/{card_id}/vote",
    responses=api_responses(s.VoteOut, 200, 409, *COMMON, said={409: codes.VOTE_REFUSED}),
)
async def vote(
    workshop_id: str, card_id: RowId, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Vote for a card (visitors, in analysis and feedback; five votes each)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: cards.vote(
            session, w, actor=caller.actor, card_id=card_id, now=now
        ),
    )


@router.delete(
    "/workshops/{workshop_id}/cards/{card_id}/vote",
    responses=api_responses(s.VoteOut, 200, 409, *COMMON, said={409: codes.UNVOTE_REFUSED}),
)
async def unvote(
    workshop_id: str, card_id: RowId, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Take back your vote for a card."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: cards.unvote(
            session, w, actor=caller.actor, card_id=card_id, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/actions",
    status_code=201,
    responses=api_responses(s.ActionOut, 201, 409, *COMMON),
)
async def add_action(
    workshop_id: str, body: s.ActionCreate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Add an action to the host team's list (from the commitment phase on)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: action_list.add_action(
            session,
            w,
            actor=caller.actor,
            title=body.title,
            owner=body.owner,
            due_date=body.due_date,
            card_ids=body.card_ids,
            now=now,
        ),
    )


@router.patch(
    "/workshops/{workshop_id}/actions/{action_id}",
    responses=api_responses(s.ActionOut, 200, 409, *COMMON),
)
async def edit_action(
    workshop_id: str,
    action_id: RowId,
    body: s.ActionUpdate,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Change an action's title, owner, due date, status or linked cards."""
    given = body.model_fields_set
    for required in ("title", "status"):
        if required in given and getattr(body, required) is None:
            raise Invalid(f"{required} cannot be empty.")
    changes = action_list.ActionChanges(
        title=body.title,
        owner=body.owner,
        due_date=body.due_date,
        status=body.status,
        card_ids=body.card_ids,
        note=body.note,
        cleared=frozenset(
            f for f in ("owner", "due_date", "note") if f in given and getattr(body, f) is None
        ),
    )
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: action_list.edit_action(
            session, w, actor=caller.actor, action_id=action_id, changes=changes, now=now
        ),
    )


@router.put(
    "/workshops/{workshop_id}/commitment",
    responses=api_responses(s.CommitmentOut, 200, 409, *COMMON),
)
async def set_commitment(
    workshop_id: str,
    body: Annotated[s.CommitmentSet, Body()],
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Commit to a date for reporting back with the action list."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: action_list.set_commitment(
            session,
            w,
            actor=caller.actor,
            report_back_by=body.report_back_by,
            note=body.note,
            now=now,
        ),
    )
