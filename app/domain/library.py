"""The library's filters: what a person asked for, read from a query string, and which peer
assists it keeps. Nothing here does I/O; the page feeds it entries it has already loaded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .accounts import Status
from .dates import filter_range
from .errors import Invalid
from .themes import key

# A search box, not an essay: the API's `q` has the same cap.
QUERY_MAX = 200


@dataclass(frozen=True)
class LibraryFilter:
    """What the library shows: every filter left empty shows everything the account may see."""

    q: str = ""
    since: date | None = None
    until: date | None = None
    status: Status | None = None
    overdue_only: bool = False
    theme: str = ""

    @property
    def empty(self) -> bool:
        return self == LibraryFilter()


def parse(params: Mapping[str, str]) -> LibraryFilter:
    """The filters in a query string; a date or status nobody could mean answers Invalid."""
    q = " ".join(params.get("q", "").split())
    if len(q) > QUERY_MAX:
        raise Invalid(f"Search for at most {QUERY_MAX} characters.", code="query_too_long")
    since, until = filter_range(params)
    status = params.get("status", "").strip()
    if status and status not in Status.__members__:
        raise Invalid("Status is upcoming, live or closed.", code="invalid_status")
    return LibraryFilter(
        q=q,
        since=since,
        until=until,
        status=Status(status) if status else None,
        # A checkbox sends "on"; a hand-written link may say "1" or "true".
        overdue_only=params.get("overdue", "").strip().lower() in {"on", "1", "true", "yes"},
        theme=" ".join(params.get("theme", "").split()),
    )


def keeps(entry: Mapping, wanted: LibraryFilter) -> bool:
    """Whether a library entry passes every filter but the search (the index answers that).

    An entry carries `when` (a date), `status`, `overdue` and `themes` (names).
    """
    when: date = entry["when"]
    if wanted.since and when < wanted.since:
        return False
    if wanted.until and when > wanted.until:
        return False
    if wanted.status and entry["status"] != wanted.status.value:
        return False
    if wanted.overdue_only and not entry["overdue"]:
        return False
    return not wanted.theme or key(wanted.theme) in {key(t) for t in entry["themes"]}


def ordered(entries: list[dict], wanted: LibraryFilter) -> list[dict]:
    """A search's best match first; otherwise the most recent peer assist first."""
    if wanted.q:
        return entries
    return sorted(entries, key=lambda e: e["when"], reverse=True)


def theme_choices(names: Iterable[str]) -> list[str]:
    """Theme names once each (by their first spelling), A to Z, for the theme filter."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(key(name), name)
    return sorted(seen.values(), key=str.casefold)
