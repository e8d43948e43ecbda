"""Who owns a peer assist, who may find it, and an owner's way back into its console."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import account_queries as aq
from ..db import queries
from ..db.account_models import WorkshopOwner
from ..db.models import AgendaTemplate, Participant, Workshop
from ..db.records import participant_record, workshop_record
from ..domain.accounts import Viewer, Visibility, check_may_run, may_run
from ..domain.errors import Forbidden, Invalid, NotFound, RuleError
from ..domain.events import ParticipantJoined, ParticipantRemoved, WorkshopUpdated
from ..domain.rules import Role
from ..security import Sealed, hash_secret
from .base import Events


def owners_record(session: Session, *, workshop_id: str) -> dict:
    return {
        "workshop_id": workshop_id,
        "owners": owners_by_workshop(session, workshop_ids=[workshop_id])[workshop_id],
    }


def owners_by_workshop(session: Session, *, workshop_ids: list[str]) -> dict[str, list[dict]]:
    """Who owns each listed peer assist, as the API names them."""
    return {
        workshop_id: [
            {"id": a.id, "name": a.name, "email": a.email, "kind": o.kind} for o, a in owned
        ]
        for workshop_id, owned in aq.owners_of(session, workshop_ids=workshop_ids).items()
    }


def add_owner(
    session: Session, workshop: Workshop, *, by: Viewer, email: str, now: datetime
) -> tuple[int, dict, Events]:
    """An owner adds a co-owner; on a peer assist with no owner, an admin assigns one."""
    current = aq.owner_ids(session, workshop_id=workshop.id)
    check_may_run(by, owner_ids=current, doing="change its owners")
    account = aq.account_by_email(session, email=email.strip().lower())
    if account is None or not account.active or account.id is None:
        raise NotFound("There is no active account with that email.", code="account_not_found")
    if account.id in current:
        raise RuleError("That account owns this peer assist already.", code="already_owner")
    kind = "co_owner" if current else "owner"
    session.add(
        WorkshopOwner(workshop_id=workshop.id, account_id=account.id, kind=kind, added_at=now)
    )
    session.flush()
    return 201, owners_record(session, workshop_id=workshop.id), []


def remove_owner(
    session: Session, workshop: Workshop, *, by: Viewer, account_id: int, now: datetime
) -> tuple[int, dict, Events]:
    """An owner or admin removes a co-owner; the owner itself stays. The facilitator seat
    that owning it gave them goes too: kept, it ran the meeting as before."""
    check_may_run(
        by, owner_ids=aq.owner_ids(session, workshop_id=workshop.id), doing="change its owners"
    )
    row = (
        session.get(WorkshopOwner, (workshop.id, account_id))
        if queries.plausible(account_id)
        else None
    )
    if row is None:
        raise NotFound("That account does not own this peer assist.", code="owner_not_found")
    if row.kind == "owner":
        raise Forbidden("The owner cannot be removed; an admin can assign another.")
    session.delete(row)
    events: Events = []
    seat = aq.seat_of(session, workshop_id=workshop.id, account_id=account_id)
    if seat is not None:
        assert seat.id is not None
        # Never a sha256 in hex, so no token matches it again (as lifecycle's removal does);
        # their name stays, for they took part.
        seat.token_hash, seat.token_nonce, seat.removed_at = f"removed:{seat.id}", None, now
        session.add(seat)
        events.append(ParticipantRemoved(seat.id, seat.role))
    session.flush()
    return 200, owners_record(session, workshop_id=workshop.id), events


def set_visibility(
    session: Session, workshop: Workshop, *, by: Viewer, visibility: str
) -> tuple[int, dict, Events]:
    check_may_run(
        by, owner_ids=aq.owner_ids(session, workshop_id=workshop.id), doing="change who finds it"
    )
    if visibility not in {v.value for v in Visibility}:
        raise Invalid("Visibility is 'organisation' or 'restricted'.", code="invalid_visibility")
    changed = workshop.visibility != visibility
    workshop.visibility = visibility
    session.add(workshop)
    # The state's workshop carries its visibility: open screens and replays learn of it.
    events: Events = [WorkshopUpdated(workshop_record(workshop))] if changed else []
    return 200, {"workshop_id": workshop.id, "visibility": visibility}, events


def may_open_console(session: Session, *, workshop_id: str, viewer: Viewer) -> bool:
    """Whom console_seat seats: the peer assist's owners and co-owners, and admins. The pages
    of a peer assist ask it too, to send such an account to its seat rather than away."""
    return may_run(viewer, owner_ids=aq.owner_ids(session, workshop_id=workshop_id))


def console_seat(
    session: Session, workshop: Workshop, *, by: Viewer, name: str, now: datetime, secret_key: str
) -> tuple[int, dict, Events]:
    """A facilitator token for an owner or admin, from any browser.

    The account's seat is reused (its token derived again from the nonce kept with it); an
    account without one, such as a co-owner, gets a facilitator seat of its own.
    """
    if not may_open_console(session, workshop_id=workshop.id, viewer=by):
        raise Forbidden("Only this peer assist's owners or an admin may open its console.")
    seat = aq.seat_of(session, workshop_id=workshop.id, account_id=by.id)
    if seat is not None and seat.token_nonce:
        return 200, {"token": Sealed(secret_key, seat.token_nonce), "workshop_id": workshop.id}, []
    token = Sealed(secret_key)
    seat = Participant(
        workshop_id=workshop.id,
        role=Role.facilitator.value,
        name=name,
        token_hash=hash_secret(token),
        joined_at=now,
        account_id=by.id,
        token_nonce=token.nonce,
    )
    session.add(seat)
    session.flush()
    record = participant_record(seat)
    return 200, {"token": token, "workshop_id": workshop.id}, [ParticipantJoined(record)]


def delete_template(session: Session, *, by: Viewer, template_id: int) -> None:
    """Its creator or an admin deletes a saved agenda template."""
    row = session.get(AgendaTemplate, template_id) if 1 <= template_id <= 2**31 - 1 else None
    if row is None:
        raise NotFound("There is no such template.", code="template_not_found")
    if row.created_by != by.id and not by.is_admin:
        raise Forbidden("Only the account that saved a template, or an admin, may delete it.")
    session.delete(row)
