"""Server-rendered pages: start, join, the room for each role, the board and the print view."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..actions import before, workshops
from ..db import queries
from ..domain.dates import on_the_clocks
from ..domain.errors import Invalid, RuleError
from ..domain.guidance import decision_advice, past_start_advice
from ..domain.phases import AGENDA_TEMPLATES, plan_minutes
from ..domain.record import in_section
from ..domain.rules import Actor, CardKind
from ..security import cross_site, csrf_token, session_cookie_name, sign_session
from .account_deps import Signed, signed_in
from .deps import Caller, Services, participant_state, perform
from .form_errors import START_FORM, form_problems
from .forms import filled_fields, once_key
from .problem import ProblemPage
from .schemas import WorkshopCreate
from .templating import (
    BOARD_VIEWER,
    VIEW_OF_ROLE,
    board_kinds,
    kinds_for,
    listening,
    make_env,
    minutes,
)

router = APIRouter(include_in_schema=False)
ENV = make_env()
COOKIE_DAYS = 30
TIME_ZONES = sorted(available_timezones())
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.svg"
# A page differs by the account or seat in its cookies, and whole or in part for htmx.
VARY = {"Vary": "HX-Request, Cookie"}


# Pages whose form carries a key of its own (forms.form_once): kept by no cache, which would
# hand two people the same key and so, sent alike, the same seat.
ONE_TIME_FORMS = frozenset({"pages/join.html", "pages/start.html"})
NO_STORE = {**VARY, "Cache-Control": "private, no-store"}


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(**context)
    headers = NO_STORE if template in ONE_TIME_FORMS else VARY
    return HTMLResponse(html, status_code=status, headers=headers)


def problem_page(
    title: str, message: str, status: int, *, back: tuple[str, str] | None = None
) -> HTMLResponse:
    """A refusal people can act on: `back` is (href, label) of the page they came from, when
    there is one; a way home (their peer assists, or signing in) is always offered."""
    template = ENV.get_template("pages/problem.html")
    return ProblemPage(
        lambda signed: template.render(title=title, message=message, back=back, signed=signed),
        status,
        VARY,
    )


def no_such_peer_assist() -> HTMLResponse:
    """A room's address that leads nowhere: deleted, or a link mistyped or cut short. (The
    API's "no peer assist with that id" is for programs; people come by a link.)"""
    return problem_page(
        "No such peer assist",
        "This peer assist is not here: it may have been deleted, or the link may be "
        "incomplete. Ask the facilitator for a new link.",
        404,
    )


def not_for_your_role(exc: RuleError, workshop_id: str) -> HTMLResponse:
    """A participant reached a page of the meeting that their role does not open."""
    back = (f"/w/{workshop_id}", "Back to the meeting")
    return problem_page("Not for your role", exc.detail, exc.status, back=back)


def refuse_cross_site(request: Request, svc: Services) -> HTMLResponse | None:
    """A 403 page for a form posted from another site's page, else None.

    The forms that join or start a peer assist set a session cookie; another site must not
    be able to post them and log a visitor in under a session of its choosing."""
    if not cross_site(dict(request.headers), svc.settings.origins):
        return None
    return problem_page(
        "This form came from another site",
        "For your safety this form is only accepted from Peer Assist Live's own pages. "
        f"Open {svc.settings.base_url}/ or your invite link, and fill it in there.",
        403,
    )


