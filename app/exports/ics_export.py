"""iCalendar (RFC 5545) export: the report-back date and dated actions as all-day events.

Built with the `icalendar` package, which escapes TEXT values and folds lines at 75 octets.
Every stamp comes from the data, never the clock, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import icalendar

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
_NEWLINES = re.compile(r"\r\n|\r")
# TEXT may not hold control characters other than HTAB and the newline it escapes
# (RFC 5545 §3.3.11); a card pasted from elsewhere can carry them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(value: str) -> str:
    """A TEXT value iCalendar can hold: newlines as \\n, no other control characters."""
    return _CONTROLS.sub("", _NEWLINES.sub("\n", value))


def utc(iso: str | datetime) -> datetime:
    """ISO 8601 timestamp (naive means UTC) as an aware UTC datetime."""
    moment = iso if isinstance(iso, datetime) else datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def calendar(*, prodid: str = PRODID, name: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", prodid)
    cal.add("calscale", "GREGORIAN")
    if name is not None:
        cal.add("x-wr-calname", clean_text(name))
    return cal


def _all_day_event(
    *,
    uid: str,
    stamp: datetime,
    day: str,
    summary: str,
    description: str,
    cancelled: bool = False,
) -> icalendar.Event:
    start = date.fromisoformat(day)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    # Dates are bounded on the way in, but rows stored before that may hold 9999-12-31, whose
    # next day does not exist. Without DTEND an all-day event lasts that one day (RFC 5545
    # §3.6.1), so leaving it out says the same thing.
    if start < date.max:
        event.add("dtend", start + timedelta(days=1))
    event.add("summary", clean_text(summary))
    if description:
        event.add("description", clean_text(description))
    if cancelled:
        event.add("status", "CANCELLED")
    event.add("transp", "TRANSPARENT")
    return event


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
    cal = calendar(name=title)
    if commitment:
        description = [f"Workshop: {title}"]
        if commitment.get("note"):
            description.append(f"Note: {commitment['note']}")
        set_by = (commitment.get("set_by") or {}).get("name")
        if set_by:
            description.append(f"Set by: {set_by}")
        cal.add_component(
            _all_day_event(
                uid=f"commitment-{workshop_id}@{uid_domain}",
                stamp=utc(commitment.get("set_at") or workshop["created_at"]),
                day=commitment["report_back_by"],
                summary=f"Report back: {title}",
                description="\n".join(description),
            )
        )
    for action in actions:
        if not action.get("due_date"):
            continue
        description = [f"Workshop: {title}"]
        if action.get("owner"):
            description.append(f"Owner: {action['owner']}")
        description.append(f"Status: {status_label(action['status'])}")
        if action.get("note"):
            description.append(f"Note: {action['note']}")
        linked = linked_cards(action, cards_by_id)
        if linked:
            description.append("Linked cards:")
            description += [f"- {card['text']}" for card in linked]
            if themes_of(linked):
                description.append("Themes: " + ", ".join(themes_of(linked)))
        cal.add_component(
            _all_day_event(
                uid=f"action-{action['id']}-{workshop_id}@{uid_domain}",
                stamp=utc(action.get("updated_at") or workshop["created_at"]),
                day=action["due_date"],
                summary=action["title"],
                description="\n".join(description),
                cancelled=action["status"] == "dropped",
            )
        )
    return cal.to_ical()
