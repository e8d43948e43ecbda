"""The JSON API for accounts: the workshop list, tokens, accounts, owners and templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..actions import accounts, ownership
from ..db import account_queries as aq
from ..db import queries
from ..db.models import Workshop
from ..domain.accounts import (
    Status,
    Viewer,
    check_admin,
    is_overdue,
    may_see,
    snippet,
    status_of,
)
from ..domain.errors import NotFound
from ..search import Hit, search
from . import schemas as s
from .account_deps import AccountDep, Signed, workshop_exists
from .deps import Services, ServicesDep, owner_scope, respond, withdraw_deactivated
from .json_response import JSONResponse
from .schemas import RowId

router = APIRouter(prefix="/api/v1", tags=["accounts"])
ACCOUNT_ERRORS = (401, 403, 404, 409, 422)
# At most this many matches for `q`: a person reads the first page, not the hundredth.
SEARCH_LIMIT = 100


def _docs(model: Any, status: int = 200, *errors: int) -> dict[int | str, dict[str, Any]]:
    docs: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    docs.update({code: {"model": s.ErrorBody} for code in errors})
    return docs


class OwnerOut(BaseModel):
    id: int
    name: str


class WorkshopItem(BaseModel):
    id: str
    title: str
    problem: str
    status: Literal["upcoming", "live", "closed"]
    phase: str
    starts_at: str | None
    time_zone: str | None
    owner: OwnerOut | None
    report_back_by: str | None
    overdue: bool
    actions_open: int
    actions_done: int
    participants: int
    visibility: Literal["organisation", "restricted"]
    snippet: str


class WorkshopList(BaseModel):
    items: list[WorkshopItem]


class TokenCreate(s.Strict):
    name: str = Field(min_length=1, max_length=80)


class AccountCreate(s.Strict):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=80)
    role: Literal["facilitator", "admin"] = "facilitator"


class AccountChange(s.Strict):
    role: Literal["facilitator", "admin"] | None = None
    active: bool | None = None


class OwnerAdd(s.Strict):
    email: str = Field(min_length=3, max_length=320)


class VisibilitySet(s.Strict):
    visibility: Literal["organisation", "restricted"]


def workshop_items(
    svc: Services,
    viewer: Viewer,
    *,
    q: str | None,
    status: str | None,
    mine_only: bool = False,
    marked: bool = False,
) -> list[dict]:
    """The peer assists an account may see, as the list and "my peer assists" show them.

    `marked` adds `snippet_html`, the match in <mark>, for pages (None without a match)."""
    now = svc.clock()
    hits: dict[str, Hit] = {}
    with svc.db.reader() as session:
        if q:
            # The full-text index answers `q`, best first, within what this account may see.
            found_hits = search(session, q, visible=aq.visible_to(viewer), limit=SEARCH_LIMIT)
            hits = {hit.workshop_id: hit for hit in found_hits}
            found = {w.id: w for w in aq.workshops_by_id(session, workshop_ids=list(hits))}
            rows = [found[i] for i in hits if i in found]
        else:
            rows = aq.listing(session, text=None)
        summary = aq.summaries(session, workshop_ids=[w.id for w in rows])
    items = []
    for w in rows:
        info = summary[w.id]
        owner_ids = frozenset(account_id for _, account_id, _ in info["owners"])
        if not may_see(viewer, visibility=w.visibility, owner_ids=owner_ids):
            continue
        if mine_only and not (viewer.is_admin or viewer.id in owner_ids):
            continue
        state = status_of(w.phase, w.starts_at, w.duration_minutes, now)
        if status and state != status:
            continue
        owner = next(((i, n) for kind, i, n in info["owners"] if kind == "owner"), None)
        report_back_by = info["report_back_by"]
        items.append(
            {
                "id": w.id,
                "title": w.title,
                "problem": w.problem,
                "status": state.value,
                "phase": w.phase,
                "starts_at": w.starts_at.isoformat() if w.starts_at else None,
                # The zone it was planned in, so a page can say the time as the room will.
                "time_zone": w.time_zone,
                "owner": {"id": owner[0], "name": owner[1]} if owner else None,
                "report_back_by": report_back_by.isoformat() if report_back_by else None,
                "reported_back": info["reported_at"].isoformat() if info["reported_at"] else None,
                "overdue": is_overdue(
                    today=now.date(),
                    report_back_by=report_back_by,
                    open_due_dates=info["open_due"],
                ),
                "actions_open": len(info["open_due"]),
                "actions_done": info["done"],
                "participants": info["participants"],
                "visibility": w.visibility,
                "snippet": (hits[w.id].snippet if w.id in hits else "") or snippet(w.problem, ""),
            }
        )
        if marked:
            items[-1]["snippet_html"] = (hits[w.id].snippet_html if w.id in hits else "") or None
    return items


@router.get(
    "/workshops", response_model=WorkshopList, responses=_docs(WorkshopList, 200, 401, 403, 422)
)
async def list_workshops(
    signed: AccountDep,
    svc: ServicesDep,
    q: str | None = Query(default=None, max_length=200),
    status: Status | None = None,
) -> JSONResponse:
    """The peer assists this account may see; with `q`, the full-text matches, best first."""
    text = (q or "").strip() or None
    items = await run_in_threadpool(
        workshop_items, svc, signed.viewer, q=text, status=status.value if status else None
    )
    return JSONResponse({"items": items})


@router.get("/account", responses=_docs(dict, 200, 401, 403))
async def me(signed: AccountDep) -> JSONResponse:
    """The signed-in account."""
    return JSONResponse(accounts.account_record(signed.account))


@router.get("/account/tokens", responses=_docs(dict, 200, 401, 403))
async def my_tokens(signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """This account's personal API tokens (never the tokens themselves)."""
    with svc.db.reader() as session:
        rows = aq.tokens(session, account_id=signed.id)
    return JSONResponse({"items": [accounts.token_record(t) for t, _ in rows]})


