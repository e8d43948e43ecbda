"""The write path every command shares: lock, idempotency, apply, number the events, commit."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.lean import connection_of
from ..db.models import IdempotentResponse, Workshop
from ..domain.errors import RuleError
from ..domain.events import Event
from ..domain.meeting import Meeting
from ..domain.phases import Phase, agenda_from_dicts
from ..domain.rules import Mute
from ..domain.timer import from_fields
from ..search import documents as search_text
from ..security import seal, unseal

Events = list[Event]
# apply(session, locked workshop or None, now) -> (HTTP status, body, events)
# The body may be a function: it is then called after the events are numbered, for an answer
# that shows the state as of this write (its seq included).
Body = dict | Callable[[], dict]
Apply = Callable[[Session, Workshop | None, datetime], tuple[int, Body, Events]]

PRUNE_EVERY = 256


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str
    key: str
    request_hash: str

    @classmethod
    def of(cls, *, scope: str, key: str, method: str, path: str, body: bytes) -> IdempotencyKey:
        digest = hashlib.sha256(f"{method} {path}\n".encode() + body).hexdigest()
        return cls(scope=scope, key=key, request_hash=digest)


@dataclass
class Outcome:
    status: int
    body: dict
    workshop_id: str | None
    events: list[dict] = field(default_factory=list)
    replayed: bool = False


class KeyReused(RuleError):
    status, code = 409, "idempotency_key_reused"


def meeting_of(workshop: Workshop) -> Meeting:
    return Meeting(
        phase=Phase(workshop.phase),
        agenda=agenda_from_dicts(workshop.agenda),
        timer=from_fields(
            workshop.timer_status,
            workshop.timer_duration_s,
            workshop.timer_ends_at,
            workshop.timer_remaining_s,
        ),
        mute=Mute(workshop.host_team_muted, tuple(workshop.speakers)),
    )


def store_meeting(workshop: Workshop, meeting: Meeting) -> None:
    workshop.phase = meeting.phase.value
    workshop.agenda = meeting.agenda_dicts()
    workshop.timer_status = meeting.timer.status.value
    workshop.timer_duration_s = meeting.timer.duration_s
    workshop.timer_ends_at = meeting.timer.ends_at
    workshop.timer_remaining_s = meeting.timer.remaining_s
    workshop.host_team_muted = meeting.mute.host_team_muted
    workshop.speakers = list(meeting.mute.speakers)


def _replay(found: IdempotentResponse, idem: IdempotencyKey, secret_key: str) -> Outcome:
    if found.request_hash != idem.request_hash:
        raise KeyReused(
            "This Idempotency-Key was already used for a different request; use a new key."
        )
    body = unseal(found.body, secret_key)
    assert isinstance(body, dict)
    return Outcome(found.status_code, body, body.get("workshop_id"), replayed=True)


def write_in(
    session: Session,
    *,
    workshop_id: str | None,
    apply: Apply,
    now: datetime,
    idempotency: IdempotencyKey | None = None,
    history: int = 10_000,
    secret_key: str = "",
) -> Outcome:
    """Run one command inside the caller's open transaction (group_commit gives it one, or a
    savepoint of one). A RuleError propagates, and the caller rolls back what it wrote."""
    workshop = queries.lock_workshop(session, workshop_id=workshop_id) if workshop_id else None
    if idempotency is not None:
        # Looked up under the workshop's lock, so a concurrent repeat waits, then finds it.
        found = queries.idempotent_response(session, scope=idempotency.scope, key=idempotency.key)
        if found is not None:
            return _replay(found, idempotency, secret_key)
    status, answer, pending = apply(session, workshop, now)
    # What the action changed through the ORM is written before the record's own statements,
    # which run on the connection (lean ones skip autoflush), and the search text reads it back.
    session.flush()
    written: list[dict] = []
    if workshop is not None and pending:
        written = queries.append_events(session, workshop=workshop, events=pending, at=now)
        if workshop.last_seq > history and workshop.last_seq % PRUNE_EVERY < len(pending):
            queries.prune_events(
                session, workshop_id=workshop.id, keep_after=workshop.last_seq - history
            )
    # In this transaction, so a card is found by search the moment it is committed.
    conn = connection_of(session)
    search_text.write(conn, search_text.pending(session, workshop_id, pending))
    search_text.write_cards(conn, workshop_id, pending)
    body = answer() if callable(answer) else answer
    wid = workshop.id if workshop is not None else body.get("workshop_id")
    if idempotency is not None:
        session.add(
            IdempotentResponse(
                scope=idempotency.scope,
                key=idempotency.key,
                request_hash=idempotency.request_hash,
                status_code=status,
                # Secrets in the answer are kept as nonces, never as themselves.
                body=seal(body),
                created_at=now,
                workshop_id=wid,
            )
        )
        session.flush()
    return Outcome(status, body, wid, written)
