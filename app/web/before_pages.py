"""Before the meeting: the facilitator's page (briefing, invitation list, hints, invitations),
the briefing each invitee reads from their own link, and similar past peer assists."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..actions import before, workshops
from ..db import library, queries
from ..domain import invitations as rules
from ..domain.dates import zone_info
from ..domain.errors import Invalid, RuleError
from ..domain.guidance import meeting_day, timing_warning
from ..domain.phases import Phase, has_begun
from ..domain.rules import Role, check_writer
from ..domain.schedule import check_scheduler
from ..exports.invitation import briefing_text, invitation_ics, subject
from ..invitation_mail import uid_domain
from ..search import similar
from ..security import csrf_token
from .account_deps import header_context
from .deps import Caller, Services, get_caller, participant_scope, perform
from .forms import error_context, form_fields, typed_over, whole_number
from .page_access import page_caller
from .pages import not_for_your_role, problem_page, render
from .schedule_form import read_schedule, shown
from .schemas import RowId

router = APIRouter(include_in_schema=False)


def _list_context(svc: Services, workshop_id: str) -> dict[str, Any]:
    """The invitation list with the method's hints and the mix, as the page shows them."""
    with svc.db.reader() as session:
        rows = before.invitees(session, workshop_id=workshop_id)
        people = [
            rules.Invitee(r.name, r.email or "", r.unit, rules.InviteeRole(r.role), r.years)
            for r in rows
        ]
        rule = rules.OftenInvited(svc.settings.often_invited_times, svc.settings.often_invited_days)
        often = before.often_invited(
            session, emails=[p.email for p in people], today=svc.clock(), rule=rule
        )
        mails = before.mails(session, workshop_id=workshop_id)
        briefing = before.briefing_of(
            session, workshop=queries.get_workshop(session, workshop_id=workshop_id)
        )
    records = [
        before.invitee_record(r, secret_key=svc.settings.secret_key, base_url=svc.settings.base_url)
        for r in rows
    ]
    return {
        "workshop_id": workshop_id,
        "invitees": records,
        "often": often,
        "hints": rules.hints(people, often=often),
        "mix": rules.mix(people),
        "mails": mails,
        "mail_on": bool(svc.settings.smtp_url),
        # A calendar invite needs a start: without one the link would only fail to download.
        "has_start": briefing["starts_at"] is not None,
        # Mails from before the start last moved gave the old time.
        "sequence": briefing["sequence"],
        "rule": rule,
        "form": {},
        "error": None,
    }


def _briefing(svc: Services, workshop_id: str) -> dict:
    with svc.db.reader() as session:
        workshop = queries.get_workshop(session, workshop_id=workshop_id)
        return before.briefing_of(session, workshop=workshop)


def _timing(svc: Services, briefing: dict) -> dict | None:
    if not briefing["decision_date"]:
        return None
    day = meeting_day({"starts_at": briefing["starts_at"]}, svc.clock().date())
    return timing_warning(day, briefing["decision_date"], days_needed=svc.settings.days_to_act)


def _schedule(svc: Services, workshop_id: str, briefing: dict, **extra: Any) -> dict[str, Any]:
    """What the form for the start and the decision date shows, with the timing warning the
    dates draw (the console's and the API's), so a change shows its effect at once."""
    return {
        "workshop_id": workshop_id,
        "briefing": briefing,
        "schedule": shown(briefing),
        "zone": zone_info(briefing["time_zone"]).key,
        "begun": has_begun(Phase(briefing["phase"])),
        "timing": _timing(svc, briefing),
        **extra,
    }


