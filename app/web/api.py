"""The JSON API under /api/v1, as ../shared/API.md describes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..actions import action_list, cards, lobby, meeting, room, workshops
from ..actions.cards import CardChanges, NewCard
from ..db import queries
from ..db.models import Workshop
from ..domain.errors import Invalid
from ..domain.phases import AGENDA_TEMPLATES, plan_minutes
from . import exports as export_routes
from . import record as record_routes
from . import schemas as s
from .account_deps import AccountDep
from .deps import (
    CallerDep,
    ServicesDep,
    client_address,
    participant_scope,
    participant_state,
    perform,
    respond,
)
from .timing import with_timing

router = APIRouter(prefix="/api/v1")


def _docs(model: type, status: int = 200, *errors: int) -> dict[int | str, dict[str, Any]]:
    docs: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    for code in errors:
        docs[code] = {"model": s.ErrorBody}
    return docs


COMMON = (401, 403, 404, 422)


@router.post(
    "/workshops", status_code=201, responses=_docs(s.WorkshopCreated, 201, 401, 403, 413, 422)
)
async def create_workshop(
    body: s.WorkshopCreate, signed: AccountDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Create a peer assist (an account): returns the facilitator's token and invite links."""
    new = workshops.NewWorkshop(
        **body.model_dump(), owner_id=signed.id, time_zone=svc.settings.time_zone
    )

    def apply(session: Session, _: Workshop | None, now: datetime) -> Any:
        return workshops.create_workshop(
            session,
            new=new,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        )

    # No participant yet: a key is scoped to the account.
    outcome = await perform(
        request, svc, workshop_id=None, apply=apply, scope=f"create:{signed.id}"
    )
    return JSONResponse(with_timing(svc, outcome.body), status_code=outcome.status)


@router.post("/join/{code}", status_code=201, responses=_docs(s.Joined, 201, 404, 410, 422))
async def join(code: str, body: s.JoinRequest, request: Request, svc: ServicesDep) -> JSONResponse:
    """Join with an invite code, accepting the ground rules."""
    if not body.accept_ground_rules:
        raise Invalid("Please accept the ground rules to join.", code="ground_rules_not_accepted")

    def find() -> str:
        with svc.db.reader() as session:
            return workshops.find_invite(session, code=code, revoked_too=True).workshop_id

    workshop_id = await run_in_threadpool(find)

    def apply(session: Session, workshop: Workshop | None, now: datetime) -> Any:
        assert workshop is not None
        # Checked here, under the lock and after a repeat has had its first answer replayed:
        # the code may have been withdrawn meanwhile (410).
        invite = workshops.find_invite(session, code=code)
        return workshops.join(
            session,
            workshop,
            invite=invite,
            name=body.name,
            now=now,
            secret_key=svc.settings.secret_key,
        )

    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        apply=apply,
        scope=f"join:{workshop_id}:{client_address(request)}",
    )


@router.post(
    "/workshops/{workshop_id}/invites/{role}/rotate",
    status_code=201,
    responses=_docs(s.InviteRotated, 201, *COMMON),
)
async def rotate_invite(
    workshop_id: str, role: str, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Withdraw an invite code and issue a new one (facilitator). The old code answers 410."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: workshops.rotate_invite(
            session,
            w,
            actor=caller.actor,
            role=role,
            now=now,
            base_url=svc.settings.base_url,
            secret_key=svc.settings.secret_key,
        ),
    )


@router.get("/workshops/{workshop_id}", responses=_docs(s.StateOut, 200, *COMMON))
async def get_state(workshop_id: str, caller: CallerDep, svc: ServicesDep) -> JSONResponse:
    """The whole state, as this participant may see it."""
    return JSONResponse(with_timing(svc, await participant_state(svc, workshop_id, caller.actor)))


