"""The reminder to report back, as an email message (pure: no clock, no network)."""

from __future__ import annotations

from email.message import EmailMessage

from ..actions.reminders import Reminder
from ..domain.dates import long_date
from ..domain.reminders import ReminderKind
from ._common import status_label


def reminder_message(reminder: Reminder, *, sender: str, base_url: str) -> EmailMessage:
    """Tell the host team and the facilitator what is open and where to report back."""
    title = reminder.workshop["title"]
    by = long_date(reminder.report_back_by)
    link = f"{base_url}/w/{reminder.workshop['id']}/follow-up"
    if reminder.kind is ReminderKind.missed:
        subject = f"Overdue: report back on “{title}” (due {by})"
        opening = f"The host team committed to report back by {by}, and that date has passed."
    else:
        subject = f"Reminder: report back on “{title}” by {by}"
        opening = f"The host team committed to report back by {by}."
    lines = [opening]
    if reminder.note:
        lines.append(f"Note: {reminder.note}")
    lines += ["", "Actions still open:"]
    if reminder.open_actions:
        for action in reminder.open_actions:
            extra = [status_label(action["status"])]
            if action.get("owner"):
                extra.append(action["owner"])
            if action.get("due_date"):
                extra.append(f"due {long_date(action['due_date'])}")
            lines.append(f"- {action['title']} ({', '.join(extra)})")
    else:
        lines.append("- none: every action is done or dropped.")
    lines += [
        "",
        f"Update the actions and report back here: {link}",
        "",
        "Peer Assist Live",
    ]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(reminder.addresses)
    message["Subject"] = subject
    message.set_content("\n".join(lines))
    return message
