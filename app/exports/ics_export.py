"""iCalendar (RFC 5545) export: the report-back date and dated actions as all-day events.

Written by hand so the output is byte-for-byte deterministic: CRLF line endings,
lines folded at 75 octets (never inside a UTF-8 sequence), TEXT values escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from app.exports._common import (
    Action,
    Card,
    Commitment,
    Workshop,
    linked_cards,
    status_label,
    themes_of,
    visible_cards_by_id,
)

PRODID = "-//Peer Assist Live//Action list export//EN"
_MAX_OCTETS = 75
_NEWLINES = re.compile(r"\r\n|\r|\n")
# TEXT may not hold control characters other than HTAB (RFC 5545 §3.3.11); newlines are
# escaped before this runs.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROLS.sub("", _NEWLINES.sub("\\\\n", value))


def fold_line(line: str) -> str:
    """Fold a content line into CRLF-terminated chunks of at most 75 octets each."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = _MAX_OCTETS - 1  # continuation lines start with one space
        current.append(char)
        size += width
    chunks.append("".join(current))
    return "\r\n ".join(chunks) + "\r\n"


def _utc_stamp(iso: str) -> str:
    """ISO 8601 timestamp (naive means UTC) to an RFC 5545 UTC DATE-TIME."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _all_day_event(
    *, uid: str, stamp: str, day: str, summary: str, description: str, cancelled: bool = False
) -> list[str]:
    start = date.fromisoformat(day)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if cancelled:
        lines.append("STATUS:CANCELLED")
    lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    return lines


def to_ics(
    workshop: Workshop,
    actions: Sequence[Action],
    commitment: Commitment | None,
    cards: Sequence[Card],
    *,
    uid_domain: str,
) -> bytes:
    """Render the report-back date and every action with a due date as an iCalendar file.

    UIDs are stable: ``commitment-{workshop_id}@{uid_domain}`` and
    ``action-{action_id}-{workshop_id}@{uid_domain}``. DTSTAMP comes from the commitment's
    ``set_at`` (falling back to the workshop's ``created_at``) or the action's
    ``updated_at``, so the same input always gives the same bytes.
    """
    if not uid_domain or any(char.isspace() or char == "@" for char in uid_domain):
        raise ValueError(f"uid_domain must be a bare host name, got {uid_domain!r}")
    workshop_id = workshop["id"]
    title = workshop["title"]
    cards_by_id = visible_cards_by_id(cards)

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(title)}",
    ]
    if commitment:
        description = [f"Workshop: {title}"]
        if commitment.get("note"):
            description.append(f"Note: {commitment['note']}")
        set_by = (commitment.get("set_by") or {}).get("name")
        if set_by:
            description.append(f"Set by: {set_by}")
        lines += _all_day_event(
            uid=f"commitment-{workshop_id}@{uid_domain}",
            stamp=_utc_stamp(commitment.get("set_at") or workshop["created_at"]),
            day=commitment["report_back_by"],
            summary=f"Report back: {title}",
            description="\n".join(description),
        )
    for action in actions:
        if not action.get("due_date"):
            continue
        description = [f"Workshop: {title}"]
        if action.get("owner"):
            description.append(f"Owner: {action['owner']}")
        description.append(f"Status: {status_label(action['status'])}")
        linked = linked_cards(action, cards_by_id)
        if linked:
            description.append("Linked cards:")
            description += [f"- {card['text']}" for card in linked]
            if themes_of(linked):
                description.append("Themes: " + ", ".join(themes_of(linked)))
        lines += _all_day_event(
            uid=f"action-{action['id']}-{workshop_id}@{uid_domain}",
            stamp=_utc_stamp(action.get("updated_at") or workshop["created_at"]),
            day=action["due_date"],
            summary=action["title"],
            description="\n".join(description),
            cancelled=action["status"] == "dropped",
        )
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) for line in lines).encode("utf-8")
