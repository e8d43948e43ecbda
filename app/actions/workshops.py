"""Creating a peer assist and joining it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from ..db import account_queries, queries
from ..db.account_models import WorkshopOwner
from ..db.models import AgendaTemplate, Invite, Participant, Workshop
from ..db.records import participant_record, workshop_record
from ..domain.accounts import MAX_TEMPLATES, MAX_TEMPLATES_PER_ACCOUNT
from ..domain.dates import check_date
from ..domain.errors import NotFound, RuleError
from ..domain.events import ParticipantJoined
from ..domain.meeting import opening
from ..domain.phases import Phase, default_agenda, replan
from ..domain.rules import Actor, Role, check_writer
from ..search.documents import mark_changed
from ..security import (
    Sealed,
    hash_secret,
    invite_code,
    new_room_code,
    new_workshop_id,
)
from .base import Events, store_meeting

INVITED_ROLES = (Role.host, Role.visitor, Role.projector, Role.facilitator)
# The public contract lists these three in the create response; the co-facilitator's link
# is shown on the console only.
CONTRACT_INVITES = ("host", "visitor", "projector")


class InviteRevoked(RuleError):
    status, code = 410, "invite_revoked"


@dataclass(frozen=True)
class NewWorkshop:
    title: str
    problem: str
    duration_minutes: int
    facilitator_name: str
    purpose: str | None = None
    decision_date: date | None = None
    starts_at: datetime | None = None
    recorded: bool = False
    # Planned seconds by phase name, from an agenda template; None: the default split.
    planned: dict[str, int] | None = None
    visibility: str = "organisation"
    # The account it belongs to; None only for peer assists made before accounts existed.
    owner_id: int | None = None
    # Where the room's dates and times are shown (an IANA name); the app's TIME_ZONE if None.
    time_zone: str | None = None
    # The host team's unit, for the programme dashboard's filter.
    unit: str | None = None


def renew_invite(
    session: Session, *, workshop_id: str, role: str, now: datetime, secret_key: str, base_url: str
) -> dict:
    """Withdraw a role's invite code (it then answers 410) and issue a new one: its link."""
    for invite in queries.invites(session, workshop_id=workshop_id, role=role):
        if invite.revoked_at is None:
            invite.revoked_at = now
            session.add(invite)
    return _new_invite(
        session,
        workshop_id=workshop_id,
        role=role,
        now=now,
        secret_key=secret_key,
        base_url=base_url,
    )


def _new_invite(
    session: Session, *, workshop_id: str, role: str, now: datetime, secret_key: str, base_url: str
) -> dict:
    code = Sealed(secret_key)
    session.add(
        Invite(
            workshop_id=workshop_id,
            role=role,
            code_hash=hash_secret(code),
            nonce=code.nonce,
            created_at=now,
        )
    )
    return {"code": code, "url": code.link(secret_key, base_url, "/j/")}


def current_invites(
    session: Session, *, workshop_id: str, secret_key: str, base_url: str
) -> dict[str, dict]:
    """The live invite link of each role, for the facilitator's console."""
    links = {}
    for role in INVITED_ROLES:
        for invite in queries.invites(session, workshop_id=workshop_id, role=role.value):
            if invite.revoked_at is None:
                code = invite_code(secret_key, invite.nonce)
                links[role.value] = {"code": code, "url": f"{base_url}/j/{code}"}
    return links


def create_workshop(
    session: Session, *, new: NewWorkshop, now: datetime, base_url: str, secret_key: str
) -> tuple[int, dict, Events]:
    """Make the workshop, its facilitator and one invite code per role."""
    if new.decision_date is not None:
        check_date("decision_date", new.decision_date, now.date())
    workshop = Workshop(
        id=new_workshop_id(),
        title=new.title,
        problem=new.problem,
        purpose=new.purpose,
        duration_minutes=new.duration_minutes,
        facilitator_name=new.facilitator_name,
        decision_date=new.decision_date,
        starts_at=new.starts_at,
        recorded=new.recorded,
        created_at=now,
        phase="welcome",
        agenda=[],
        timer_status="stopped",
        timer_duration_s=0,
        speakers=[],
        room_code=new_room_code(),
        visibility=new.visibility,
        time_zone=new.time_zone,
        unit=new.unit,
    )
    agenda = default_agenda(new.duration_minutes)
    if new.planned:
        agenda = replan(agenda, {Phase(name): s for name, s in new.planned.items()})
    store_meeting(workshop, opening(agenda))
    session.add(workshop)
    session.flush()
    token = Sealed(secret_key)
    facilitator = Participant(
        workshop_id=workshop.id,
        role=Role.facilitator.value,
        name=new.facilitator_name,
        token_hash=hash_secret(token),
        joined_at=now,
        account_id=new.owner_id,
        token_nonce=token.nonce if new.owner_id is not None else None,
    )
    session.add(facilitator)
    if new.owner_id is not None:
        session.add(WorkshopOwner(workshop_id=workshop.id, account_id=new.owner_id, added_at=now))
    invites = {
        role.value: _new_invite(
            session,
            workshop_id=workshop.id,
            role=role.value,
            now=now,
            secret_key=secret_key,
            base_url=base_url,
        )
        for role in INVITED_ROLES
    }
    session.flush()
    mark_changed(session, workshop.id)
    body = {
        "workshop": workshop_record(workshop),
        "workshop_id": workshop.id,
        "facilitator_token": token,
        "participant": {"id": facilitator.id, "name": facilitator.name, "role": "facilitator"},
        "invites": {role: invites[role] for role in CONTRACT_INVITES},
    }
    return 201, body, []


