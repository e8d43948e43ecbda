"""The daily retention sweep the server runs beside the meetings (`RETENTION_DAYS`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from ..actions.lifecycle import purge
from ..db.lifecycle import claim_sweep
from .deps import Services, withdraw_access

log = logging.getLogger(__name__)


class RetentionSweep:
    """Deletes peer assists past retention once a day, on whichever worker finds it due.

    Every worker looks each `every_s`; the day's turn is taken in the database
    (`claim_sweep`), so several workers sweep once between them, and a restart does not
    sweep again. The first look waits `first_after_s`, so a starting server serves first."""

    def __init__(
        self, services: Services, *, first_after_s: float = 300.0, every_s: float = 3600.0
    ) -> None:
        self.services = services
        self.first_after_s = first_after_s
        self.every_s = every_s
        self._task: asyncio.Task | None = None
        self.swept = asyncio.Event()  # set after each sweep this worker ran (tests wait on it)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        await asyncio.sleep(self.first_after_s)
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("the retention sweep failed; trying again later")
            await asyncio.sleep(self.every_s)

    async def run_once(self) -> list[dict] | None:
        """Sweep if it is this worker's turn: what was deleted, or None when it was not."""
        svc = self.services
        days = svc.settings.retention_days
        if days <= 0:
            return None
        now = svc.clock()

        def claim() -> bool:
            with svc.db.transaction() as session:
                return claim_sweep(session, now=now)

        if not await run_in_threadpool(claim):
            return None
        gone = await purge(svc.writer, now=now, retention_days=days)
        for item in gone:
            await withdraw_access(svc, item["id"])
        if gone:
            log.info("retention: deleted %d peer assists closed over %d days ago", len(gone), days)
        self.swept.set()
        return gone
