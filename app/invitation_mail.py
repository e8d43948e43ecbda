"""Mailing invitations, outside the request that queued them, with retries.

The console queues one row per person (`actions.before.queue_invitations`) and returns at once;
this sends each queued row, retries a refused or failed send a few times, and records every
attempt, so the console shows who was sent what and what bounced. A send that never succeeds
is marked failed with the server's answer and stays on the console to be sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiosmtplib
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from .actions import before
from .actions.runner import Writer
from .db import queries
from .db.engine import Database
from .db.models import InvitationMail, Invitee
from .exports.invitation import invitation_message
from .mail import SmtpTarget, send
from .settings import Settings

log = logging.getLogger(__name__)
# Seconds to wait before each retry; after the last, the mail counts as failed.
RETRY_DELAYS = (1.0, 5.0, 30.0)


def uid_domain(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


class InvitationSender:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        writer: Writer,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.settings = settings
        self.db = db
        self.writer = writer
        self.target = SmtpTarget.from_url(settings.smtp_url)
        self.retry_delays = retry_delays
        self._tasks: set[asyncio.Task] = set()
        # One sender per workshop at a time in this process, so no queued mail goes twice.
        self._locks: dict[str, asyncio.Lock] = {}
        # Set on shutdown: sends stop at their next wait, never halfway through a write (a
        # write cancelled mid-way would leave its thread holding a connection past dispose).
        self._stopping = asyncio.Event()

    def kick(self, workshop_id: str) -> asyncio.Task:
        """Send this workshop's queued invitations in the background."""
        task = asyncio.create_task(self.send_queued(workshop_id), name=f"invite:{workshop_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _workshops_with_queued(self) -> list[str]:
        with self.db.reader() as session:
            return list(
                session.exec(
                    select(InvitationMail.workshop_id)
                    .where(InvitationMail.status == "queued")
                    .distinct()
                )
            )

    async def resume(self) -> None:
        """Send what a stopped server left queued: a queued invitation is never forgotten."""
        for workshop_id in await run_in_threadpool(self._workshops_with_queued):
            self.kick(workshop_id)

    async def idle(self) -> None:
        """Wait for every background send started so far (tests, and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        self._stopping.set()
        await self.idle()

    def _queued(self, workshop_id: str) -> list[tuple[int, EmailMessage, int]]:
        """Each queued mail, built now from the briefing as it is, with the briefing's
        sequence: the time it carries, whatever the time was when it was queued."""
        with self.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            briefing = before.briefing_of(session, workshop=workshop)
            organiser = before.organiser_of(session, workshop=workshop)
            now = self.writer.clock()
            rows = session.exec(
                select(InvitationMail, Invitee)
                .join(Invitee, Invitee.id == InvitationMail.invitee_id)
                .where(InvitationMail.workshop_id == workshop_id, InvitationMail.status == "queued")
                .order_by(InvitationMail.id)
            ).all()
            found = []
            for mail, person in rows:
                record = before.invitee_record(
                    person, secret_key=self.settings.secret_key, base_url=self.settings.base_url
                )
                message = invitation_message(
                    briefing,
                    workshop_id=workshop_id,
                    email=person.email,
                    name=person.name,
                    role=person.role,
                    sender=self.settings.smtp_from,
                    organiser=organiser,
                    link=record["url"],
                    uid_domain=uid_domain(self.settings.base_url),
                    now=now,
                )
                assert mail.id is not None
                found.append((mail.id, message, briefing["sequence"]))
            return found

    async def send_queued(self, workshop_id: str) -> int:
        lock = self._locks.setdefault(workshop_id, asyncio.Lock())
        async with lock:
            sent = 0
            for mail_id, message, sequence in await run_in_threadpool(self._queued, workshop_id):
                if self._stopping.is_set():
                    break  # still queued: the next start sends it
                sent += await self._send_one(mail_id, message, sequence)
            return sent

    async def _send_one(self, mail_id: int, message: EmailMessage, sequence: int) -> int:
        delays = (*self.retry_delays, None)
        for delay in delays:
            try:
                await send(message, self.target)
                error = None
            except (aiosmtplib.SMTPException, OSError) as exc:
                error = str(exc) or type(exc).__name__
                log.warning("invitation %s not sent: %s", mail_id, error)
            await self.writer.run(
                workshop_id=None,
                apply=before.mail_result(
                    mail_id, error=error, give_up=delay is None, sequence=sequence
                ),
            )
            if error is None:
                return 1
            if delay is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                if self._stopping.is_set():
                    return 0
        return 0
