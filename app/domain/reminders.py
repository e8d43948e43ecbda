"""When the host team and the facilitator are reminded to report back.

A reminder goes N days before the report-back date and once the date has passed without a
report. Each one is sent once for a given date: moving the date earns new reminders.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from .errors import Invalid, listed

MAX_ADDRESSES = 20
# Deliberately loose: the mail server is the judge; this only stops obvious typing slips.
ADDRESS = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")
ADDRESS_MAX = 254


class ReminderKind(StrEnum):
    before = "before"
    missed = "missed"


def reminders_due(
    report_back_by: date, today: date, *, days_before: int, reported: bool
) -> list[ReminderKind]:
    """The reminders this date calls for today (the caller skips those already sent)."""
    if reported:
        return []
    if today > report_back_by:
        return [ReminderKind.missed]
    if (report_back_by - today).days <= days_before:
        return [ReminderKind.before]
    return []


def check_addresses(addresses: list[str]) -> list[str]:
    """Clean, de-duplicated addresses, or a 422 naming the ones that cannot be right."""
    if len(addresses) > MAX_ADDRESSES:  # counted as sent, which the API's schema can say
        raise Invalid(f"At most {MAX_ADDRESSES} addresses, please.", code="too_many_emails")
    cleaned = list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))
    wrong = [a for a in cleaned if len(a) > ADDRESS_MAX or not ADDRESS.fullmatch(a)]
    if wrong:
        raise Invalid(f"These do not look like email addresses: {listed(wrong)}.", code="bad_email")
    if len(cleaned) > MAX_ADDRESSES:
        raise Invalid(f"At most {MAX_ADDRESSES} addresses, please.", code="too_many_emails")
    return cleaned
