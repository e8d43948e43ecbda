"""Before the meeting: the invitation list, the briefing, and invitations queued for mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ..db import account_queries as aq
from ..db import queries
from ..db.models import Briefing, InvitationMail, Invitee, Workshop
from ..db.records import workshop_record
from ..domain import invitations as rules
from ..domain.dates import check_date
from ..domain.errors import Invalid, NotFound
from ..domain.events import WorkshopUpdated
from ..domain.phases import Phase
from ..domain.rules import Actor, Role, check_writer
from ..domain.schedule import check_scheduler, check_start_movable
from ..security import Sealed, hash_secret, invite_code
from .base import Events


@dataclass(frozen=True)
class NewInvitee:
    name: str
    email: str
    unit: str
    role: str
    years: int | None = None


def invitee_record(row: Invitee, *, secret_key: str, base_url: str) -> dict:
    code = invite_code(secret_key, row.nonce)
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "unit": row.unit,
        "role": row.role,
        "years": row.years,
        "url": f"{base_url}/i/{code}",
    }


def add_invitee(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    new: NewInvitee,
    now: datetime,
    secret_key: str,
    base_url: str,
) -> tuple[int, dict, Events]:
    check_writer(actor, (Role.facilitator,), "edit the invitation list")
    person = rules.check_invitee(
        name=new.name, email=new.email, unit=new.unit, role=new.role, years=new.years
    )
    if person.email:
        taken = session.exec(
            select(Invitee).where(Invitee.workshop_id == workshop.id, Invitee.email == person.email)
        ).first()
        if taken is not None:
            raise Invalid(f"{person.email} is on the list already.", code="already_invited")
    else:
        # With no address a person is told apart by name alone (a list is short): a form sent
        # twice must not list them twice, each with a personal link of their own.
        unaddressed = session.exec(
            select(Invitee).where(Invitee.workshop_id == workshop.id, Invitee.email.is_(None))
        )
        if any(i.name.casefold() == person.name.casefold() for i in unaddressed):
            raise Invalid(
                f"{person.name} is on the list already, without an address. Someone else of "
                "that name needs their address, or their name written another way.",
                code="already_invited",
            )
    code = Sealed(secret_key)
    row = Invitee(
        workshop_id=workshop.id,
        name=person.name,
        email=person.email or None,
        unit=person.unit,
        role=person.role.value,
        years=person.years,
        nonce=code.nonce,
        code_hash=hash_secret(code),
        added_at=now,
    )
    session.add(row)
    session.flush()
    return 201, invitee_record(row, secret_key=secret_key, base_url=base_url), []


def remove_invitee(
    session: Session, workshop: Workshop, *, actor: Actor, invitee_id: int, now: datetime
) -> tuple[int, dict, Events]:
    check_writer(actor, (Role.facilitator,), "edit the invitation list")
    row = queries.get_invitee(session, workshop_id=workshop.id, invitee_id=invitee_id)
    if row is None:
        raise NotFound("That person is not on this invitation list.", code="invitee_not_found")
    session.execute(sa.delete(InvitationMail).where(InvitationMail.invitee_id == invitee_id))
    session.delete(row)
    session.flush()
    return 200, {"removed": invitee_id}, []


def invitees(session: Session, *, workshop_id: str) -> list[Invitee]:
    return list(
        session.exec(select(Invitee).where(Invitee.workshop_id == workshop_id).order_by(Invitee.id))
    )


def invitee_by_code(session: Session, *, code: str) -> Invitee | None:
    return session.exec(select(Invitee).where(Invitee.code_hash == hash_secret(code))).first()


def often_invited(
    session: Session, *, emails: list[str], today: datetime, rule: rules.OftenInvited
) -> frozenset[str]:
    """Who on this list is on other lists too often lately (any peer assist counts)."""
    emails = [e for e in emails if e]  # someone with no address cannot be told apart
    if not emails:
        return frozenset()
    since = today - timedelta(days=rule.days)
    rows = session.execute(
        sa.select(Invitee.email, Invitee.workshop_id, Invitee.added_at).where(
            sa.func.lower(Invitee.email).in_([e.casefold() for e in emails]),
            Invitee.added_at >= since,
        )
    ).all()
    found = [(email, wid, added.date()) for email, wid, added in rows]
    return rules.often_invited(found, today=today.date(), rule=rule)


@dataclass(frozen=True)
class BriefingChanges:
    purpose: str | None
    background: str | None
    links: list[str]
    ground_rules: str | None
    recorded: bool


def ground_rules_of(session: Session, *, workshop_id: str) -> str | None:
    """The facilitator's own ground rules from the briefing, said after the standard ones."""
    row = session.get(Briefing, workshop_id)
    return row.ground_rules if row else None


def briefing_of(session: Session, *, workshop: Workshop) -> dict:
    row = session.get(Briefing, workshop.id)
    return {
        "title": workshop.title,
        "purpose": workshop.purpose,
        "problem": workshop.problem,
        "background": row.background if row else None,
        "decision_date": workshop.decision_date,
        "starts_at": workshop.starts_at,
        "time_zone": workshop.time_zone,
        "duration_minutes": workshop.duration_minutes,
        "links": list(row.links) if row else [],
        "ground_rules": row.ground_rules if row else None,
        "recorded": workshop.recorded,
        "facilitator_name": workshop.facilitator_name,
        "phase": workshop.phase,
        "sequence": row.sequence if row else 0,
    }


