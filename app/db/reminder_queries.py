"""The reads behind the reminders to report back: who to remind, which workshops are due, and
which reminders were already claimed."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from .library import met_of
from .models import Commitment, ReminderAddress, ReminderSent, ReportBack


def reminder_addresses(session: Session, *, workshop_id: str) -> list[str]:
    return list(
        session.exec(
            select(ReminderAddress.email)
            .where(ReminderAddress.workshop_id == workshop_id)
            .order_by(col(ReminderAddress.id))
        )
    )


def reminder_candidates(session: Session, *, until: date) -> list[tuple[str, date]]:
    """(workshop id, report-back date) of workshops with someone to remind, a date up to
    `until`, and no report back yet; never one called off from its welcome (phases.met), which
    may hold a date written before such a peer assist refused one."""
    rows = session.exec(
        select(Commitment.workshop_id, Commitment.report_back_by)
        .where(
            col(Commitment.report_back_by) <= until,
            col(Commitment.workshop_id).in_(select(ReminderAddress.workshop_id)),
            col(Commitment.workshop_id).not_in(select(ReportBack.workshop_id)),
        )
        .order_by(col(Commitment.report_back_by))
    )
    due = list(rows)
    was_met = met_of(session, workshop_ids=[w for w, _ in due])
    return [(w, d) for w, d in due if was_met[w]]


def reminders_claimed(session: Session, *, workshop_id: str, report_back_by: date) -> set[str]:
    return set(
        session.exec(
            select(ReminderSent.kind).where(
                ReminderSent.workshop_id == workshop_id,
                ReminderSent.report_back_by == report_back_by,
            )
        )
    )
