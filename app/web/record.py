"""After the meeting, under /api/v1: the record, share links, feedback, review, report back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..actions import after_meeting as after
from ..actions import reminders
from ..actions.review import review_data
from ..db import account_queries as aq
from ..db import queries
from ..domain import after_meeting as rules
from ..domain.accounts import check_may_run
from ..domain.errors import RuleError
from ..domain.rules import Role
from ..exports.record_docx import record_docx
from ..exports.record_text import record_json, record_markdown
from . import record_schemas as rs
from .account_deps import reads_as_account, require_account
from .deps import Caller, CallerDep, Services, ServicesDep, get_caller, participant_scope, respond
from .export_schemas import RECORD_JSON, file_content
from .exports import slug
from .json_response import JSONResponse
from .schemas import ErrorBody, RowId

router = APIRouter()
COMMON = (401, 403, 404, 422)

RECORD_TYPES: dict[str, tuple[str, Callable[[dict], bytes]]] = {
    "md": ("text/markdown; charset=utf-8", record_markdown),
    "json": ("application/json", record_json),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        record_docx,
    ),
}


def _docs(status: int, model: Any = None, *errors: int) -> dict[int | str, dict[str, Any]]:
    docs: dict[int | str, dict[str, Any]] = {status: {"model": model} if model else {}}
    docs.update({code: {"model": ErrorBody} for code in errors})
    return docs


@dataclass(frozen=True)
class RecordReader:
    """Someone allowed to read a workshop's record."""

    workshop_id: str
    participant: Caller | None


async def record_reader(request: Request, workshop_id: str) -> RecordReader:
    """Who may read the record: a participant of this workshop, or an account that may see it.

    The one place that decides it.
    """
    if await reads_as_account(request, workshop_id):
        return RecordReader(workshop_id, None)
    return RecordReader(workshop_id, await get_caller(request, workshop_id))


RecordReaderDep = Annotated[RecordReader, Depends(record_reader)]


async def record_sharer(request: Request, workshop_id: str) -> Caller:
    """Who may share the record outside the room and revoke the links: the facilitator, the
    workshop's owner accounts and admins.

    An account acts through the facilitator: a share link records a participant as its maker,
    and the facilitator is the one who answers for the room.
    """
    if await reads_as_account(request, workshop_id):
        return await _account_as_facilitator(request, workshop_id)
    caller = await get_caller(request, workshop_id)
    rules.check_share(caller.actor)
    return caller


async def _account_as_facilitator(request: Request, workshop_id: str) -> Caller:
    """The facilitator, for an account that may run this peer assist (an owner, an admin)."""
    signed = await require_account(request)
    svc: Services = request.app.state.services

    def facilitator() -> Caller:
        with svc.db.reader() as session:
            owner_ids = aq.owner_ids(session, workshop_id=workshop_id)
            check_may_run(signed.viewer, owner_ids=owner_ids, doing="share the record")
            person = next(
                p
                for p in queries.participants(session, workshop_id=workshop_id)
                if p.role == Role.facilitator
            )
        assert person.id is not None
        return Caller(person.id, Role.facilitator, person.name, workshop_id, "", False)

    return await run_in_threadpool(facilitator)


RecordSharerDep = Annotated[Caller, Depends(record_sharer)]


async def reads_feedback_words(request: Request, reader: RecordReader) -> bool:
    """Whether this reader of the record may read what participants wrote in their feedback:
    who may share the record (record_sharer: the facilitator, the owners, admins), as GET
    /feedback is the facilitator's. Everyone else, a share link's reader too, gets the counts
    alone. Decided from who `record_reader` found, without asking again who is calling."""
    try:
        if reader.participant is not None:
            rules.check_share(reader.participant.actor)
        else:
            await _account_as_facilitator(request, reader.workshop_id)
    except RuleError:
        return False
    return True


async def load_record(svc: Services, workshop_id: str, *, feedback_words: bool) -> dict:
    def read() -> dict:
        with svc.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            return after.read_record(
                session,
                workshop=workshop,
                today=svc.clock().date(),
                feedback_words=feedback_words,
            )

    return await run_in_threadpool(read)


def record_file(record: dict, fmt: str) -> Response:
    media_type, render = RECORD_TYPES[fmt]
    filename = f"{slug(record['workshop']['title']).removesuffix('-actions')}-record.{fmt}"
    return Response(
        render(record),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/workshops/{workshop_id}/record.{fmt}",
    responses={
        200: {
            "content": file_content((t for t, _ in RECORD_TYPES.values()), RECORD_JSON),
            "description": "The record for people who were not there, ordered by meaning.",
        },
        **{code: {"model": ErrorBody} for code in COMMON},
    },
)
async def get_record(
    workshop_id: str,
    fmt: Literal["md", "docx", "json"],
    reader: RecordReaderDep,
    request: Request,
    svc: ServicesDep,
) -> Response:
    """The record: problem, background, surprises, themes, what worked, actions, takeaways."""
    words = await reads_feedback_words(request, reader)
    return record_file(await load_record(svc, reader.workshop_id, feedback_words=words), fmt)