async def _facilitator(request: Request, workshop_id: str) -> Caller | Response:
    caller = await page_caller(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    try:
        check_writer(caller.actor, (Role.facilitator,), "prepare the peer assist")
    except RuleError as exc:
        return not_for_your_role(exc, workshop_id)
    return caller


async def _preparer(request: Request, workshop_id: str) -> Caller:
    """The facilitator behind one of the preparation page's own requests (its forms, the list's
    refresh), or a refusal as the API words it: these answer htmx, which shows the sentence by
    the form, where a page's "Join first" would hide why (a form expired, too many changes)."""
    caller = await get_caller(request, workshop_id)
    check_writer(caller.actor, (Role.facilitator,), "prepare the peer assist")
    return caller


@router.get("/w/{workshop_id}/before", response_class=HTMLResponse)
async def before_page(workshop_id: str, request: Request) -> Response:
    """The facilitator's preparation: the briefing, who is invited, and the invitations."""
    svc: Services = request.app.state.services
    caller = await _facilitator(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    briefing = await run_in_threadpool(_briefing, svc, workshop_id)
    listed = await run_in_threadpool(_list_context, svc, workshop_id)
    return render(
        "pages/before.html",
        **{**_schedule(svc, workshop_id, briefing), **listed},
        csrf=csrf_token(svc.settings.secret_key, caller.token),
        **await header_context(request),
    )


@router.get("/w/{workshop_id}/before/timing", response_class=HTMLResponse)
async def timing_partial(workshop_id: str, request: Request) -> HTMLResponse:
    """The timing warning for the console, loaded beside the board."""
    svc: Services = request.app.state.services
    await get_caller(request, workshop_id)
    briefing = await run_in_threadpool(_briefing, svc, workshop_id)
    return render("partials/_timing.html", timing=_timing(svc, briefing), workshop_id=workshop_id)


async def _write(
    request: Request, caller: Caller, workshop_id: str, apply: Any
) -> RuleError | None:
    """Run one write for the caller; why it was refused, if it was."""
    svc: Services = request.app.state.services
    try:
        await perform(
            request, svc, workshop_id=workshop_id, scope=participant_scope(caller), apply=apply
        )
    except RuleError as exc:
        return exc
    return None


async def _list(
    request: Request, workshop_id: str, error: RuleError | None = None, **extra: Any
) -> HTMLResponse:
    """The invitation list: names, addresses and units, for the facilitator's eyes only (every
    route that renders it has asked `_preparer` first, a refused write's too)."""
    svc: Services = request.app.state.services
    listed = await run_in_threadpool(_list_context, svc, workshop_id)
    refused = error_context(error) if error else {}
    return render("partials/_invitation_list.html", **{**listed, **refused, **extra})


@router.post("/w/{workshop_id}/before/invitees", response_class=HTMLResponse)
async def add_invitee(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await _preparer(request, workshop_id)
    form = await form_fields(request)
    years = form.get("years", "").strip()
    if years and whole_number(years) is None:
        # Not dropped without a word: the person typed something, and it was not a number.
        refused = Invalid("Years of experience are a whole number from 0 to 70.", field="years")
        return await _list(request, workshop_id, refused, form=form)
    new = before.NewInvitee(
        name=form.get("name", ""),
        email=form.get("email", ""),
        unit=form.get("unit", ""),
        role=form.get("role", "visitor"),
        years=whole_number(years),
    )
    error = await _write(
        request,
        caller,
        workshop_id,
        lambda session, w, now: before.add_invitee(
            session,
            w,
            actor=caller.actor,
            new=new,
            now=now,
            secret_key=svc.settings.secret_key,
            base_url=svc.settings.base_url,
        ),
    )
    return await _list(request, workshop_id, error, form=form if error else {})


@router.post("/w/{workshop_id}/before/invitees/{invitee_id}/remove", response_class=HTMLResponse)
async def remove_invitee(workshop_id: str, invitee_id: RowId, request: Request) -> HTMLResponse:
    caller = await _preparer(request, workshop_id)
    error = await _write(
        request,
        caller,
        workshop_id,
        lambda session, w, now: before.remove_invitee(
            session, w, actor=caller.actor, invitee_id=invitee_id, now=now
        ),
    )
    return await _list(request, workshop_id, error, form={})


@router.post("/w/{workshop_id}/before/briefing", response_class=HTMLResponse)
async def save_briefing(workshop_id: str, request: Request) -> HTMLResponse:
    svc: Services = request.app.state.services
    caller = await _preparer(request, workshop_id)
    form = await form_fields(request)
    changes = before.BriefingChanges(
        purpose=form.get("purpose"),
        background=form.get("background"),
        links=form.get("links", "").splitlines(),
        ground_rules=form.get("ground_rules"),
        recorded=form.get("recorded") == "on",
    )
    error = await _write(
        request,
        caller,
        workshop_id,
        lambda session, w, now: before.set_briefing(
            session, w, actor=caller.actor, changes=changes, now=now
        ),
    )
    briefing = await run_in_threadpool(_briefing, svc, workshop_id)
    if error is None:
        return render(
            "partials/_briefing_form.html", briefing=briefing, workshop_id=workshop_id, saved=True
        )
    return render(
        "partials/_briefing_form.html",
        briefing=typed_over(briefing, asdict(changes)),
        workshop_id=workshop_id,
        **error_context(error),
    )


@router.post("/w/{workshop_id}/before/schedule", response_class=HTMLResponse)
async def save_schedule(workshop_id: str, request: Request) -> HTMLResponse:
    """Move the start or the decision date; the invitations and each person's page follow."""
    svc: Services = request.app.state.services
    caller = await get_caller(request, workshop_id)
    form = await form_fields(request)
    saved = await run_in_threadpool(_briefing, svc, workshop_id)
    try:
        # Who may is asked first: nobody else learns even whether their dates would do.
        check_scheduler(caller.actor)
        starts_at, decision_date = read_schedule(form, saved)
        await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=participant_scope(caller),
            apply=lambda session, w, now: before.reschedule(
                session,
                w,
                actor=caller.actor,
                starts_at=starts_at,
                decision_date=decision_date,
                now=now,
            ),
        )
    except RuleError as exc:
        typed = {name: form.get(name, "") for name in ("starts_at", "decision_date")}
        context = _schedule(svc, workshop_id, saved, **error_context(exc))
        context["schedule"] = typed_over(context["schedule"], typed)
        return render("partials/_schedule_form.html", **context)
    briefing = await run_in_threadpool(_briefing, svc, workshop_id)
    context = _schedule(svc, workshop_id, briefing, saved=True)
    return render("partials/_schedule_form.html", **context)


@router.post("/w/{workshop_id}/before/send", response_class=HTMLResponse)
async def send_invitations(workshop_id: str, request: Request) -> HTMLResponse:
    """Queue an invitation for each person not yet sent one, then mail them in the background."""
    svc: Services = request.app.state.services
    caller = await _preparer(request, workshop_id)
    briefing = await run_in_threadpool(_briefing, svc, workshop_id)
    error = None
    if request.app.state.invitations is None:
        error = RuleError(
            "This installation has no mail server (whoever runs it can add one, as SMTP_URL): "
            "copy each person's text below instead."
        )
    else:
        error = await _write(
            request,
            caller,
            workshop_id,
            lambda session, w, now: before.queue_invitations(
                session, w, actor=caller.actor, subject=subject(briefing), now=now
            ),
        )
        if error is None:
            request.app.state.invitations.kick(workshop_id)
    return await _list(request, workshop_id, error, form={})


@router.get("/w/{workshop_id}/before/list", response_class=HTMLResponse)
async def invitation_list(workshop_id: str, request: Request) -> HTMLResponse:
    """The list again, for the console to refresh while invitations go out."""
    await _preparer(request, workshop_id)
    return await _list(request, workshop_id, form={})


def _invitee(
    svc: Services, workshop_id: str, invitee_id: int
) -> tuple[dict, dict, dict | None] | None:
    """The person, the briefing, and who the invitation comes from (see organiser_of)."""
    with svc.db.reader() as session:
        row = queries.get_invitee(session, workshop_id=workshop_id, invitee_id=invitee_id)
        if row is None:
            return None
        workshop = queries.get_workshop(session, workshop_id=workshop_id)
        record = before.invitee_record(
            row, secret_key=svc.settings.secret_key, base_url=svc.settings.base_url
        )
        briefing = before.briefing_of(session, workshop=workshop)
        return record, briefing, before.organiser_of(session, workshop=workshop)


@router.get("/w/{workshop_id}/before/invitees/{invitee_id}/invite.ics")
async def invitee_ics(workshop_id: str, invitee_id: RowId, request: Request) -> Response:
    """The calendar request for one person, to attach by hand when there is no mail server."""
    svc: Services = request.app.state.services
    caller = await _facilitator(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    found = await run_in_threadpool(_invitee, svc, workshop_id, invitee_id)
    if found is None:
        return problem_page("Not on the list", "That person is not on this list.", 404)
    person, briefing, organiser = found
    ics = invitation_ics(
        briefing,
        workshop_id=workshop_id,
        email=person["email"],
        name=person["name"],
        role=person["role"],
        organiser=organiser,
        link=person["url"],
        uid_domain=uid_domain(svc.settings.base_url),
        now=svc.clock(),
    )
    if ics is None:
        return problem_page(
            "No start time yet", "Set when the peer assist starts to make a calendar invite.", 409
        )
    return Response(
        ics,
        media_type="text/calendar; method=REQUEST; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="peer-assist-invite.ics"'},
    )


@router.get("/w/{workshop_id}/before/invitees/{invitee_id}/text", response_class=HTMLResponse)
async def invitee_text(workshop_id: str, invitee_id: RowId, request: Request) -> Response:
    """The invitation's words for one person, to copy into a mail of one's own."""
    svc: Services = request.app.state.services
    caller = await _facilitator(request, workshop_id)
    if isinstance(caller, Response):
        return caller
    found = await run_in_threadpool(_invitee, svc, workshop_id, invitee_id)
    if found is None:
        return problem_page("Not on the list", "That person is not on this list.", 404)
    person, briefing, _ = found
    text = briefing_text(briefing, name=person["name"], role=person["role"], link=person["url"])
    return render(
        "partials/_invitation_text.html",
        person=person,
        subject=subject(briefing),
        text=text,
        workshop_id=workshop_id,
    )


def _personal(svc: Services, code: str) -> dict | None:
    with svc.db.reader() as session:
        row = before.invitee_by_code(session, code=code)
        if row is None:
            return None
        workshop = queries.get_workshop(session, workshop_id=row.workshop_id)
        links = workshops.current_invites(
            session,
            workshop_id=workshop.id,
            secret_key=svc.settings.secret_key,
            base_url=svc.settings.base_url,
        )
        return {
            "person": row,
            "workshop": workshop,
            "briefing": before.briefing_of(session, workshop=workshop),
            "join_code": links.get(row.role, {}).get("code"),
        }


@router.get("/i/{code}", response_class=HTMLResponse)
async def personal_briefing(code: str, request: Request) -> HTMLResponse:
    """What an invitee reads before the meeting, on their phone, and the way in on the day."""
    svc: Services = request.app.state.services
    found = await run_in_threadpool(_personal, svc, code)
    if found is None:
        return problem_page(
            "This invitation does not work",
            "The link is not known. Ask the facilitator to send it again.",
            404,
        )
    return render("pages/briefing.html", **found, code=code)


def _similar(svc: Services, text: str, visible: Any) -> list[dict]:
    with svc.db.reader() as session:
        hits = similar(session, text, visible=visible)
        about = library.summaries(session, workshop_ids=[h.workshop_id for h in hits])
    # One called off before it began solved nothing: it is no answer to "solved before?".
    return [
        {"hit": h, **about[h.workshop_id]}
        for h in hits
        if h.workshop_id in about and not about[h.workshop_id]["called_off"]
    ]


@router.post("/start/similar", response_class=HTMLResponse)
async def similar_past(request: Request) -> HTMLResponse:
    """Past peer assists like the problem being typed on the start form (htmx, debounced)."""
    svc: Services = request.app.state.services
    # Who may see which peer assist is the app's one decision (app.state.library_visibility);
    # asked first, so nobody signed out learns even that nothing matched.
    visible = await request.app.state.library_visibility(request)
    form = await form_fields(request)
    text = f"{form.get('title', '')} {form.get('problem', '')}".strip()
    if len(text) < 4:
        return HTMLResponse("")
    found = await run_in_threadpool(_similar, svc, text, visible)
    return render("partials/_similar.html", found=found)
