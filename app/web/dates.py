"""Date windows: as regular expressions, for the OpenAPI document (a client, or schemathesis,
reading the schema knows exactly which days the server takes today), and the start time's,
which the API's create and the Before page's form both check."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from functools import lru_cache

from ..domain import dates
from ..domain.dates import DATE_FIELDS, window

TWO = "{:02d}"


def aware_start(value: datetime | None) -> datetime | None:
    """A start time in UTC, from one that says its zone, on a day the calendar export takes."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("needs a time zone, for example 2026-12-01T09:30:00+00:00")
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the calendar we can store") from None
    first, last = dates.EARLIEST, dates.latest(datetime.now(UTC).date())
    # The year as written is what the schema's pattern says; the day in UTC is what is kept.
    if not (2000 <= value.year <= 2999 and first <= in_utc.date() <= last):
        raise ValueError(
            f"must be a day from {dates.long_date(first)} to {dates.long_date(last)} "
            f"(no more than {dates.YEARS_AHEAD} years ahead)"
        )
    return in_utc


def date_patterns(today: date | None = None) -> dict[str, str]:
    today = today or datetime.now(UTC).date()
    return {field: _pattern(*window(field, today)) for field in DATE_FIELDS}


@lru_cache(maxsize=16)
def _pattern(first: date, last: date) -> str:
    """A regex matching exactly the valid YYYY-MM-DD days from `first` to `last`."""
    parts = []
    full_years: dict[bool, list[str]] = {False: [], True: []}
    for year in range(first.year, last.year + 1):
        if first.year < year < last.year:
            full_years[calendar.isleap(year)].append(str(year))
            continue
        months = []
        for month in range(1, 13):
            start = first.day if (year, month) == (first.year, first.month) else 1
            end = calendar.monthrange(year, month)[1]
            if (year, month) == (last.year, last.month):
                end = last.day
            if (year, month) < (first.year, first.month) or (year, month) > (
                last.year,
                last.month,
            ):
                continue
            if start <= end:
                months.append(f"{TWO.format(month)}-{_days(start, end)}")
        if months:
            parts.append(f"{year}-(?:{'|'.join(months)})")
    for leap, years in full_years.items():
        if years:
            parts.append(f"(?:{'|'.join(years)})-{_full_year(leap)}")
    return f"^(?:{'|'.join(parts)})$"


def _full_year(leap: bool) -> str:
    return (
        "(?:(?:01|03|05|07|08|10|12)-(?:0[1-9]|[12][0-9]|3[01])"
        "|(?:04|06|09|11)-(?:0[1-9]|[12][0-9]|30)"
        f"|02-(?:0[1-9]|1[0-9]|2[0-{9 if leap else 8}]))"
    )


def _days(start: int, end: int) -> str:
    return "(?:" + "|".join(TWO.format(d) for d in range(start, end + 1)) + ")"
