"""The Before page's form for when the peer assist meets: the start, as wall-clock time in the
room's own zone, and the decision date, read and checked as the start form checks them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import ValidationError, field_validator

from ..domain.dates import zone_info
from ..domain.errors import Invalid
from .dates import aware_start
from .form_errors import START_FORM, form_problems
from .pages import local_time
from .schemas import Day, Moment, Strict

# What a datetime-local field holds: minutes, no zone.
WALL_CLOCK = "%Y-%m-%dT%H:%M"


class Schedule(Strict):
    """The two dates WorkshopCreate takes, with its rule for the start."""

    decision_date: Day | None = None
    starts_at: Moment | None = None

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return aware_start(value)


def wall_clock(moment: datetime | None, zone: str | None) -> str:
    """A start as the form shows it: the time on the room's clocks, to the minute."""
    return moment.astimezone(zone_info(zone)).strftime(WALL_CLOCK) if moment else ""


def shown(briefing: dict) -> dict[str, str]:
    """The form's two fields as the saved briefing fills them."""
    decision = briefing["decision_date"]
    return {
        "starts_at": wall_clock(briefing["starts_at"], briefing["time_zone"]),
        "decision_date": decision.isoformat() if decision else "",
    }


def read_schedule(form: dict[str, str], briefing: dict) -> tuple[datetime | None, date | None]:
    """The start and decision date a form asks for; Invalid, naming the field, if one is wrong."""
    zone = zone_info(briefing["time_zone"]).key
    typed = {name: form.get(name, "").strip() for name in ("starts_at", "decision_date")}
    try:
        body = Schedule.model_validate(
            {
                "starts_at": local_time(typed["starts_at"], zone) if typed["starts_at"] else None,
                "decision_date": typed["decision_date"] or None,
            }
        )
    except ValidationError as exc:
        errors: list[Any] = list(exc.errors())
        where = errors[0].get("loc") or (None,)
        # In the form's own words, as the start form says them (not the API's).
        said = " ".join(form_problems(errors, START_FORM))
        raise Invalid(said, field=str(where[0])) from None
    # The form shows minutes: a start the API set to the second, left as shown, is not a move.
    if typed["starts_at"] == shown(briefing)["starts_at"]:
        return briefing["starts_at"], body.decision_date
    return body.starts_at, body.decision_date
