"""Who may see and run a peer assist, and how its progress is summed up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.accounts import (
    AccountRole,
    Status,
    Viewer,
    email_domain_allowed,
    is_overdue,
    may_run,
    may_see,
    snippet,
    soonest_first,
    start_passed,
    status_of,
)

FAY, GUS, ADA = (
    Viewer(1, AccountRole.facilitator),
    Viewer(2, AccountRole.facilitator),
    Viewer(3, AccountRole.admin),
)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def test_restricted_peer_assists_are_for_owners_and_admins() -> None:
    owners = frozenset({1})
    assert may_see(GUS, visibility="organisation", owner_ids=owners)
    assert not may_see(GUS, visibility="restricted", owner_ids=owners)
    assert may_see(FAY, visibility="restricted", owner_ids=owners)
    assert may_see(ADA, visibility="restricted", owner_ids=frozenset())
    assert may_run(FAY, owner_ids=owners) and may_run(ADA, owner_ids=owners)
    assert not may_run(GUS, owner_ids=owners)


def test_status_follows_the_phase_and_the_planned_time() -> None:
    hour = timedelta(hours=1)
    for starts_at in (None, NOW + hour, NOW - 4 * hour):
        assert status_of("welcome", starts_at, 180, NOW) is Status.upcoming
        assert status_of("context", starts_at, 180, NOW) is Status.live
        assert status_of("closed", starts_at, 180, NOW) is Status.closed
    # Its time has come and the room is in the welcome, greeting its people: it is on.
    assert status_of("welcome", NOW - hour, 180, NOW) is Status.live
    assert status_of("welcome", NOW, 180, NOW) is Status.live
    # Its planned time has gone by and nobody began it: still to come, marked as late.
    assert status_of("welcome", NOW - 3 * hour, 180, NOW) is Status.upcoming
    assert start_passed(NOW - timedelta(minutes=1), NOW)
    assert not start_passed(NOW + timedelta(days=1), NOW) and not start_passed(None, NOW)


def test_what_is_to_come_comes_soonest_first() -> None:
    starts = [NOW + timedelta(days=100), None, NOW + timedelta(days=18)]
    assert sorted(starts, key=soonest_first) == [starts[2], starts[0], None]


def test_overdue_needs_open_actions_past_a_date() -> None:
    yesterday, tomorrow = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    assert not is_overdue(today=TODAY, report_back_by=yesterday, open_due_dates=[])
    assert is_overdue(today=TODAY, report_back_by=yesterday, open_due_dates=[None])
    assert is_overdue(today=TODAY, report_back_by=tomorrow, open_due_dates=[yesterday])
    assert not is_overdue(today=TODAY, report_back_by=tomorrow, open_due_dates=[TODAY, None])
    assert not is_overdue(today=TODAY, report_back_by=None, open_due_dates=[date(2027, 1, 1)])


def test_snippet_shows_the_match() -> None:
    text = "word " * 60 + "the transport desk closes at five " + "more " * 60
    found = snippet(text, "Transport desk")
    assert "transport desk" in found and found.startswith("…") and found.endswith("…")
    assert len(found) <= 162
    assert snippet("short problem", "") == "short problem"


def test_allowed_domains() -> None:
    assert email_domain_allowed("a@nhs.net", frozenset())
    assert email_domain_allowed("a@NHS.net", frozenset({"nhs.net"}))
    assert not email_domain_allowed("a@nhs.net.evil.org", frozenset({"nhs.net"}))