def _account_write(request: Request, svc: Services, signed: Signed, apply: Any) -> Any:
    """A write about accounts, through the writer as every write goes: a repeat with the same
    Idempotency-Key answers as the first did and changes nothing."""
    return respond(request, svc, workshop_id=None, apply=apply, scope=f"account:{signed.id}")


@router.post("/account/tokens", status_code=201, responses=_docs(dict, 201, *ACCOUNT_ERRORS))
async def create_token(
    body: TokenCreate, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """A new personal API token; its value is shown this once and kept only as a hash."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> Any:
        row, secret = accounts.create_token(
            session,
            account_id=signed.id,
            name=body.name,
            now=now,
            secret_key=svc.settings.secret_key,
        )
        return 201, {**accounts.token_record(row), "token": secret}, []

    return await _account_write(request, svc, signed, apply)


@router.delete(
    "/account/tokens/{token_id}", status_code=204, responses=_docs(None, 204, 401, 403, 404)
)
async def revoke_token(token_id: RowId, signed: AccountDep, svc: ServicesDep) -> Response:
    """Revoke a token: your own, or any as an admin. It stops working at once."""
    await run_in_threadpool(
        accounts.write,
        svc.db,
        lambda session: accounts.revoke_token(
            session, by=signed.viewer, token_id=token_id, now=svc.clock()
        ),
    )
    return Response(status_code=204)


@router.get("/tokens", responses=_docs(dict, 200, 401, 403))
async def all_tokens(signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """Every API token in use, with its account (admin)."""
    check_admin(signed.viewer, "see every token")
    with svc.db.reader() as session:
        rows = aq.tokens(session)
    return JSONResponse({"items": [accounts.token_record(t, a) for t, a in rows]})


@router.get("/accounts", responses=_docs(dict, 200, 401, 403))
async def list_accounts(signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """Every account (admin)."""
    check_admin(signed.viewer, "list accounts")
    with svc.db.reader() as session:
        rows = aq.accounts(session)
    return JSONResponse({"items": [accounts.account_record(a) for a in rows]})


@router.post("/accounts", status_code=201, responses=_docs(dict, 201, *ACCOUNT_ERRORS))
async def invite_account(
    body: AccountCreate, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Invite someone (admin): the answer's one-time link sets their password."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> Any:
        account, secret = accounts.invite(
            session,
            by=signed.viewer,
            email=body.email,
            name=body.name,
            role=body.role,
            now=now,
            secret_key=svc.settings.secret_key,
        )
        return (
            201,
            {
                "account": accounts.account_record(account),
                "link": secret.link(svc.settings.secret_key, svc.settings.base_url, "/welcome/"),
            },
            [],
        )

    return await _account_write(request, svc, signed, apply)


@router.patch("/accounts/{account_id}", responses=_docs(dict, 200, *ACCOUNT_ERRORS))
async def change_account(
    account_id: RowId, body: AccountChange, signed: AccountDep, svc: ServicesDep
) -> JSONResponse:
    """Make an account admin or facilitator, or deactivate it (admin)."""
    changed = await run_in_threadpool(
        accounts.write,
        svc.db,
        lambda session: accounts.change_account(
            session,
            by=signed.viewer,
            account_id=account_id,
            role=body.role,
            active=body.active,
            now=svc.clock(),
            invites=(svc.settings.secret_key, svc.settings.base_url),
        ),
    )
    await withdraw_deactivated(svc, account_id)
    return JSONResponse(accounts.account_record(changed.account))


@router.post(
    "/accounts/{account_id}/reset-link",
    status_code=201,
    responses=_docs(dict, 201, *ACCOUNT_ERRORS),
)
async def reset_link(
    account_id: RowId, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """A one-time link that sets a new password, for the admin to pass on (admin)."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> Any:
        secret = accounts.issue_reset(
            session,
            by=signed.viewer,
            account_id=account_id,
            now=now,
            secret_key=svc.settings.secret_key,
            single_sign_on=svc.settings.oidc_enabled,
        )
        return (
            201,
            {"link": secret.link(svc.settings.secret_key, svc.settings.base_url, "/welcome/")},
            [],
        )

    return await _account_write(request, svc, signed, apply)


def _owned_write(
    request: Request, svc: Services, signed: Signed, workshop_id: str, apply: Any
) -> Any:
    return respond(
        request,
        svc,
        workshop_id=workshop_id,
        apply=apply,
        scope=owner_scope(workshop_id, signed.id),
    )


@router.get(
    "/workshops/{workshop_id}/owners",
    dependencies=[Depends(workshop_exists)],
    responses=_docs(dict, 200, 401, 403, 404),
)
async def list_owners(workshop_id: str, signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """Who owns this peer assist (accounts that may see it)."""

    def read() -> dict:
        with svc.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            owner_ids = aq.owner_ids(session, workshop_id=workshop_id)
            if not may_see(signed.viewer, visibility=workshop.visibility, owner_ids=owner_ids):
                raise NotFound("There is no peer assist with that id.", code="workshop_not_found")
            return ownership.owners_record(session, workshop_id=workshop_id)

    return JSONResponse(await run_in_threadpool(read))


@router.post(
    "/workshops/{workshop_id}/owners",
    dependencies=[Depends(workshop_exists)],
    status_code=201,
    responses=_docs(dict, 201, *ACCOUNT_ERRORS),
)
async def add_owner(
    workshop_id: str, body: OwnerAdd, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Add a co-owner by email (an owner), or assign an owner to one that has none (admin)."""

    def apply(session: Session, w: Workshop | None, now: datetime) -> Any:
        assert w is not None
        return ownership.add_owner(session, w, by=signed.viewer, email=body.email, now=now)

    return await _owned_write(request, svc, signed, workshop_id, apply)


@router.delete(
    "/workshops/{workshop_id}/owners/{account_id}",
    dependencies=[Depends(workshop_exists)],
    responses=_docs(dict, 200, *ACCOUNT_ERRORS),
)
async def remove_owner(
    workshop_id: str, account_id: RowId, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Remove a co-owner (an owner or an admin)."""
    return await _owned_write(
        request,
        svc,
        signed,
        workshop_id,
        lambda session, w, now: ownership.remove_owner(
            session, w, by=signed.viewer, account_id=account_id, now=now
        ),
    )


@router.put(
    "/workshops/{workshop_id}/visibility",
    dependencies=[Depends(workshop_exists)],
    responses=_docs(dict, 200, *ACCOUNT_ERRORS),
)
async def set_visibility(
    workshop_id: str, body: VisibilitySet, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Who finds it: the whole organisation, or only its owners and admins."""
    return await _owned_write(
        request,
        svc,
        signed,
        workshop_id,
        lambda session, w, now: ownership.set_visibility(
            session, w, by=signed.viewer, visibility=body.visibility
        ),
    )


@router.post(
    "/workshops/{workshop_id}/console",
    dependencies=[Depends(workshop_exists)],
    responses=_docs(dict, 200, *ACCOUNT_ERRORS),
)
async def console_token(
    workshop_id: str, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """A facilitator token for this peer assist, for its owners and admins."""
    return await _owned_write(
        request,
        svc,
        signed,
        workshop_id,
        lambda session, w, now: ownership.console_seat(
            session,
            w,
            by=signed.viewer,
            name=signed.account.name[:80],
            now=now,
            secret_key=svc.settings.secret_key,
        ),
    )


@router.delete(
    "/agenda-templates/{template_id}", status_code=204, responses=_docs(None, 204, 401, 403, 404)
)
async def delete_template(template_id: RowId, signed: AccountDep, svc: ServicesDep) -> Response:
    """Delete a saved agenda template (the account that saved it, or an admin)."""
    await run_in_threadpool(
        accounts.write,
        svc.db,
        lambda session: ownership.delete_template(
            session, by=signed.viewer, template_id=template_id
        ),
    )
    return Response(status_code=204)
