"""The data's lifecycle: delete a peer assist, remove a participant, withdraw an invite.

Each is a write like any other (see base.py). Withdrawing access from live connections and
from tokens other workers remember happens after the commit, in the web layer
(`deps.withdraw_access`), as publishing does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from ..db import account_queries, queries
from ..db import lifecycle as lifecycle_db
from ..db.models import Card, Participant, Workshop
from ..domain import meeting as meeting_rules
from ..domain.accounts import Viewer, check_may_run
from ..domain.errors import NotFound, RuleError
from ..domain.events import CardUpdated, ParticipantRemoved
from ..domain.lifecycle import FORMER_PARTICIPANT, purge_cutoff, scrub_event
from ..domain.rules import Actor, Role, check_writer
from .base import Events, meeting_of, store_meeting
from .runner import Writer
from .workshops import INVITED_ROLES

# Event types that can carry a participant's name (see domain.lifecycle.scrub_event).
NAMING_EVENTS = (
    "card.added",
    "card.updated",
    "participant.joined",
    "participant.updated",
    "commitment.set",
    "lobby.changed",
)


class CannotRemoveYourself(RuleError):
    status, code = 409, "cannot_remove_yourself"


def delete_workshop(
    session: Session, workshop: Workshop, *, by: Viewer
) -> tuple[int, dict, Events]:
    """Delete the workshop and everything of it: its owners and admins may (API.md)."""
    owners = account_queries.owner_ids(session, workshop_id=workshop.id)
    check_may_run(by, owner_ids=owners, doing="delete it")
    _erase(session, workshop)
    return 204, {}, []


def _erase(session: Session, workshop: Workshop) -> None:
    lifecycle_db.delete_workshop_rows(session, workshop_id=workshop.id)
    session.expunge(workshop)  # gone from the database; the session must not write it back


def remove_participant(
    session: Session, workshop: Workshop, *, actor: Actor, participant_id: int, now: datetime
) -> tuple[int, dict, Events]:
    """Take a participant out: their token stops working and their name goes everywhere.

    Their cards and votes stay, as the meeting's record; they are shown as written by "a
    former participant". The row stays too, nameless, because the cards refer to it."""
    check_writer(actor, (Role.facilitator,), "remove participants")
    participant = (
        session.get(Participant, participant_id) if queries.plausible(participant_id) else None
    )
    if participant is None or participant.workshop_id != workshop.id or participant.removed_at:
        raise NotFound(
            "There is nobody with that id in this peer assist.", code="participant_not_found"
        )
    if participant_id == actor.id:
        raise CannotRemoveYourself(
            "You cannot remove yourself; another facilitator can, or leave the meeting open."
        )
    participant.name = FORMER_PARTICIPANT
    # Never a sha256 in hex, so no token can ever match it again; unique like the hashes.
    participant.token_hash = f"removed:{participant_id}"
    participant.removed_at = now
    participant.signal = "none"
    session.add(participant)
    knock_ids = frozenset(_forget_knocks(session, participant_id))
    _forget_answers(session, workshop.id, participant_id, knock_ids)
    for event in lifecycle_db.events_of(session, workshop_id=workshop.id):
        if event.type in NAMING_EVENTS:
            scrubbed = scrub_event(
                event.type, event.data, participant_id=participant_id, knock_ids=knock_ids
            )
            if scrubbed is not None:
                event.data = scrubbed
                session.add(event)
    session.flush()
    events: Events = [ParticipantRemoved(participant_id, participant.role)]
    events += _drop_speaker(session, workshop, participant_id)
    # Screens showing their cards learn the new author name; nothing else about a card changes.
    for card in session.exec(
        select(Card).where(Card.workshop_id == workshop.id, Card.author_id == participant_id)
    ):
        events.append(CardUpdated(queries.card_with_author(session, card=card)))
    return 204, {}, events


def _forget_knocks(session: Session, participant_id: int) -> list[int]:
    """The lobby knock they came in by held their name and the same token's hash."""
    ids = []
    for knock in lifecycle_db.knocks_of(session, participant_id=participant_id):
        assert knock.id is not None
        knock.name = FORMER_PARTICIPANT
        knock.token_hash = f"removed:knock:{knock.id}"
        session.add(knock)
        ids.append(knock.id)
    return ids


def _forget_answers(
    session: Session, workshop_id: str, participant_id: int, knock_ids: frozenset[int]
) -> None:
    """Stored answers (for Idempotency-Key repeats) to their own requests go, since nobody can
    repeat those now; others' answers that named them (letting them in) lose the name."""
    for answer in lifecycle_db.answers_of(session, workshop_id=workshop_id):
        body = answer.body if isinstance(answer.body, dict) else {}
        named = (body.get("participant") or {}).get("id") == participant_id
        theirs = answer.scope == f"participant:{participant_id}" or (
            answer.scope.startswith(("join:", "knock:"))
            and (named or body.get("knock_id") in knock_ids)
        )
        if theirs:
            session.delete(answer)
        elif named:
            answer.body = {
                **body,
                "participant": {**body["participant"], "name": FORMER_PARTICIPANT},
            }
            session.add(answer)


def _drop_speaker(session: Session, workshop: Workshop, participant_id: int) -> Events:
    meeting = meeting_of(workshop)
    if participant_id not in meeting.mute.speakers:
        return []
    kept = [s for s in meeting.mute.speakers if s != participant_id]
    after, events = meeting_rules.set_mute(meeting, meeting.mute.host_team_muted, kept, set(kept))
    store_meeting(workshop, after)
    session.add(workshop)
    return events


def revoke_invite(
    session: Session, workshop: Workshop, *, actor: Actor, role: str, now: datetime
) -> tuple[int, dict, Events]:
    """Withdraw a role's invite link without a new one: its code answers 410 from now on."""
    check_writer(actor, (Role.facilitator,), "withdraw invite links")
    if role not in {r.value for r in INVITED_ROLES}:
        raise NotFound(f"There is no {role} invite.", code="invite_not_found")
    for invite in queries.invites(session, workshop_id=workshop.id, role=role):
        if invite.revoked_at is None:
            invite.revoked_at = now
            session.add(invite)
    return 204, {}, []


async def purge(writer: Writer, *, now: datetime, retention_days: int) -> list[dict]:
    """Delete every workshop past retention, each in its own transaction; what went."""
    cutoff = purge_cutoff(now, retention_days)
    if cutoff is None:
        return []

    def read() -> list[dict]:
        with writer.db.reader() as session:
            return lifecycle_db.due_for_purge(session, now=now, retention_days=retention_days)

    def expired_only(session: Session, workshop: Workshop | None, _: datetime) -> Any:
        assert workshop is not None and cutoff is not None
        # Checked again under the lock: it may have been reopened since the list was read.
        if workshop.closed_at is None or workshop.closed_at >= cutoff:
            return 200, {"deleted": False}, []
        # The retention rule deletes it, not a person: no owner to ask.
        _erase(session, workshop)
        return 200, {"deleted": True}, []

    gone = []
    for item in await run_in_threadpool(read):
        try:
            outcome = await writer.run(workshop_id=item["id"], apply=expired_only)
        except NotFound:
            continue  # deleted meanwhile, by its owner or another worker's sweep
        if outcome.body["deleted"]:
            gone.append(item)
    return gone
