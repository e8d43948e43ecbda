"""The days a date field takes, and the schema's pattern for them, agree day by day."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.dates import DATE_FIELDS, YEARS_AHEAD, check_date, window
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
        ("due_date", date(9999, 12, 31), "date_too_far"),
        ("report_back_by", date(2026 + YEARS_AHEAD, 12, 3), "date_too_far"),
    ],
)
def test_dates_out_of_range_are_422_with_a_sentence(field: str, day: date, code: str) -> None:
    with pytest.raises(RuleError) as caught:
        check_date(field, day, date(2026, 12, 2))
    assert (caught.value.status, caught.value.code) == (422, code)
    assert caught.value.detail.endswith(".")