@router.post(
    "/workshops/{workshop_id}/record/links",
    status_code=201,
    responses=_docs(201, rs.ShareLinkCreated, *COMMON),
)
async def create_share_link(
    workshop_id: str, sharer: RecordSharerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """A read-only link to the record for people who were not there. The link is shown once."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(sharer),
        apply=lambda session, w, now: after.create_share_link(
            session,
            w,
            actor=sharer.actor,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        ),
    )


@router.get(
    "/workshops/{workshop_id}/record/links",
    responses=_docs(200, list[rs.ShareLinkOut], *COMMON),
)
async def list_share_links(
    workshop_id: str, sharer: RecordSharerDep, svc: ServicesDep
) -> JSONResponse:
    """The share links made so far (without the links themselves: only their hashes are kept)."""

    def read() -> list[dict]:
        with svc.db.reader() as session:
            links = queries.share_links(session, workshop_id=workshop_id)
            return [after.share_link_record(k) for k in links]

    return JSONResponse(await run_in_threadpool(read))


@router.delete(
    "/workshops/{workshop_id}/record/links/{link_id}",
    responses=_docs(200, rs.ShareLinkOut, *COMMON),
)
async def revoke_share_link(
    workshop_id: str, link_id: RowId, sharer: RecordSharerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Revoke a share link: it stops working at once."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(sharer),
        apply=lambda session, w, now: after.revoke_share_link(
            session, w, actor=sharer.actor, link_id=link_id, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/feedback",
    status_code=201,
    responses=_docs(201, rs.FeedbackOut, 409, *COMMON),
)
async def give_feedback(
    workshop_id: str, body: rs.FeedbackGive, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Say how the session went (from reflection on); a second answer replaces the first."""
    answer = after.Answer(**body.model_dump())
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: after.give_feedback(
            session, w, actor=caller.actor, answer=answer, now=now
        ),
    )


@router.get("/workshops/{workshop_id}/feedback", responses=_docs(200, None, *COMMON))
async def read_feedback(
    workshop_id: str,
    caller: CallerDep,
    svc: ServicesDep,
    names: Annotated[bool, Query(description="Show who said what")] = False,
) -> JSONResponse:
    """The participants' answers for the facilitator, anonymised unless names=true."""
    rules.check_feedback_reader(caller.actor)

    def read() -> list[dict]:
        with svc.db.reader() as session:
            return queries.feedback(session, workshop_id=workshop_id)

    return JSONResponse(rules.feedback_summary(await run_in_threadpool(read), names=names))


@router.get("/workshops/{workshop_id}/review", responses=_docs(200, None, *COMMON))
async def get_review(workshop_id: str, caller: CallerDep, svc: ServicesDep) -> JSONResponse:
    """The after action review: what the app recorded, and the team's own words."""
    rules.check_review(caller.actor, reading=True)

    def read() -> dict:
        with svc.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            return review_data(session, workshop=workshop, now=svc.clock())

    return JSONResponse(await run_in_threadpool(read))


@router.put("/workshops/{workshop_id}/review", responses=_docs(200, None, *COMMON))
async def save_review(
    workshop_id: str, body: rs.ReviewWrite, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Answer the review's four questions (facilitator and host team)."""
    texts = body.model_dump()
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: after.save_review(
            session, w, actor=caller.actor, texts=texts, now=now
        ),
    )


@router.put(
    "/workshops/{workshop_id}/report-back",
    responses=_docs(200, rs.ReportBackOut, 409, *COMMON),
)
async def report_back(
    workshop_id: str,
    body: rs.ReportBackWrite,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """The host team says what it did and learned; the record gains 'What happened next'."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: after.report_back(
            session, w, actor=caller.actor, did=body.did, learned=body.learned, now=now
        ),
    )


@router.put(
    "/workshops/{workshop_id}/reminders",
    responses=_docs(200, rs.ReminderAddressesOut, *COMMON),
)
async def set_reminder_addresses(
    workshop_id: str,
    body: rs.ReminderAddresses,
    caller: CallerDep,
    request: Request,
    svc: ServicesDep,
) -> JSONResponse:
    """Where reminders to report back go (host team, facilitator); sent when SMTP_URL is set."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: reminders.set_addresses(
            session, w, actor=caller.actor, emails=body.emails, now=now
        ),
    )
