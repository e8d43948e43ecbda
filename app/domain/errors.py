"""Named rule violations. Each carries the HTTP status and machine code the API answers with."""

from __future__ import annotations

from collections.abc import Iterable

# A refusal names what it refused, but a sentence stays a sentence: a few items, each cut short.
LISTED_AT_MOST = 5
LISTED_WIDTH = 40


def listed(items: Iterable[object], *, quoted: bool = False) -> str:
    """Items as a refusal names them: "7, 8" or "\"lunch\"", never a Python list; past a few,
    how many more; a long one cut short with an ellipsis."""
    words = [str(item) for item in items]
    shown = [w if len(w) <= LISTED_WIDTH else w[: LISTED_WIDTH - 1] + "…" for w in words]
    shown = [f'"{w}"' if quoted else w for w in shown[:LISTED_AT_MOST]]
    more = len(words) - len(shown)
    return ", ".join(shown) + (f" (and {more} more)" if more else "")


class RuleError(Exception):
    """A command the meeting's rules refuse."""

    status: int = 409
    code: str = "conflict"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # The form field the sentence is about, so a page can say it beside that field; the
        # API's answer does not carry it (API.md's error body is detail and code).
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotAllowedInPhase(RuleError):
    status, code = 409, "not_allowed_in_phase"


class HostTeamMuted(RuleError):
    status, code = 403, "host_team_muted"


class Forbidden(RuleError):
    status, code = 403, "forbidden"


class InvalidMove(RuleError):
    status, code = 409, "invalid_phase_move"


class TimerConflict(RuleError):
    status, code = 409, "timer_conflict"


class NoVotesLeft(RuleError):
    status, code = 409, "no_votes_left"


class Invalid(RuleError):
    status, code = 422, "invalid"


def refuse_nul(text: str, what: str, *, code: str = "invalid", field: str | None = None) -> None:
    """PostgreSQL's text holds no NUL, and SQLite's would show it as nothing: refused on every
    database alike, in the words the forms use (web/form_errors.py)."""
    if "\x00" in text:
        raise Invalid(
            f"{what} holds an invisible character (NUL) that cannot be kept; retype it.",
            code=code,
            field=field,
        )


class NotFound(RuleError):
    status, code = 404, "not_found"
