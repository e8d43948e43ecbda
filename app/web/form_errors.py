"""What an HTML form says about what was typed: every problem, each under the label the form
shows, in plain words. (The JSON API says it to programs, by field name: errors.py.)"""

from __future__ import annotations

from collections.abc import Mapping

START_FORM = {
    "title": "Title",
    "problem": "The problem the host team wants help with",
    "purpose": "Purpose",
    "duration_minutes": "Length",
    "starts_at": "Starts",
    "decision_date": "Decision date",
    "facilitator_name": "Your name",
    "unit": "The host team's unit",
    "recorded": "The session will be recorded",
    "visibility": "Who finds it in the library",
}
JOIN_FORM = {"name": "Your name", "accept_ground_rules": "I accept the ground rules"}
FOLLOW_UP_FORM = {"owner": "Owner", "due_date": "Due date"}

# A number's unit, where the form's label does not say it.
UNITS = {"duration_minutes": " minutes"}
DATE_TYPES = {
    "date_type",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}
MOMENT_TYPES = {"datetime_type", "datetime_parsing", "datetime_from_date_parsing"}


def form_problems(errors: list[dict], labels: Mapping[str, str]) -> list[str]:
    """One sentence for each of pydantic's `errors`, naming its field by `labels`."""
    return [_sentence(err, labels) for err in errors]


def _sentence(err: dict, labels: Mapping[str, str]) -> str:
    field = next((str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")), "")
    label = labels.get(field) or field.replace("_", " ").capitalize() or "The form"
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    said = str(err.get("msg", "")).removeprefix("Value error, ")
    unit = UNITS.get(field, "")
    if kind == "missing" or said == "must not be blank":
        return f"{label}: please fill this in (spaces alone do not count)."
    if kind == "string_too_long":
        typed = err.get("input")
        has = f" (it has {len(typed)})" if isinstance(typed, str) else ""
        return f"{label}: too long; please keep it to {ctx.get('max_length')} characters{has}."
    if said == "must not contain the NUL character":
        return f"{label}: holds an invisible character (NUL) that cannot be kept; retype it."
    if kind in DATE_TYPES or said.startswith("must be a date written like"):
        return f"{label}: not a date we can read; pick a day, for example 31 January 2027."
    if kind in MOMENT_TYPES or said.startswith("must be a date and time"):
        return f"{label}: not a date and time we can read; pick a day and a time."
    if kind in ("greater_than_equal", "greater_than"):
        return f"{label}: must be at least {ctx.get('ge', ctx.get('gt'))}{unit}."
    if kind in ("less_than_equal", "less_than"):
        return f"{label}: must be at most {ctx.get('le', ctx.get('lt'))}{unit}."
    if kind in ("literal_error", "enum"):
        return f"{label}: please choose one of the options offered."
    return f"{label}: {said[:1].lower()}{said[1:]}."
