"""Deleting a peer assist, removing a participant, withdrawing an invite link (API.md), and
subject access for admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..actions import lifecycle
from ..domain.accounts import check_admin
from ..domain.errors import NotFound, RuleError
from ..exports.subject_access import account_access, subject_access
from .account_deps import AccountDep, workshop_exists
from .deps import CallerDep, Services, ServicesDep, participant_scope, perform, withdraw_access
from .json_response import JSONResponse
from .schemas import ErrorBody, RowId

router = APIRouter()


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


@router.delete(
    "/workshops/{workshop_id}",
    dependencies=[Depends(workshop_exists)],
    status_code=204,
    response_class=Response,
    responses=_errors(401, 403, 404),
)
async def delete_workshop(
    workshop_id: str, signed: AccountDep, request: Request, svc: ServicesDep
) -> Response:
    """Delete the peer assist and everything stored about it (its owner, an admin).

    Afterwards every route of it answers 404, its tokens stop working and its live
    connections close."""
    await perform(
        request,
        svc,
        workshop_id=workshop_id,
        scope=f"account:{signed.id}",
        apply=lambda session, w, _: lifecycle.delete_workshop(session, w, by=signed.viewer),
    )
    await withdraw_access(svc, workshop_id)
    return Response(status_code=204)


@router.delete(
    "/workshops/{workshop_id}/participants/{participant_id}",
    status_code=204,
    response_class=Response,
    responses=_errors(401, 403, 404, 409, 422),
)
async def remove_participant(
    workshop_id: str, participant_id: RowId, caller: CallerDep, request: Request, svc: ServicesDep
) -> Response:
    """Remove a participant (facilitator): their token stops working at once and their live
    connections close (`perform` withdraws them). Their cards stay, shown as written by "a
    former participant"."""
    await perform(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: lifecycle.remove_participant(
            session, w, actor=caller.actor, participant_id=participant_id, now=now
        ),
    )
    return Response(status_code=204)


@router.delete(
    "/workshops/{workshop_id}/invites/{role}",
    status_code=204,
    response_class=Response,
    responses=_errors(401, 403, 404, 422),
)
async def revoke_invite(
    workshop_id: str, role: str, caller: CallerDep, request: Request, svc: ServicesDep
) -> Response:
    """Withdraw a role's invite link without issuing a new one (facilitator); its code then
    answers 410. `POST .../invites/{role}/rotate` issues a new one."""
    await perform(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: lifecycle.revoke_invite(
            session, w, actor=caller.actor, role=role, now=now
        ),
    )
    return Response(status_code=204)


def subject_export(svc: Services, *, name: str | None, account_id: int | None) -> dict:
    """Everything stored about one participant name or one account (the admin page's too)."""
    with svc.db.reader() as session:
        if account_id is not None:
            found = account_access(session, account_id=account_id)
            if found is None:
                raise NotFound("There is no account with that id.", code="account_not_found")
            return found
        return subject_access(session, name=name or "")


@router.get("/subject-access", responses=_errors(401, 403, 422))
async def name_subject_access(
    signed: AccountDep,
    svc: ServicesDep,
    name: str | None = Query(default=None, description="A participant's name"),
) -> JSONResponse:
    """Everything stored about people who joined under this name, as JSON (admins)."""
    # Who asks is checked before what they ask: nobody else learns what the route takes.
    check_admin(signed.viewer, "export what is stored about a person")
    name = (name or "").strip()
    if not 1 <= len(name) <= 80:
        raise RuleError(
            "Give a participant's name, up to 80 characters.", status=422, code="invalid"
        )
    return JSONResponse(
        await run_in_threadpool(lambda: subject_export(svc, name=name, account_id=None))
    )


@router.get("/accounts/{account_id}/subject-access", responses=_errors(401, 403, 404))
async def account_subject_access(
    account_id: RowId, signed: AccountDep, svc: ServicesDep
) -> JSONResponse:
    """Everything stored about one account, as JSON (admins); secrets only ever as hashes,
    and those are left out."""
    check_admin(signed.viewer, "export what is stored about a person")
    return JSONResponse(
        await run_in_threadpool(lambda: subject_export(svc, name=None, account_id=account_id))
    )
