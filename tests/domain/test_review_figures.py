"""The review's planned against actual time, as pure functions."""

from __future__ import annotations

from app.domain.review import phase_rows


def test_a_welcome_whose_timer_never_ran_is_not_timed_rather_than_skipped() -> None:
    planned = {"welcome": 600, "context": 1200}
    untimed = {r["phase"]: r for r in phase_rows(planned, {"welcome": 0, "context": 1260})}
    assert untimed["welcome"]["actual_min"] is None
    assert untimed["welcome"]["difference_min"] is None
    assert untimed["context"] == {
        "phase": "context",
        "planned_min": 20,
        "actual_min": 21,
        "difference_min": 1,
    }
    timed = {r["phase"]: r for r in phase_rows(planned, {"welcome": 420, "context": 0})}
    assert (timed["welcome"]["actual_min"], timed["welcome"]["difference_min"]) == (7, -3)
    # Any other phase's 0 is a phase passed through at once: it was timed.
    assert (timed["context"]["actual_min"], timed["context"]["difference_min"]) == (0, -20)
