"""Pages for after the meeting: the survey, the facilitator's view of it, the review, follow-up."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..actions import after_meeting as after
from ..actions import reminders
from ..actions.action_list import ActionChanges, edit_action
from ..actions.review import review_data
from ..db import library, queries, reminder_queries
from ..db.records import action_record, workshop_record
from ..domain import after_meeting as rules
from ..domain.errors import Invalid, RuleError
from ..domain.phases import Phase
from ..domain.record import REPORT_BACK_LABELS, ReportBackStatus
from ..domain.rules import ActionStatus
from ..exports._common import STATUS_LABELS
from ..security import csrf_token
from .account_deps import header_context
from .deps import Services, get_caller, participant_scope, perform
from .form_errors import FOLLOW_UP_FORM, form_problems
from .forms import error_context, form_fields, typed_over, whole_number
from .page_access import page_caller
from .pages import not_for_your_role, render
from .schemas import ActionUpdate, RowId

router = APIRouter(include_in_schema=False)


def _my_answer(svc: Services, workshop_id: str, participant_id: int) -> tuple[dict | None, bool]:
    """This participant's earlier answer, and whether the peer assist was called off: closed
    without having met (one not begun is not called off; its survey opens at reflection)."""
    with svc.db.reader() as session:
        found = queries.feedback(session, workshop_id=workshop_id)
        closed = queries.get_workshop(session, workshop_id=workshop_id).phase == Phase.closed
        called_off = closed and not library.has_met(session, workshop_id)
    return next((a for a in found if a["participant_id"] == participant_id), None), called_off


def _survey(
    workshop_id: str, answer: dict | None, *, page: bool = False, **extra: Any
) -> HTMLResponse:
    return render(
        "pages/survey.html" if page else "partials/_survey.html",
        workshop_id=workshop_id,
        answer=answer,
        QUESTIONS=rules.FEEDBACK_QUESTIONS,
        **extra,
    )


@router.get("/w/{workshop_id}/survey", response_class=HTMLResponse)
async def survey(workshop_id: str, request: Request) -> Response:
    """The survey's form, with this participant's earlier answer if there is one.

    The room fetches the form into its panel; opened on its own (a link kept from the room, a
    reload), the same form comes in a page of its own with the way back to the meeting."""
    svc: Services = request.app.state.services
    fetched = bool(request.headers.get("HX-Request"))
    caller = await (get_caller if fetched else page_caller)(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    answer, called_off = await run_in_threadpool(_my_answer, svc, workshop_id, caller.id)
    if fetched:
        return _survey(workshop_id, answer, called_off=called_off)
    # A page of its own sends the form itself, so it carries the CSRF token the room would.
    return _survey(
        workshop_id,
        answer,
        page=True,
        called_off=called_off,
        csrf=csrf_token(svc.settings.secret_key, caller.token),
        **await header_context(request),
    )


@router.post("/w/{workshop_id}/survey", response_class=HTMLResponse)
async def answer_survey(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    form = await form_fields(request)
    score = form.get("satisfaction", "")
    answer = after.Answer(
        satisfaction=whole_number(score) or 0,  # 0: the rule's own sentence refuses it
        **{field: form.get(field) for field in rules.FEEDBACK_TEXTS},
    )
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: after.give_feedback(
                session, w, actor=caller.actor, answer=answer, now=now
            ),
        )
    except RuleError as exc:
        saved, called_off = await run_in_threadpool(_my_answer, svc, workshop_id, caller.id)
        return _survey(
            workshop_id,
            typed_over(saved, asdict(answer)),
            called_off=called_off,
            **error_context(exc),
        )
    return _survey(workshop_id, outcome.body, thanks=True)


def _feedback(svc: Services, workshop_id: str) -> list[dict]:
    with svc.db.reader() as session:
        return queries.feedback(session, workshop_id=workshop_id)


@router.get("/w/{workshop_id}/feedback-panel", response_class=HTMLResponse)
async def feedback_panel(workshop_id: str, request: Request, names: bool = False) -> HTMLResponse:
    """The answers for the facilitator's console: anonymised unless names are asked for."""
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    rules.check_feedback_reader(caller.actor)
    answers = await run_in_threadpool(_feedback, svc, workshop_id)
    return render(
        "partials/_feedback_panel.html",
        workshop_id=workshop_id,
        summary=rules.feedback_summary(answers, names=names),
        names=names,
        QUESTIONS=rules.FEEDBACK_QUESTIONS,
    )


