"""The library's filters, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.accounts import Status
from app.domain.errors import Invalid
from app.domain.library import LibraryFilter, keeps, ordered, parse, theme_choices

ENTRY = {"when": date(2026, 11, 5), "status": "closed", "overdue": True, "themes": ["Transport"]}


def test_an_empty_query_string_shows_everything() -> None:
    wanted = parse({})
    assert wanted == LibraryFilter() and wanted.empty
    assert keeps(ENTRY, wanted)


def test_parse_reads_every_filter() -> None:
    wanted = parse(
        {"q": "  falls   at night ", "from": "2026-11-01", "to": "2026-11-30", "status": "closed"}
        | {"overdue": "on", "theme": " transport "}
    )
    assert wanted == LibraryFilter(
        q="falls at night",
        since=date(2026, 11, 1),
        until=date(2026, 11, 30),
        status=Status.closed,
        overdue_only=True,
        theme="transport",
    )
    assert keeps(ENTRY, wanted)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "yesterday"}, "invalid_date"),
        ({"to": "2026-02-30"}, "invalid_date"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "invalid_date_range"),
        ({"status": "soon"}, "invalid_status"),
        ({"q": "x" * 201}, "query_too_long"),
    ],
)
def test_input_nobody_could_mean_is_refused_with_a_sentence(params: dict, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(params)
    assert refused.value.code == code and refused.value.detail.endswith(".")


@pytest.mark.parametrize(
    "wanted",
    [
        LibraryFilter(since=date(2026, 11, 6)),
        LibraryFilter(until=date(2026, 11, 4)),
        LibraryFilter(status=Status.live),
        LibraryFilter(theme="Staffing"),
    ],
)
def test_each_filter_can_leave_an_entry_out(wanted: LibraryFilter) -> None:
    assert not keeps(ENTRY, wanted)


def test_the_date_range_includes_both_ends_and_overdue_only_drops_the_rest() -> None:
    day = date(2026, 11, 5)
    assert keeps(ENTRY, LibraryFilter(since=day, until=day))
    assert not keeps(ENTRY | {"overdue": False}, LibraryFilter(overdue_only=True))


def test_order_and_theme_choices() -> None:
    old, new = {"when": date(2026, 1, 1)}, {"when": date(2026, 6, 1)}
    assert ordered([old, new], LibraryFilter()) == [new, old]
    # A search keeps the index's order: best match first.
    assert ordered([old, new], LibraryFilter(q="x")) == [old, new]
    assert theme_choices(["transport", "Beds", "Transport ", "staffing"]) == [
        "Beds",
        "staffing",
        "transport",
    ]
