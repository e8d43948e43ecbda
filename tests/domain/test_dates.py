"""The days a date field takes, and the schema's pattern for them, agree day by day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.dates import (
    DATE_FIELDS,
    YEARS_AHEAD,
    check_date,
    held_on,
    length_in_words,
    month_name,
    on_the_clocks,
    window,
)
from app.domain.errors import RuleError
from app.web.dates import date_patterns


@given(today=st.dates(min_value=date(2001, 1, 1), max_value=date(2980, 12, 31)))
def test_the_pattern_matches_exactly_the_days_the_check_takes(today: date) -> None:
    patterns = date_patterns(today)
    for field in DATE_FIELDS:
        first, last = window(field, today)
        pattern = re.compile(patterns[field])
        for day in (
            first - timedelta(days=1),
            first,
            today,
            date(today.year, 2, 28),
            today + timedelta(days=400),
            last,
            last + timedelta(days=1),
        ):
            accepted = True
            try:
                check_date(field, day, today)
            except RuleError:
                accepted = False
            assert bool(pattern.match(day.isoformat())) == accepted, (field, today, day)


def test_no_invalid_day_matches() -> None:
    pattern = re.compile(date_patterns(date(2026, 12, 2))["due_date"])
    for text in ("2027-02-29", "2027-04-31", "2027-13-01", "2027-00-10", "2027-1-05", "27-01-05"):
        assert not pattern.match(text), text
    assert pattern.match("2028-02-29")


@pytest.mark.parametrize(
    ("field", "day", "code"),
    [
        ("report_back_by", date(2026, 12, 1), "date_in_past"),
        ("decision_date", date(2026, 12, 1), "date_in_past"),
        ("due_date", date(1999, 12, 31), "date_too_early"),
        # Before 2000 is in the past too: the reason must not contradict the days offered.
        ("report_back_by", date(1, 1, 1), "date_in_past"),
        ("due_date", date(9999, 12, 31), "date_too_far"),
        ("report_back_by", date(2026 + YEARS_AHEAD, 12, 3), "date_too_far"),
    ],
)
def test_dates_out_of_range_are_422_with_a_sentence(field: str, day: date, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        check_date(field, day, date(2026, 12, 2))
    assert (caught.value.status, caught.value.code) == (422, code)
    assert caught.value.detail.endswith(".")
    # The days offered, as the pages write a date (not 2026-12-02).
    assert "to 2 December 2036" in caught.value.detail, caught.value.detail


MADE = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
PLANNED = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("began_at", "starts_at", "zone", "day"),
    [
        # Held as planned.
        (datetime(2026, 12, 6, 9, 5, tzinfo=UTC), PLANNED, "Europe/London", date(2026, 12, 6)),
        # Run the day before it was planned, or postponed: the day the room met.
        (datetime(2026, 12, 5, 22, 0, tzinfo=UTC), PLANNED, "Europe/London", date(2026, 12, 5)),
        (datetime(2026, 12, 10, 14, 0, tzinfo=UTC), PLANNED, "Europe/London", date(2026, 12, 10)),
        # Not begun yet: the planned day; nothing planned either: the day it was made.
        (None, PLANNED, "Europe/London", date(2026, 12, 6)),
        (None, None, "Europe/London", MADE.date()),
        # Nine in the morning in Sydney is 22:00 the evening before in UTC.
        (datetime(2027, 3, 1, 22, 0, tzinfo=UTC), None, "Australia/Sydney", date(2027, 3, 2)),
        (None, datetime(2027, 3, 1, 22, 0, tzinfo=UTC), "Australia/Sydney", date(2027, 3, 2)),
        # Half past midnight in a British summer is 23:30 the day before in UTC; a workshop
        # made before each kept its zone counts in the default one.
        (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), None, "Europe/London", date(2027, 7, 1)),
        (datetime(2027, 6, 30, 23, 30, tzinfo=UTC), None, None, date(2027, 7, 1)),
        # A moment without a zone means UTC.
        (datetime(2027, 3, 1, 22, 0), None, "Australia/Sydney", date(2027, 3, 2)),
    ],
)
def test_a_peer_assist_is_held_on_the_day_its_room_met(
    began_at: datetime | None, starts_at: datetime | None, zone: str | None, day: date
) -> None:
    assert held_on(began_at, starts_at, MADE, zone, met=True) == day


def test_one_that_never_met_is_dated_by_the_day_planned() -> None:
    """Called off from its welcome, its first phase change is its close: not the day held."""
    called_off = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert held_on(called_off, PLANNED, MADE, "Europe/London", met=False) == date(2026, 12, 6)
    assert held_on(called_off, None, MADE, "Europe/London", met=False) == MADE.date()


@pytest.mark.parametrize(
    ("month", "said"), [("2026-12", "Dec 2026"), ("2027-01", "Jan 2027"), ("2030-05", "May 2030")]
)
def test_a_month_is_said_in_words(month: str, said: str) -> None:
    assert month_name(month) == said


def test_a_time_the_clocks_skip_is_refused_and_every_other_keeps_its_wall_clock() -> None:
    london = ZoneInfo("Europe/London")
    with pytest.raises(RuleError) as skipped:
        on_the_clocks(datetime(2027, 3, 28, 1, 30), london)  # the clocks go 01:00 → 02:00
    assert skipped.value.field == "starts_at"
    assert (
        "01:30 on 28 March 2027" in skipped.value.detail and "Europe/London" in skipped.value.detail
    )
    assert on_the_clocks(datetime(2027, 3, 28, 2, 30), london).utcoffset() == timedelta(hours=1)
    assert on_the_clocks(datetime(2027, 3, 28, 0, 30), london).utcoffset() == timedelta(0)
    # The hour the clocks go back happens twice: the first, as a person there would mean.
    back = on_the_clocks(datetime(2027, 10, 31, 1, 30), london)
    assert back.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    # A zone without daylight saving skips nothing.
    assert on_the_clocks(datetime(2027, 3, 28, 1, 30), ZoneInfo("UTC")).hour == 1


@pytest.mark.parametrize(
    ("minutes", "words"),
    [
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "1 hour 30 minutes"),
        (420, "7 hours"),
        (1441, "1 day 1 minute"),
        (4320, "3 days"),
    ],
)
def test_a_length_reads_as_people_say_it(minutes: int, words: str) -> None:
    assert length_in_words(minutes) == words
