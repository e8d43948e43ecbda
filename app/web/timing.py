"""The timing check as an extra field of the API's answers (the contract's fields stay as they
are): is there time between the peer assist and the decision to act on what it finds?"""

from __future__ import annotations

from datetime import date

from ..domain.guidance import meeting_day, timing_warning
from .deps import Services


def with_timing(services: Services, body: dict) -> dict:
    """The body with `timing_warning`: `{code, detail, days_to_act}`, or null when all is well."""
    workshop = body.get("workshop") or {}
    decision = workshop.get("decision_date")
    warning = None
    if decision:
        day = meeting_day(workshop, services.clock().date())
        warning = timing_warning(
            day, date.fromisoformat(decision), days_needed=services.settings.days_to_act
        )
    return {**body, "timing_warning": warning}
