"""Reminders to report back: who gets them, and sending each one once.

A reminder is claimed by inserting its row before it is sent; the row's unique key means two
workers, or a worker after a restart, never send it twice. A send that fails gives the claim
back so the next round tries again. A crash in the middle of a send leaves the claim standing:
one missed reminder is better than a host team mailed twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, delete

from ..db import queries, reminder_queries
from ..db.engine import Database
from ..db.models import ReminderAddress, ReminderSent, Workshop
from ..db.records import workshop_record
from ..domain.after_meeting import check_follow_up
from ..domain.reminders import ReminderKind, check_addresses, reminders_due
from ..domain.rules import Actor
from .base import Apply, Events


def set_addresses(
    session: Session, workshop: Workshop, *, actor: Actor, emails: list[str], now: datetime
) -> tuple[int, dict, Events]:
    """Replace where this workshop's reminders go (host team and facilitator)."""
    check_follow_up(actor, "choose who is reminded")
    cleaned = check_addresses(emails)
    session.execute(delete(ReminderAddress).where(ReminderAddress.workshop_id == workshop.id))
    for email in cleaned:
        session.add(
            ReminderAddress(workshop_id=workshop.id, email=email, added_by=actor.id, added_at=now)
        )
    session.flush()
    return 200, {"emails": cleaned}, []


@dataclass(frozen=True)
class Reminder:
    workshop: dict
    kind: ReminderKind
    report_back_by: date
    note: str | None
    addresses: list[str]
    open_actions: list[dict]


def due_reminders(db: Database, *, today: date, days_before: int) -> list[Reminder]:
    """Every reminder due today and not claimed yet, with what its message needs."""
    found = []
    with db.reader() as session:
        until = today + timedelta(days=days_before)
        for workshop_id, by in reminder_queries.reminder_candidates(session, until=until):
            claimed = reminder_queries.reminders_claimed(
                session, workshop_id=workshop_id, report_back_by=by
            )
            kinds = [
                k
                for k in reminders_due(by, today, days_before=days_before, reported=False)
                if k.value not in claimed
            ]
            if not kinds:
                continue
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            commitment = queries.commitment(session, workshop_id=workshop_id) or {}
            open_actions = [
                a
                for a in queries.actions(session, workshop_id=workshop_id)
                if a["status"] in ("open", "in_progress")
            ]
            addresses = reminder_queries.reminder_addresses(session, workshop_id=workshop_id)
            found += [
                Reminder(
                    workshop_record(workshop),
                    kind,
                    by,
                    commitment.get("note"),
                    addresses,
                    open_actions,
                )
                for kind in kinds
            ]
    return found


def _key(reminder: Reminder) -> dict:
    return {
        "workshop_id": reminder.workshop["id"],
        "kind": reminder.kind.value,
        "report_back_by": reminder.report_back_by,
    }


def claim(reminder: Reminder) -> Apply:
    """Take this reminder for sending; the unique key refuses a second claim (IntegrityError)."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> tuple[int, dict, Events]:
        session.add(ReminderSent(**_key(reminder), claimed_at=now))
        session.flush()
        return 201, {"claimed": True}, []

    return apply


def _where(reminder: Reminder) -> list:
    table = ReminderSent.__table__  # type: ignore[attr-defined]
    return [table.c[name] == value for name, value in _key(reminder).items()]


def mark_sent(reminder: Reminder) -> Apply:
    def apply(session: Session, _: Workshop | None, now: datetime) -> tuple[int, dict, Events]:
        table = ReminderSent.__table__  # type: ignore[attr-defined]
        session.execute(table.update().where(*_where(reminder)).values(sent_at=now))
        return 200, {"sent": True}, []

    return apply


def release(reminder: Reminder) -> Apply:
    """Give a claim back after a failed send, so the next round tries again."""

    def apply(session: Session, _: Workshop | None, now: datetime) -> tuple[int, dict, Events]:
        table = ReminderSent.__table__  # type: ignore[attr-defined]
        session.execute(table.delete().where(*_where(reminder), table.c.sent_at.is_(None)))
        return 200, {"released": True}, []

    return apply
