"""Sending reminders by mail: the SMTP target from SMTP_URL, and the loop that sends them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from .actions import reminders
from .actions.runner import Writer
from .db.engine import Database
from .exports.reminder_mail import reminder_message
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpTarget:
        """smtp://[user:password@]host[:port] (25), or smtps:// (465, TLS from the start)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://host:port")
        tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=tls,
        )


async def send(message: EmailMessage, target: SmtpTarget) -> None:
    await aiosmtplib.send(
        message,
        hostname=target.hostname,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.use_tls,
        timeout=30,
    )


# A person waits on the page for this one: a mail server that does not answer by then is
# reported, and the link shown to pass on by hand.
AT_ONCE_TIMEOUT_S = 10


async def send_at_once(message: EmailMessage, settings: Settings) -> bool:
    """Send one message while someone waits for the answer: False, logged, when it failed."""
    try:
        target = SmtpTarget.from_url(settings.smtp_url)
        async with asyncio.timeout(AT_ONCE_TIMEOUT_S):
            await send(message, target)
    except (aiosmtplib.SMTPException, OSError, TimeoutError, ValueError) as exc:
        log.warning("mail to %s not sent: %r", message["To"], exc)
        return False
    return True


class ReminderLoop:
    """Every `reminder_every_s`, send the reminders that are due, each one once."""

    def __init__(self, settings: Settings, db: Database, writer: Writer) -> None:
        self.settings = settings
        self.db = db
        self.writer = writer
        self.target = SmtpTarget.from_url(settings.smtp_url)
        self.rounds = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reminders")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the loop outlives a bad round; the next one tries again
                log.exception("reminder round failed")
            self.rounds += 1
            await asyncio.sleep(self.settings.reminder_every_s)

    async def run_once(self) -> int:
        """Send what is due now; returns how many reminders went out."""
        now = self.writer.clock()
        due = await run_in_threadpool(
            reminders.due_reminders,
            self.db,
            today=now.date(),
            days_before=self.settings.reminder_days_before,
        )
        sent = 0
        for reminder in due:
            try:
                await self.writer.run(workshop_id=None, apply=reminders.claim(reminder))
            except IntegrityError:
                continue  # another worker, or an earlier round, has it
            message = reminder_message(
                reminder, sender=self.settings.smtp_from, base_url=self.settings.base_url
            )
            try:
                await send(message, self.target)
            except (aiosmtplib.SMTPException, OSError):
                log.warning("reminder for %s not sent; will retry", reminder.workshop["id"])
                await self.writer.run(workshop_id=None, apply=reminders.release(reminder))
                continue
            await self.writer.run(workshop_id=None, apply=reminders.mark_sent(reminder))
            sent += 1
        return sent