def _review(svc: Services, workshop_id: str) -> tuple[dict, dict]:
    with svc.db.reader() as session:
        workshop = queries.get_workshop(session, workshop_id=workshop_id)
        return workshop_record(workshop), review_data(session, workshop=workshop, now=svc.clock())


@router.get("/w/{workshop_id}/review", response_class=HTMLResponse)
async def review_page(workshop_id: str, request: Request) -> Response:
    """The after action review for the facilitator and the host team."""
    svc: Services = request.app.state.services
    caller = await page_caller(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    try:
        rules.check_review(caller.actor, reading=True)
    except RuleError as exc:
        return not_for_your_role(exc, workshop_id)
    workshop, data = await run_in_threadpool(_review, svc, workshop_id)
    return render(
        "pages/review.html",
        workshop=workshop,
        workshop_id=workshop_id,
        data=data,
        words=data["review"],
        QUESTIONS=rules.REVIEW_QUESTIONS,
        csrf=csrf_token(svc.settings.secret_key, caller.token),
        **await header_context(request),
    )


@router.post("/w/{workshop_id}/review", response_class=HTMLResponse)
async def save_review_page(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    form = await form_fields(request)
    texts = {field: form.get(field) for field in rules.REVIEW_FIELDS}
    context: dict[str, Any] = {"workshop_id": workshop_id, "QUESTIONS": rules.REVIEW_QUESTIONS}
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: after.save_review(
                session, w, actor=caller.actor, texts=texts, now=now
            ),
        )
    except RuleError as exc:
        return render("partials/_review_form.html", words=texts, **error_context(exc), **context)
    return render("partials/_review_form.html", words=outcome.body, saved=True, **context)


def _follow_up(svc: Services, workshop_id: str) -> dict:
    with svc.db.reader() as session:
        workshop = queries.get_workshop(session, workshop_id=workshop_id)
        return {
            "workshop": workshop_record(workshop),
            "closed": workshop.phase == Phase.closed.value,
            "actions": queries.actions(session, workshop_id=workshop_id),
            "report": queries.report_back(session, workshop_id=workshop_id),
            "emails": reminder_queries.reminder_addresses(session, workshop_id=workshop_id),
            "record": after.read_record(session, workshop=workshop, today=svc.clock().date()),
        }


@router.get("/w/{workshop_id}/follow-up", response_class=HTMLResponse)
async def follow_up_page(workshop_id: str, request: Request) -> Response:
    """The host team's follow-up: each action's status and note, then the report back."""
    svc: Services = request.app.state.services
    caller = await page_caller(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    try:
        rules.check_follow_up(caller.actor, "follow up the actions")
    except RuleError as exc:
        return not_for_your_role(exc, workshop_id)
    found = await run_in_threadpool(_follow_up, svc, workshop_id)
    return render(
        "pages/follow_up.html",
        **found,
        workshop_id=workshop_id,
        STATUSES=STATUS_LABELS,
        FOLLOW_UP_FIELDS=FOLLOW_UP_FIELDS,
        csrf=csrf_token(svc.settings.secret_key, caller.token),
        **_mail_context(svc),
        **await header_context(request),
    )


def _mail_context(svc: Services) -> dict[str, Any]:
    return {
        "days_before": svc.settings.reminder_days_before,
        "mail_on": bool(svc.settings.smtp_url),
    }


@router.post("/w/{workshop_id}/follow-up/reminders", response_class=HTMLResponse)
async def reminder_addresses(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    emails = (await form_fields(request)).get("emails", "").replace(",", "\n").splitlines()
    context: dict[str, Any] = {"workshop_id": workshop_id, **_mail_context(svc)}
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: reminders.set_addresses(
                session, w, actor=caller.actor, emails=emails, now=now
            ),
        )
    except RuleError as exc:
        return render(
            "partials/_reminder_addresses.html", emails=emails, **error_context(exc), **context
        )
    return render(
        "partials/_reminder_addresses.html", emails=outcome.body["emails"], saved=True, **context
    )


@router.post("/w/{workshop_id}/follow-up/actions/{action_id}", response_class=HTMLResponse)
async def follow_up_action(workshop_id: str, action_id: RowId, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    form = await form_fields(request)
    changed = {field: _changed(form, field) for field in FOLLOW_UP_FIELDS}
    status, note, owner, due = changed.values()
    context: dict[str, Any] = {
        "workshop_id": workshop_id,
        "STATUSES": STATUS_LABELS,
        "FOLLOW_UP_FIELDS": FOLLOW_UP_FIELDS,
    }
    try:
        given = _owner_and_due(owner or "", due or "")
        changes = ActionChanges(
            status=_status(status) if status is not None else None,
            note=rules.clean_text(note, "The note", "note") if note else None,
            owner=given.owner,
            due_date=given.due_date,
            # A field emptied clears what was there, as null does in the API (an emptied
            # status has been refused above).
            cleared=frozenset(f for f, typed in changed.items() if typed == ""),
        )
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: edit_action(
                session, w, actor=caller.actor, action_id=action_id, changes=changes, now=now
            ),
        )
    except RuleError as exc:
        saved = await run_in_threadpool(_action, svc, workshop_id, action_id)
        typed = {f: form.get(f, "") for f in FOLLOW_UP_FIELDS}
        # What the page first showed stays what a later save is compared with.
        shown = {f: form.get(f"{f}_was", (saved or {}).get(f) or "") for f in FOLLOW_UP_FIELDS}
        return render(
            "partials/_follow_up_action.html",
            action=typed_over(saved, typed),
            shown=shown,
            **error_context(exc),
            **context,
        )
    return render("partials/_follow_up_action.html", action=outcome.body, saved=True, **context)


FOLLOW_UP_FIELDS = ("status", "note", "owner", "due_date")


def _changed(form: dict[str, str], field: str) -> str | None:
    """What the person changed `field` to, or None when they left it as their page showed it
    (its `<field>_was`), or it was not in the form (a page from before it had the field): a
    change someone else made meanwhile stands."""
    if field not in form:
        return None
    typed = form[field].strip()
    was = form.get(f"{field}_was")
    return None if was is not None and typed == was.strip() else typed


def _owner_and_due(owner: str, due: str) -> ActionUpdate:
    """The owner and due date read as the API reads them (its ActionUpdate: a name of at most
    80 characters, a day written 2027-01-31); edit_action then checks the day as it does for
    the API. A refusal names the field as the form labels it."""
    try:
        return ActionUpdate.model_validate({"owner": owner or None, "due_date": due or None})
    except ValidationError as exc:
        first = exc.errors()[0]
        sentence = form_problems([dict(first)], FOLLOW_UP_FORM)[0]
        raise Invalid(sentence, field=str(first["loc"][0])) from None


def _status(value: str) -> ActionStatus:
    try:
        return ActionStatus(value)
    except ValueError:
        raise Invalid("Choose a status.", code="invalid_status", field="status") from None


def _action(svc: Services, workshop_id: str, action_id: int) -> dict:
    with svc.db.reader() as session:
        return action_record(
            queries.get_action(session, workshop_id=workshop_id, action_id=action_id)
        )


def _report(svc: Services, workshop_id: str) -> dict | None:
    with svc.db.reader() as session:
        return queries.report_back(session, workshop_id=workshop_id)


@router.post("/w/{workshop_id}/follow-up/report-back", response_class=HTMLResponse)
async def report_back_page(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    form = await form_fields(request)
    context: dict[str, Any] = {"workshop_id": workshop_id, "closed": True}
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: after.report_back(
                session,
                w,
                actor=caller.actor,
                did=form.get("did"),
                learned=form.get("learned"),
                now=now,
            ),
        )
    except RuleError as exc:
        saved = await run_in_threadpool(_report, svc, workshop_id)
        typed = {"did": form.get("did", ""), "learned": form.get("learned", "")}
        report = typed_over(saved, typed)
        return render("partials/_report_back.html", report=report, **error_context(exc), **context)
    # The promise at the top of the page says so at once, not at the next visit.
    reported = REPORT_BACK_LABELS[ReportBackStatus.reported]
    return render(
        "partials/_report_back.html", report=outcome.body, saved=True, reported=reported, **context
    )
