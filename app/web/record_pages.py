"""The record as web pages: for participants, and shared with people who were not there."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actions import after_meeting as after
from ..db import queries
from ..domain.after_meeting import FEEDBACK_QUESTIONS, WORDS_WITHHELD
from ..domain.errors import NotFound, RuleError
from ..exports._common import status_label
from ..exports.record import EVIDENCE_LABELS, byline, held_line, people_line
from ..security import csrf_token, hash_secret
from .account_deps import header_context
from .deps import Services, participant_scope, perform
from .page_access import refusal, running_account
from .pages import problem_page, render
from .record import (
    load_record,
    reads_feedback_words,
    record_file,
    record_reader,
    record_sharer,
)
from .schemas import RowId

router = APIRouter(include_in_schema=False)

# A shared record is read by people outside the room: search engines must not list it, and
# the link (which is the key) must not leak to other sites through the Referer header.
SHARED_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
}
RECORD_HELPERS: dict[str, Any] = {
    "byline": byline,
    "people_line": people_line,
    "held_line": held_line,
    "status_label": status_label,
    "EVIDENCE_LABELS": EVIDENCE_LABELS,
    "FEEDBACK_QUESTIONS": FEEDBACK_QUESTIONS,
    "WORDS_WITHHELD": WORDS_WITHHELD,
}


def _links(svc: Services, workshop_id: str) -> list[dict]:
    with svc.db.reader() as session:
        return [
            after.share_link_record(k)
            for k in queries.share_links(session, workshop_id=workshop_id)
        ]


async def _participant_page(request: Request, workshop_id: str, *, print: bool) -> Response:
    svc: Services = request.app.state.services
    try:
        reader = await record_reader(request, workshop_id)
    except RuleError as exc:
        return await refusal(
            request, workshop_id, exc, "Open your invite link to read this record."
        )
    record = await load_record(
        svc, workshop_id, feedback_words=await reads_feedback_words(request, reader)
    )
    caller = reader.participant
    header = await header_context(request)
    # An owner reads it as an account, without taking a seat: a seat would list them among
    # the people who took part. They share it as the facilitator does (record_sharer).
    owner = None
    if caller is None and not print:
        owner = await running_account(request, workshop_id)
    sharing = None
    if not print and (owner or (caller is not None and caller.role.value == "facilitator")):
        sharing = {"links": await run_in_threadpool(_links, svc, workshop_id), "new": None}
    csrf = csrf_token(svc.settings.secret_key, caller.token) if caller else None
    return render(
        "pages/record.html",
        record=record,
        print=print,
        shared=False,
        sharing=sharing,
        workshop_id=workshop_id,
        # The share panel's writes go as the account then, with its session's token.
        csrf=csrf or (header.get("nav_csrf") if owner else None),
        # Another account reads it from the library or the start form, and has no seat to
        # go back to; an owner's way back is its console.
        back_url=f"/w/{workshop_id}" if caller or owner else "/library",
        back_label="Back to the peer assist" if caller or owner else "Back to the library",
        files_url=f"/api/v1/workshops/{workshop_id}/record",
        print_url=f"/w/{workshop_id}/record/print",
        **RECORD_HELPERS,
        **header,
    )


@router.get("/w/{workshop_id}/record", response_class=HTMLResponse)
async def record_page(workshop_id: str, request: Request) -> Response:
    """The record as a web page, for the people who took part."""
    return await _participant_page(request, workshop_id, print=False)


@router.get("/w/{workshop_id}/record/print", response_class=HTMLResponse)
async def record_print(workshop_id: str, request: Request) -> Response:
    """The same record laid out on A4."""
    return await _participant_page(request, workshop_id, print=True)


async def _share_panel(request: Request, workshop_id: str, new: dict | None) -> HTMLResponse:
    svc: Services = request.app.state.services
    links = await run_in_threadpool(_links, svc, workshop_id)
    return render(
        "partials/_share_links.html",
        sharing={"links": links, "new": new},
        workshop_id=workshop_id,
    )


@router.post("/w/{workshop_id}/record/links", response_class=HTMLResponse)
async def share_record(workshop_id: str, request: Request) -> Response:
    """Make a share link from the record page (htmx); the answer is the panel with it."""
    svc: Services = request.app.state.services
    caller = await record_sharer(request, workshop_id)
    outcome = await perform(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: after.create_share_link(
            session,
            w,
            actor=caller.actor,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        ),
    )
    return await _share_panel(request, workshop_id, outcome.body)


@router.post("/w/{workshop_id}/record/links/{link_id}/revoke", response_class=HTMLResponse)
async def revoke_record_link(workshop_id: str, link_id: RowId, request: Request) -> Response:
    svc: Services = request.app.state.services
    caller = await record_sharer(request, workshop_id)
    await perform(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: after.revoke_share_link(
            session, w, actor=caller.actor, link_id=link_id, now=now
        ),
    )
    return await _share_panel(request, workshop_id, None)


def _shared_workshop(svc: Services, token: str) -> str:
    """The workshop a share link opens; 404 unknown, 410 revoked."""
    with svc.db.reader() as session:
        link = queries.share_link_by_hash(session, token_hash=hash_secret(token))
    if link is None:
        raise NotFound("This link does not open any record.", code="share_link_not_found")
    if link.revoked_at is not None:
        raise RuleError(
            "This link was withdrawn by the people who shared it.", status=410, code="gone"
        )
    return link.workshop_id


async def _shared(request: Request, token: str) -> str | HTMLResponse:
    svc: Services = request.app.state.services
    try:
        return await run_in_threadpool(_shared_workshop, svc, token)
    except RuleError as exc:
        page = problem_page("This link does not work", exc.detail, exc.status)
        page.headers.update(SHARED_HEADERS)
        return page


async def _shared_page(request: Request, token: str, *, print: bool) -> HTMLResponse:
    svc: Services = request.app.state.services
    found = await _shared(request, token)
    if isinstance(found, HTMLResponse):
        return found
    page = render(
        "pages/record.html",
        record=await load_record(svc, found, feedback_words=False),
        print=print,
        shared=True,
        sharing=None,
        workshop_id=None,
        csrf=None,
        back_url=None,
        files_url=f"/s/{token}/record",
        print_url=f"/s/{token}/print",
        **RECORD_HELPERS,
    )
    page.headers.update(SHARED_HEADERS)
    return page


@router.get("/s/{token}", response_class=HTMLResponse)
async def shared_record(token: str, request: Request) -> HTMLResponse:
    """The record, read only, for someone who was not there."""
    return await _shared_page(request, token, print=False)


@router.get("/s/{token}/print", response_class=HTMLResponse)
async def shared_record_print(token: str, request: Request) -> HTMLResponse:
    return await _shared_page(request, token, print=True)


@router.get("/s/{token}/record.{fmt}")
async def shared_record_file(
    token: str, fmt: Literal["md", "docx", "json"], request: Request
) -> Response:
    svc: Services = request.app.state.services
    found = await _shared(request, token)
    if isinstance(found, HTMLResponse):
        return found
    response = record_file(await load_record(svc, found, feedback_words=False), fmt)
    response.headers.update(SHARED_HEADERS)
    return response
