"""The mail that invites someone to an account, with its one-time link (pure: no network)."""

from __future__ import annotations

from email.message import EmailMessage

from ..domain.accounts import LINK_DAYS


def account_invite_message(
    *,
    name: str,
    email: str,
    role: str,
    link: str,
    invited_by: str,
    sender: str,
    single_sign_on: bool,
) -> EmailMessage:
    """Tell the person who invited them, what the account is for, and the way in."""
    what = "run peer assists and manage the installation" if role == "admin" else "run peer assists"
    first = (
        # The welcome page then leads to the organisation's sign-in, which works for good.
        f"Sign in with your organisation's account as {email}, starting from this page:"
        if single_sign_on
        else (
            "Open this link to choose your password. It works once, within "
            f"{LINK_DAYS['invite']} days:"
        )
    )
    lines = [
        f"Dear {name},",
        "",
        f"{invited_by} has made you an account on Peer Assist Live, so that you can {what}.",
        "",
        first,
        link,
        "",
        "If you did not expect this, ignore this message: nothing happens until the link is used.",
    ]
    message = EmailMessage()
    message["Subject"] = "Your Peer Assist Live account"
    message["From"] = sender
    message["To"] = email
    message.set_content("\n".join(lines))
    return message