def set_session(response: Response, svc: Services, workshop_id: str, token: str) -> None:
    secure = svc.settings.secure_cookies
    response.set_cookie(
        session_cookie_name(workshop_id),
        sign_session(svc.settings.secret_key, token),
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def room_context(state: dict, view: str, viewer: Actor) -> dict:
    """What every template of a room needs, from a participant's state."""
    cards = state["cards"]
    if view == "board":
        cards = [c for c in cards if not (c.get("hidden") or c.get("private"))]
        cards = [
            {**c, "mine": False} | ({"author": None} if c.get("anonymous") else {}) for c in cards
        ]
    return {
        "state": state,
        "workshop": state["workshop"],
        "workshop_id": state["workshop"]["id"],
        "phase": state["phase"],
        "view": view,
        "viewer": viewer,
        "cards": cards,
        "me": state["me"],
        "kinds": kinds_for(view, state["phase"], state["mute"], viewer.id),
        "board_kinds": board_kinds(state["phase"]),
        "listening": listening(view, state["mute"], viewer.id),
        "hosts": [p for p in state["participants"] if p["role"] == "host"],
    }


def local_time(wall_clock: str, zone: str) -> str:
    """'2027-03-01T09:30' in a zone, as an ISO time with its offset; unchanged if not a time.
    Invalid (naming `starts_at`) for a time the zone's clocks skip."""
    try:
        naive = datetime.fromisoformat(wall_clock)
    except ValueError:
        return wall_clock  # the schema says what is wrong with it
    # The form's field has no offset; one typed anyway is read as the room's clocks too.
    return on_the_clocks(naive.replace(tzinfo=None), ZoneInfo(zone)).isoformat()


def lengths(svc: Services) -> list[tuple[str, str]]:
    """Choices for the meeting's length: built-in agendas, plain lengths, saved templates."""
    with svc.db.reader() as session:
        saved = queries.agenda_templates(session)
    return (
        [(f"tpl:{key}", name) for key, (name, _) in AGENDA_TEMPLATES.items()]
        + [("min:90", "90 minutes"), ("min:120", "2 hours"), ("min:180", "3 hours")]
        + [
            (f"saved:{t.id}", f"Saved: {t.name} ({minutes(sum(t.planned_s.values()))})")
            for t in saved
        ]
    )


def resolve_length(svc: Services, choice: str) -> tuple[int, dict[str, int] | None] | None:
    """A length choice as (duration in minutes, planned seconds by phase or None).

    None when the choice is not one the form offers (or no longer does): the caller answers
    with a sentence, never a 500, however large or odd the number in it.
    """
    kind, _, value = choice.partition(":")
    if kind == "tpl" and value in AGENDA_TEMPLATES:
        planned = AGENDA_TEMPLATES[value][1]
        return plan_minutes(planned), {p.value: s for p, s in planned.items()}
    if kind == "saved" and (template_id := queries.row_id_from_text(value)) is not None:
        with svc.db.reader() as session:
            row = queries.agenda_template(session, template_id=template_id)
        if row is not None:
            return sum(row.planned_s.values()) // 60, dict(row.planned_s)
    if kind == "min" and queries.ROW_ID_TEXT.fullmatch(value):
        return int(value), None
    return None


async def _start_form(
    request: Request,
    signed: Signed,
    form: dict,
    errors: str | list[str] | None,
    status: int = 200,
) -> HTMLResponse:
    """The start form for `signed`, whom the caller has already found (a second look would
    ask the database again)."""
    from .account_pages import account_context

    svc: Services = request.app.state.services
    choices = await run_in_threadpool(lengths, svc)
    return render(
        "pages/start.html",
        status,
        form=form,
        errors=errors,
        lengths=choices,
        **account_context(svc, signed),
        time_zones=TIME_ZONES,
        default_zone=svc.settings.time_zone,
    )


@router.get("/", response_class=HTMLResponse)
async def start_page(request: Request) -> Response:
    """The start form, for accounts; a signed-out person is sent to sign in and back."""
    signed = await signed_in(request)
    if signed is None:
        return RedirectResponse("/signin?next=/", status_code=303)
    # Most often the account's owner facilitates: their name, which they may change.
    return await _start_form(request, signed, {"facilitator_name": signed.account.name}, None)


@router.post("/start/advice", response_class=HTMLResponse)
async def start_advice(request: Request) -> HTMLResponse:
    """Live advice while a form is filled in (the start form, the Before page's): has the
    start passed, and is the decision too close to learn in time?"""
    form = await filled_fields(request)
    svc: Services = request.app.state.services
    zone = form.get("time_zone") if form.get("time_zone") in TIME_ZONES else None
    try:
        starts = (
            datetime.fromisoformat(local_time(form["starts_at"], zone or svc.settings.time_zone))
            if form.get("starts_at")
            else None
        )
        decision = (
            date.fromisoformat(form["decision_date"]) if form.get("decision_date") else (None)
        )
    except Invalid as exc:  # a time the clocks skip: said while it is typed
        return render("partials/_advice.html", advice=[exc.detail])
    except ValueError:
        return HTMLResponse("")
    # The app's clock, not the machine's: the same "today" as every other check.
    now = svc.clock()
    day = starts.date() if starts else now.date()
    advice = [
        past_start_advice(starts, now),
        decision_advice(day, decision, days_needed=svc.settings.days_to_act),
    ]
    return render("partials/_advice.html", advice=[a for a in advice if a])


@router.post("/start", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    svc: Services = request.app.state.services
    if refused := refuse_cross_site(request, svc):
        return refused
    signed = await signed_in(request)
    if signed is None:
        return RedirectResponse("/signin?next=/", status_code=303)
    form = await filled_fields(request)
    # Every problem at once, so a person does not fix one only to meet the next.
    errors: list[str] = []
    length = await run_in_threadpool(resolve_length, svc, str(form.get("length", "")))
    duration, planned = length or (0, None)
    zone = form.get("time_zone") or svc.settings.time_zone
    if length is None:
        errors.append("Length: choose one from the list; that choice is not one we offer.")
    if form.get("aim_is_learning") != "on":
        errors.append(
            "Tick the box to confirm the aim is to learn, not to have a decision endorsed."
        )
    if zone not in TIME_ZONES:
        errors.append("Time zone: choose one from the list.")
        zone = svc.settings.time_zone
    try:
        starts_at = local_time(form["starts_at"], zone) if form.get("starts_at") else None
    except Invalid as exc:
        errors.append(exc.detail)
        starts_at = None
    try:
        body = WorkshopCreate.model_validate(
            {
                "title": form.get("title", ""),
                "problem": form.get("problem", ""),
                "purpose": form.get("purpose"),
                "facilitator_name": form.get("facilitator_name", ""),
                "duration_minutes": duration,
                "decision_date": form.get("decision_date"),
                # The form's time is wall-clock time in the chosen zone.
                "starts_at": starts_at,
                "recorded": form.get("recorded") == "on",
                "visibility": form.get("visibility", "organisation"),
                "unit": (form.get("unit") or "").strip() or None,
            }
        )
    except ValidationError as exc:
        # An unknown length is said above already.
        errors += form_problems(
            [e for e in exc.errors() if length or e["loc"] != ("duration_minutes",)], START_FORM
        )
    if errors:
        return await _start_form(request, signed, form, errors, 422)
    new = workshops.NewWorkshop(
        **body.model_dump(), planned=planned, time_zone=zone, owner_id=signed.id
    )
    try:
        outcome = await perform(
            request,
            svc,
            workshop_id=None,
            scope=f"create:{signed.id}",
            form_key=once_key(form),
            apply=lambda session, _, now: workshops.create_workshop(
                session,
                new=new,
                now=now,
                base_url=svc.settings.base_url,
                secret_key=svc.settings.secret_key,
            ),
        )
    except RuleError as exc:
        return await _start_form(request, signed, form, exc.detail, exc.status)
    workshop_id = outcome.body["workshop"]["id"]
    response = RedirectResponse(f"/w/{workshop_id}", status_code=303)
    set_session(response, svc, workshop_id, outcome.body["facilitator_token"])
    return response


async def _room_state(request: Request, workshop_id: str) -> tuple[Caller, dict] | Response:
    from .page_access import page_caller  # it answers with this module's pages

    svc: Services = request.app.state.services
    caller = await page_caller(
        request,
        workshop_id,
        "Open the invite link you were sent to join this "
        "peer assist. If you have lost it, ask the facilitator.",
    )
    if isinstance(caller, Response):
        return caller
    return caller, await participant_state(svc, workshop_id, caller.actor)


def _invites(svc: Services, workshop_id: str) -> dict:
    with svc.db.reader() as session:
        return workshops.current_invites(
            session,
            workshop_id=workshop_id,
            secret_key=svc.settings.secret_key,
            base_url=svc.settings.base_url,
        )


def briefing_rules(svc: Services, workshop_id: str) -> str | None:
    """The briefing's own ground rules, said wherever the standard ones are (the board in the
    welcome, the join pages, the briefing)."""
    with svc.db.reader() as session:
        return before.ground_rules_of(session, workshop_id=workshop_id)


def _visitor_takeaways(svc: Services, workshop_id: str) -> set[int]:
    """Which takeaways are the visitors', as the record decides: an anonymous card's view
    carries no role, so the page cannot tell by itself."""
    with svc.db.reader() as session:
        cards = queries.cards(session, workshop_id=workshop_id)
    return {c["id"] for c in cards if in_section(c, (CardKind.takeaway,), "takeaways")}


async def _show(request: Request, workshop_id: str, page: str) -> Response:
    found = await _room_state(request, workshop_id)
    if isinstance(found, Response):
        return found
    caller, state = found
    svc: Services = request.app.state.services
    view = "board" if page == "board" else VIEW_OF_ROLE[caller.role]
    viewer = BOARD_VIEWER if view == "board" else caller.actor
    context = room_context(state, view, viewer)
    if page == "print":
        # Paper shows no invites; it names the visitors' takeaways as the record does.
        context["visitor_takeaways"] = await run_in_threadpool(
            _visitor_takeaways, svc, state["workshop"]["id"]
        )
    elif view == "console" or view == "board":
        context["invites"] = await run_in_threadpool(_invites, svc, state["workshop"]["id"])
    if view == "board":
        context["ground_rules"] = await run_in_threadpool(briefing_rules, svc, workshop_id)
    context.update(
        csrf=csrf_token(svc.settings.secret_key, caller.token),
        live_url=f"/w/{state['workshop']['id']}/live?view={view}",
        caller=caller,
        base_url=svc.settings.base_url,
    )
    template = {
        "room": "pages/board.html" if view == "board" else "pages/room.html",
        "board": "pages/board.html",
        "print": "pages/print.html",
    }[page]
    return render(template, **context)


@router.get("/w/{workshop_id}", response_class=HTMLResponse)
async def room(workshop_id: str, request: Request) -> Response:
    """The room as the caller's role sees it: console, host view, visitor view or board."""
    return await _show(request, workshop_id, "room")


@router.get("/w/{workshop_id}/board", response_class=HTMLResponse)
async def board(workshop_id: str, request: Request) -> Response:
    """The projector board, open to any participant."""
    return await _show(request, workshop_id, "board")


@router.get("/w/{workshop_id}/print", response_class=HTMLResponse)
async def print_view(workshop_id: str, request: Request) -> Response:
    """The action list and the visitors' options on A4."""
    return await _show(request, workshop_id, "print")


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """Browsers ask for it whatever the page says; answer with the same icon, not a 404."""
    return FileResponse(
        FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/privacy", response_class=HTMLResponse)
async def privacy(request: Request) -> HTMLResponse:
    """What we keep about people in a peer assist, for how long, and who sees it."""
    svc: Services = request.app.state.services
    return render("pages/privacy.html", retention_days=svc.settings.retention_days)
