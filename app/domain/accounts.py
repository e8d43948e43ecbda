"""Who may see and run which peer assist, and how a peer assist's progress is summed up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from .errors import Forbidden, RuleError
from .phases import Phase, has_begun


class AccountRole(StrEnum):
    facilitator = "facilitator"
    admin = "admin"


class Visibility(StrEnum):
    organisation = "organisation"
    restricted = "restricted"


class Status(StrEnum):
    upcoming = "upcoming"
    live = "live"
    closed = "closed"


class SignInRequired(RuleError):
    status, code = 401, "sign_in_required"


class ParticipantTokenRefused(RuleError):
    status, code = 403, "participant_token"


# Saved agenda templates: enough for an organisation's variety, not a dumping ground.
MAX_TEMPLATES = 100
MAX_TEMPLATES_PER_ACCOUNT = 20
# One-time links: long enough to pass on by hand, short enough to die if forgotten.
LINK_DAYS = {"setup": 7, "invite": 7, "reset": 2}
SESSION_DAYS = 14
MAX_TOKENS_PER_ACCOUNT = 50


@dataclass(frozen=True)
class Viewer:
    """An account looking at peer assists."""

    id: int
    role: AccountRole

    @property
    def is_admin(self) -> bool:
        return self.role is AccountRole.admin


def may_see(viewer: Viewer, *, visibility: str, owner_ids: frozenset[int]) -> bool:
    """Organisation-wide peer assists are every account's; restricted ones their owners'."""
    if viewer.is_admin or viewer.id in owner_ids:
        return True
    return visibility == Visibility.organisation


def may_run(viewer: Viewer, *, owner_ids: frozenset[int]) -> bool:
    """Owners and admins may open the console and change who owns it."""
    return viewer.is_admin or viewer.id in owner_ids


def check_may_run(viewer: Viewer, *, owner_ids: frozenset[int], doing: str) -> None:
    if not may_run(viewer, owner_ids=owner_ids):
        raise Forbidden(f"Only this peer assist's owners or an admin may {doing}.")


def check_admin(viewer: Viewer, doing: str) -> None:
    if not viewer.is_admin:
        raise Forbidden(f"Only an admin may {doing}.", code="admin_only")


def check_passwords_used(single_sign_on: bool) -> None:
    """With single sign-on on, people sign in through their organisation, never by a password
    (API.md): no link may set one, so none may sign anyone in."""
    if single_sign_on:
        raise RuleError(
            "People sign in here with their organisation's account, so there is no password "
            "to set.",
            code="passwords_off",
        )


def status_of(
    phase: str, starts_at: datetime | None, duration_minutes: int, now: datetime
) -> Status:
    """Closed once closed; live once it has begun (left the welcome), or while its planned
    time runs with the room still in the welcome, where a meeting greets its people. A
    meeting whose planned time has gone by with nobody beginning it is not happening: it is
    still to come (and "My peer assists" says its start has passed)."""
    if phase == Phase.closed:
        return Status.closed
    if has_begun(Phase(phase)):
        return Status.live
    if starts_at is not None and starts_at <= now < starts_at + timedelta(minutes=duration_minutes):
        return Status.live
    return Status.upcoming


def start_passed(starts_at: datetime | None, now: datetime) -> bool:
    """Its start time has come; for one still upcoming, it was due to begin and has not."""
    return starts_at is not None and starts_at <= now


def soonest_first(starts_at: datetime | None) -> tuple[bool, datetime]:
    """A sort key for what is to come: the soonest start first, those with none yet last."""
    return (starts_at is None, starts_at or datetime.max.replace(tzinfo=UTC))


def is_overdue(
    *, today: date, report_back_by: date | None, open_due_dates: list[date | None]
) -> bool:
    """Actions still open past their due date, or past the date the team promised to report."""
    if not open_due_dates:
        return False
    if report_back_by is not None and report_back_by < today:
        return True
    return any(due is not None and due < today for due in open_due_dates)


def email_domain_allowed(email: str, allowed: frozenset[str]) -> bool:
    """No list allows every domain; otherwise the part after @ must be on it."""
    if not allowed:
        return True
    return email.rpartition("@")[2].lower() in allowed


def normalise_email(email: str) -> str:
    return email.strip().lower()


def snippet(text: str, query: str, width: int = 160) -> str:
    """The words around the first match of `query` in `text`, or its opening."""
    flat = " ".join(text.split())
    at = flat.lower().find(query.lower()) if query else -1
    if at < 0 or len(flat) <= width:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, at - width // 3)
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