def invited_name(session: Session, *, code: str, workshop_id: str, role: str) -> str:
    """The name of whoever owns this personal invitation code, when it is for this peer
    assist and this role (else ""): their join page is filled in with it."""
    row = invitee_by_code(session, code=code)
    if row is None or (row.workshop_id, row.role) != (workshop_id, role):
        return ""
    return row.name


def organiser_of(session: Session, *, workshop: Workshop) -> dict | None:
    """Who an invitation comes from and whom replies reach: the account that owns the peer
    assist, when it is active and its address reaches someone; else nobody is named."""
    for row, account in aq.owners(session, workshop_id=workshop.id):
        if row.kind == "owner" and account.active and rules.reachable(account.email):
            return {"name": account.name, "email": account.email}
    return None


def _briefing_changed(session: Session, workshop: Workshop) -> tuple[int, dict, Events]:
    """The briefing as it now is; open screens are sent the workshop's new record."""
    session.add(workshop)
    session.flush()
    return (
        200,
        briefing_of(session, workshop=workshop),
        [WorkshopUpdated(workshop_record(workshop))],
    )


def set_briefing(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    changes: BriefingChanges,
    now: datetime,
) -> tuple[int, dict, Events]:
    """Write the briefing; the purpose lives on the workshop, so the projector shows it."""
    check_writer(actor, (Role.facilitator,), "write the briefing")
    links = rules.check_links(changes.links)
    for text, what, field in (
        (changes.purpose, "The purpose", "purpose"),
        (changes.background, "The background", "background"),
        (changes.ground_rules, "The ground rules", "ground_rules"),
    ):
        if text is not None and len(text) > 4000:
            raise Invalid(f"{what} is longer than 4,000 characters.", code="too_long", field=field)
    row = session.get(Briefing, workshop.id) or Briefing(workshop_id=workshop.id, links=[])
    row.background = (changes.background or "").strip() or None
    row.ground_rules = (changes.ground_rules or "").strip() or None
    row.links = links
    row.updated_at = now
    session.add(row)
    workshop.purpose = (changes.purpose or "").strip() or None
    workshop.recorded = changes.recorded
    return _briefing_changed(session, workshop)


def reschedule(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    starts_at: datetime | None,
    decision_date: date | None,
    now: datetime,
) -> tuple[int, dict, Events]:
    """Move the start or the decision date, each checked as when the peer assist was made.

    Only what changed is checked: a decision date kept as it was may have passed meanwhile."""
    check_scheduler(actor)
    moved = starts_at != workshop.starts_at
    if moved:
        check_start_movable(Phase(workshop.phase))
    if decision_date is not None and decision_date != workshop.decision_date:
        check_date("decision_date", decision_date, now.date())
    if moved:
        row = session.get(Briefing, workshop.id) or Briefing(workshop_id=workshop.id, links=[])
        row.sequence += 1
        row.updated_at = now
        session.add(row)
    workshop.starts_at, workshop.decision_date = starts_at, decision_date
    return _briefing_changed(session, workshop)


# ---------------------------------------------------------------- invitations by mail


def queue_invitations(
    session: Session, workshop: Workshop, *, actor: Actor, subject: str, now: datetime
) -> tuple[int, dict, Events]:
    """Queue one invitation for each person not yet sent one with the current time; sending
    happens elsewhere. Someone mailed before the start moved is sent the new time; one still
    queued is covered whatever the time was then, for a mail is built as it is sent."""
    check_writer(actor, (Role.facilitator,), "send invitations")
    briefing = session.get(Briefing, workshop.id)
    sequence = briefing.sequence if briefing else 0
    already = set(
        session.exec(
            select(InvitationMail.invitee_id).where(
                InvitationMail.workshop_id == workshop.id,
                (InvitationMail.status == "queued")
                | ((InvitationMail.status == "sent") & (InvitationMail.sequence == sequence)),
            )
        )
    )
    queued = []
    for person in invitees(session, workshop_id=workshop.id):
        # Someone with no address gets the text and the .ics by hand; the list says so.
        if person.id in already or not person.email:
            continue
        mail = InvitationMail(
            workshop_id=workshop.id,
            invitee_id=person.id,
            email=person.email,
            subject=subject,
            status="queued",
            queued_at=now,
            sequence=sequence,
        )
        session.add(mail)
        queued.append(mail)
    session.flush()
    return 202, {"queued": [m.id for m in queued]}, []


def mails(session: Session, *, workshop_id: str) -> list[InvitationMail]:
    return list(
        session.exec(
            select(InvitationMail)
            .where(InvitationMail.workshop_id == workshop_id)
            .order_by(InvitationMail.id)
        )
    )


def mail_result(mail_id: int, *, error: str | None, give_up: bool, sequence: int):  # type: ignore[no-untyped-def]
    """An apply that records one attempt: sent (with the time it carried: `sequence`, the
    briefing's when the mail was built), failed for now, or failed for good."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> tuple[int, dict, Events]:
        mail = session.get(InvitationMail, mail_id)
        if mail is None:  # the person was taken off the list meanwhile
            return 200, {}, []
        mail.attempts += 1
        mail.error = error
        if error is None:
            mail.status, mail.sent_at, mail.sequence = "sent", now, sequence
        elif give_up:
            mail.status = "failed"
        session.add(mail)
        session.flush()
        return 200, {"status": mail.status}, []

    return apply