def find_invite(session: Session, *, code: str, revoked_too: bool = False) -> Invite:
    invite = queries.invite_by_code(session, code_hash=hash_secret(code))
    if invite is None:
        raise NotFound(
            "That invite code is not known. Check the link, or ask the facilitator for a new one.",
            code="invite_not_found",
        )
    if invite.revoked_at is not None and not revoked_too:
        raise InviteRevoked(
            "That invite code has been withdrawn. Ask the facilitator for the current link."
        )
    return invite


def join(
    session: Session,
    workshop: Workshop,
    *,
    invite: Invite,
    name: str,
    now: datetime,
    secret_key: str,
) -> tuple[int, dict, Events]:
    token = Sealed(secret_key)
    participant = Participant(
        workshop_id=workshop.id,
        role=invite.role,
        name=name,
        token_hash=hash_secret(token),
        joined_at=now,
    )
    session.add(participant)
    session.flush()
    record = participant_record(participant)
    body = {"participant": record, "token": token, "workshop_id": workshop.id}
    return 201, body, [ParticipantJoined(record)]


def rotate_invite(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    role: str,
    now: datetime,
    base_url: str,
    secret_key: str,
) -> tuple[int, dict, Events]:
    """Withdraw a role's invite code (it then answers 410) and issue a new one."""
    check_writer(actor, (Role.facilitator,), "change invite links")
    if role not in {r.value for r in INVITED_ROLES}:
        raise NotFound(f"There is no {role} invite.", code="invite_not_found")
    link = renew_invite(
        session,
        workshop_id=workshop.id,
        role=role,
        now=now,
        secret_key=secret_key,
        base_url=base_url,
    )
    session.flush()
    return 201, {"role": role, **link}, []


def save_agenda_template(
    session: Session, workshop: Workshop, *, actor: Actor, name: str, now: datetime
) -> tuple[int, dict, Events]:
    """Keep this workshop's planned times as a named template for the next peer assist."""
    check_writer(actor, (Role.facilitator,), "save agenda templates")
    # Templates belong to the organisation's accounts: the facilitator's own, or the owner's.
    seat = session.get(Participant, actor.id)
    creator = seat.account_id if seat is not None else None
    if creator is None:
        creator = next(
            iter(sorted(account_queries.owner_ids(session, workshop_id=workshop.id))), None
        )
    if creator is None:
        raise RuleError(
            "Only a peer assist that belongs to an account can save templates.",
            code="no_owner",
        )
    if account_queries.template_count(session) >= MAX_TEMPLATES:
        raise RuleError(
            f"This installation keeps {MAX_TEMPLATES} templates; ask an admin to delete some.",
            code="too_many_templates",
        )
    if account_queries.templates_of(session, account_id=creator) >= MAX_TEMPLATES_PER_ACCOUNT:
        raise RuleError(
            f"An account can keep {MAX_TEMPLATES_PER_ACCOUNT} templates; delete one first.",
            code="too_many_templates",
        )
    planned = {item["phase"]: item["planned_s"] for item in workshop.agenda}
    row = AgendaTemplate(name=name, planned_s=planned, created_at=now, created_by=creator)
    session.add(row)
    session.flush()
    return 201, template_record(row), []


def template_record(row: AgendaTemplate) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "planned_s": row.planned_s,
        "duration_minutes": sum(row.planned_s.values()) // 60,
        "created_by": row.created_by,
    }