@router.post("/workshops/{workshop_id}/phase", responses=_docs(s.StateOut, 200, 409, *COMMON))
async def change_phase(
    workshop_id: str, body: s.PhaseMove, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Go to the next or previous phase, or jump to one (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.change_phase(
            session, w, actor=caller.actor, to=body.to, now=now
        ),
    )


@router.post("/workshops/{workshop_id}/timer", responses=_docs(s.TimerOut, 200, 409, *COMMON))
async def command_timer(
    workshop_id: str, body: s.TimerCommand, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Start, pause, resume, extend or reset the phase timer (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.command_timer(
            session, w, actor=caller.actor, action=body.action, seconds=body.seconds, now=now
        ),
    )


@router.put("/workshops/{workshop_id}/mute", responses=_docs(s.MuteOut, 200, 409, *COMMON))
async def set_mute(
    workshop_id: str, body: s.MuteUpdate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Mute or unmute the host team and name who may still speak (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.set_mute(
            session,
            w,
            actor=caller.actor,
            host_team_muted=body.host_team_muted,
            speakers=body.speakers,
        ),
    )


@router.put("/workshops/{workshop_id}/agenda", responses=_docs(s.AgendaOut, 200, *COMMON))
async def edit_agenda(
    workshop_id: str, body: s.AgendaUpdate, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Change the planned length of phases, in seconds (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: meeting.edit_agenda(
            session, w, actor=caller.actor, planned=body.planned_s, now=now
        ),
    )


@router.post(
    "/workshops/{workshop_id}/cards",
    status_code=201,
    responses=_docs(s.CardOut, 201, 409, 413, *COMMON),
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
    "/workshops/{workshop_id}/cards/{card_id}", responses=_docs(s.CardOut, 200, 409, *COMMON)
)
async def edit_card(
    workshop_id: str,
    card_id: int,
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
    "/workshops/{workshop_id}/cards/{card_id}/vote", responses=_docs(s.VoteOut, 200, 409, *COMMON)
)
async def vote(
    workshop_id: str, card_id: int, caller: CallerDep, request: Request, svc: ServicesDep
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
    "/workshops/{workshop_id}/cards/{card_id}/vote", responses=_docs(s.VoteOut, 200, 409, *COMMON)
)
async def unvote(
    workshop_id: str, card_id: int, caller: CallerDep, request: Request, svc: ServicesDep
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
    responses=_docs(s.ActionOut, 201, 409, *COMMON),
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
    "/workshops/{workshop_id}/actions/{action_id}", responses=_docs(s.ActionOut, 200, 409, *COMMON)
)
async def edit_action(
    workshop_id: str,
    action_id: int,
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
    "/workshops/{workshop_id}/commitment", responses=_docs(s.CommitmentOut, 200, 409, *COMMON)
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


@router.put(
    "/workshops/{workshop_id}/private-writing", responses=_docs(s.WorkshopOut, 200, *COMMON)
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


@router.put("/workshops/{workshop_id}/spotlight", responses=_docs(s.WorkshopOut, 200, 409, *COMMON))
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


@router.put("/workshops/{workshop_id}/signal", responses=_docs(s.ParticipantOut, 200, *COMMON))
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


@router.put("/workshops/{workshop_id}/lobby", responses=_docs(s.WorkshopOut, 200, *COMMON))
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


@router.post("/workshops/{workshop_id}/lobby/{knock_id}", responses=_docs(dict, 200, *COMMON))
async def admit(
    workshop_id: str,
    knock_id: int,
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


@router.post(
    "/workshops/{workshop_id}/agenda/templates",
    status_code=201,
    responses=_docs(s.TemplateOut, 201, *COMMON),
)
async def save_agenda_template(
    workshop_id: str, body: s.TemplateSave, caller: CallerDep, request: Request, svc: ServicesDep
) -> JSONResponse:
    """Save this workshop's planned times as an agenda template (facilitator)."""
    return await respond(
        request,
        svc,
        workshop_id=workshop_id,
        scope=participant_scope(caller),
        apply=lambda session, w, now: workshops.save_agenda_template(
            session, w, actor=caller.actor, name=body.name, now=now
        ),
    )


@router.get("/agenda-templates", responses=_docs(list[s.TemplateOut], 200, 401, 403))
async def list_agenda_templates(signed: AccountDep, svc: ServicesDep) -> JSONResponse:
    """Agenda templates (accounts): the built-in half day, full day and two days, then saved."""

    def read() -> list[dict]:
        with svc.db.reader() as session:
            return [workshops.template_record(t) for t in queries.agenda_templates(session)]

    return JSONResponse(builtin_templates() + await run_in_threadpool(read))


def builtin_templates() -> list[dict]:
    return [
        {
            "id": key,
            "name": name,
            "planned_s": {p.value: sec for p, sec in planned.items()},
            "duration_minutes": plan_minutes(planned),
        }
        for key, (name, planned) in AGENDA_TEMPLATES.items()
    ]


router.include_router(export_routes.router)
router.include_router(record_routes.router)
