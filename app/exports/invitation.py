"""An invitation to a peer assist: its text (the briefing and a personal join link) and its
calendar request (METHOD:REQUEST, built with icalendar). Pure: the moment comes from the
caller's clock, and nothing goes over the network."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage

import icalendar

from ..domain.dates import clock_time, length_in_words, long_date
from ..domain.invitations import your_part
from .ics_export import calendar, clean_text, utc

PRODID = "-//Peer Assist Live//Invitation//EN"


def subject(briefing: dict) -> str:
    return f"Invitation to a peer assist: {briefing['title']}"


def briefing_text(briefing: dict, *, name: str, role: str, link: str) -> str:
    """The briefing in plain words, the same in the mail and in the text offered to copy,
    opening with what this person's `role` asks of them (a host is not a visiting peer)."""
    lines = [f"Dear {name},", ""]
    lines.append(your_part(role))
    if briefing.get("purpose"):
        lines += ["", f"Purpose: {briefing['purpose']}"]
    lines += ["", "The problem:", briefing["problem"]]
    if briefing.get("background"):
        lines += ["", "Background:", briefing["background"]]
    if briefing.get("starts_at"):
        # In the peer assist's own time zone, as the room shows it.
        when = clock_time(utc(briefing["starts_at"]), briefing.get("time_zone"))
        lines += ["", f"When: {when}, for {length_in_words(briefing['duration_minutes'])}"]
    if briefing.get("decision_date"):
        lines.append(f"The host team decides by {long_date(briefing['decision_date'])}.")
    if briefing.get("links"):
        lines += ["", "To read beforehand:"] + [f"- {u}" for u in briefing["links"]]
    lines += ["", "Ground rules:"]
    if briefing.get("ground_rules"):
        lines.append(briefing["ground_rules"])
    lines.append(
        "The session is recorded." if briefing.get("recorded") else "The session is not recorded."
    )
    lines += [
        "",
        f"Your own link, to read the briefing and join on the day: {link}",
        "",
        f"{briefing['facilitator_name']}, facilitator",
    ]
    return "\n".join(lines)


def invitation_ics(
    briefing: dict,
    *,
    workshop_id: str,
    email: str | None,
    name: str,
    role: str,
    organiser: Mapping[str, str] | None,
    link: str,
    uid_domain: str,
    now: datetime,
) -> bytes | None:
    """The calendar request for the session, or None while it has no start time.

    `organiser` ({name, email}) is the account that owns the peer assist; without one the
    request names no organiser rather than an address nobody reads. Someone with no `email`
    is named as no attendee either: the file goes into their own calendar by hand.
    """
    if not briefing.get("starts_at"):
        return None
    start = utc(briefing["starts_at"])
    cal = calendar(prodid=PRODID)
    cal.add("method", "REQUEST")
    event = icalendar.Event()
    # One UID for the life of the peer assist, and SEQUENCE one more each time the start moves:
    # a calendar that holds the invitation replaces it instead of adding a second meeting.
    event.add("uid", f"peer-assist-{workshop_id}@{uid_domain}")
    # With a METHOD, DTSTAMP is when this request was made (RFC 5545 §3.8.7.2): a later one
    # for the same UID is newer, so a client takes a changed time over the old.
    event.add("dtstamp", utc(now))
    event.add("sequence", briefing.get("sequence", 0))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=briefing["duration_minutes"]))
    event.add("summary", clean_text(f"Peer assist: {briefing['title']}"))
    # The calendar is where many read it first: it says their part as the mail does.
    about = f"{your_part(role)}\n\n{briefing['problem']}\n\nJoin: {link}"
    event.add("description", clean_text(about))
    event.add("url", link)
    attendee = {"CN": name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION"}
    if organiser is not None:
        event.add("organizer", f"mailto:{organiser['email']}", parameters={"CN": organiser["name"]})
        # A reply goes to the organiser: ask for one only when there is someone to read it.
        attendee["RSVP"] = "TRUE"
    if email:
        event.add("attendee", f"mailto:{email}", parameters=attendee)
    event.add("status", "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()


def invitation_message(
    briefing: dict,
    *,
    workshop_id: str,
    email: str,
    name: str,
    role: str,
    sender: str,
    organiser: Mapping[str, str] | None,
    link: str,
    uid_domain: str,
    now: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email
    message["Subject"] = subject(briefing)
    message.set_content(briefing_text(briefing, name=name, role=role, link=link))
    ics = invitation_ics(
        briefing,
        workshop_id=workshop_id,
        email=email,
        name=name,
        role=role,
        organiser=organiser,
        link=link,
        uid_domain=uid_domain,
        now=now,
    )
    if ics is not None:
        # A text/calendar part with method=REQUEST is what mail clients offer to accept.
        message.add_alternative(ics.decode(), subtype="calendar", params={"method": "REQUEST"})
        message.add_attachment(ics, maintype="text", subtype="calendar", filename="invite.ics")
    return message
