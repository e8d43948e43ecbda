"""Dates: the days a date in a request may name, how pages say a date, and the day a peer
assist was held.

A decision date or a report-back date in the past makes no sense, and no peer assist plans
more than ten years ahead; dates far outside that broke the calendar export. One rule for the
checks (with the meeting's clock) and for the API's schema (see app/web/dates.py), so the two
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from .errors import Invalid

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 10
# Each date field, and whether it may name a day before today.
DATE_FIELDS: dict[str, bool] = {"decision_date": False, "report_back_by": False, "due_date": True}
LABELS = {
    "decision_date": "The decision date",
    "report_back_by": "The report-back date",
    "due_date": "The due date",
}


def latest(today: date) -> date:
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def window(field: str, today: date) -> tuple[date, date]:
    """The first and last day `field` may name today."""
    return (EARLIEST if DATE_FIELDS[field] else today), latest(today)


def check_date(field: str, value: date, today: date) -> None:
    first, last = window(field, today)
    if first <= value <= last:
        return
    # The sentence always gives the window, so the person can pick a day that works, in the
    # words the pages use for a date.
    choose = (
        f"choose a day from {long_date(first)} to {long_date(last)} "
        f"(no more than {YEARS_AHEAD} years ahead)"
    )
    label = LABELS[field]
    if value > last:
        raise Invalid(f"{label} is too far ahead; {choose}.", code="date_too_far", field=field)
    if value < EARLIEST and DATE_FIELDS[field]:  # where the past is allowed, up to a point
        raise Invalid(
            f"{label} is before {EARLIEST.year}; {choose}.", code="date_too_early", field=field
        )
    raise Invalid(f"{label} is in the past; {choose}.", code="date_in_past", field=field)


def _filter_day(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"The {label} date should look like 2027-03-01.", code="invalid_date"
        ) from None


def filter_range(params: Mapping[str, str]) -> tuple[date | None, date | None]:
    """A page's `from` and `to` filter, both ends included; either may be left out."""
    since = _filter_day(params.get("from", ""), "from")
    until = _filter_day(params.get("to", ""), "to")
    if since and until and since > until:
        raise Invalid("The from date comes after the to date.", code="invalid_date_range")
    return since, until


# How pages and mail say a date or a moment: one way, in British English.
LOCALE = "en_GB"
# For workshops made before each kept its own zone (the TIME_ZONE setting's own default).
DEFAULT_ZONE = "Europe/London"


def zone_info(zone: str | None) -> ZoneInfo:
    """A peer assist's own time zone; the installation's default when it names none."""
    return ZoneInfo(zone or DEFAULT_ZONE)


def on_the_clocks(wall_clock: datetime, zone: ZoneInfo) -> datetime:
    """A time as the room's clocks show it, made aware in their zone. Invalid when the clocks
    never show it (they skip an hour going forward): Python would read it an hour out, and the
    meeting would be saved at a time nobody chose."""
    aware = wall_clock.replace(tzinfo=zone)
    try:
        shown = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the calendar's edge: the start's own check says so in words
        return aware
    if shown != wall_clock:
        raise Invalid(
            f"Starts: {wall_clock:%H:%M} on {long_date(wall_clock.date())} never shows on the "
            f"clocks in {zone.key}, because they go forward then. Choose another time.",
            field="starts_at",
        )
    return aware


def length_in_words(minutes: int) -> str:
    """A meeting's length as people say it: 420 → '7 hours', 90 → '1 hour 30 minutes', 4320 →
    '3 days'. (Babel's format_timedelta rounds to one unit: 90 minutes would read '2 hours'.)"""
    days, rest = divmod(minutes, 24 * 60)
    hours, left = divmod(rest, 60)
    units = ((days, "day"), (hours, "hour"), (left, "minute"))
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in units if n) or "0 minutes"


def long_date(value: str | date | None) -> str:
    """'2027-03-01' → '1 March 2027': no one misreads it, whichever side of the Atlantic."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, "d MMMM y", locale=LOCALE)


def month_name(month: str) -> str:
    """'2026-12' → 'Dec 2026': a month as pages say it (CSV keeps the ISO form)."""
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "MMM y", locale=LOCALE)


def clock_time(iso: str | datetime | None, zone: str | None = None) -> str:
    """A moment as the room reads it: '1 March 2027, 09:30 GMT', in the workshop's zone."""
    if not iso:
        return ""
    moment = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return format_datetime(moment, "d MMMM y, HH:mm zzz", tzinfo=zone_info(zone), locale=LOCALE)


def time_on(iso: str | datetime | None, day: str | datetime | None, zone: str | None = None) -> str:
    """A moment beside others of the same day: '14:00' on that day, '2 Dec, 14:00' on another.
    The page says the day and the zone once, so a phone's narrow table need not repeat them."""
    if not iso:
        return ""
    tz = zone_info(zone)
    moment = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    on = datetime.fromisoformat(day) if isinstance(day, str) else day
    same = on is not None and moment.astimezone(tz).date() == on.astimezone(tz).date()
    return format_datetime(moment, "HH:mm" if same else "d MMM, HH:mm", tzinfo=tz, locale=LOCALE)


def held_on(
    began_at: datetime | None,
    starts_at: datetime | None,
    created_at: datetime,
    zone: str | None,
    *,
    met: bool,
) -> date:
    """The day a peer assist was held, as its own room counts days: the day it began (its
    first move on from the welcome), else the day it is planned to start, else the day it was
    made. A meeting run early, postponed or closed days later is still dated by the day the
    room met; in UTC a morning in Sydney, or half past midnight in a British summer, would
    fall on the day before. One that never `met` (phases.met: called off from its welcome,
    its only phase change its close) is dated as one not begun, by the day planned."""
    moment = (began_at if met else None) or starts_at or created_at
    # Rows come back aware (db/models.py); a moment made by hand without a zone means UTC.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone_info(zone)).date()
