"""Check, do, commit, then publish: the one way a write reaches the database and the room.

Every caller runs its writes through a `Writer`: a route, a background loop, a CLI. The writer
commits the action's events with its changes (`base.write_in`, grouped with the other writes
waiting by `group_commit`), and only once that commit has returned does it publish them, as
Zulip's `send_event_on_commit` does. A refused or failed write raises before anything is
published; a write that committed is published even when its caller was not a request. Should
the process die between the commit and the publish, the event is in the record already: the
hub's heal sweep and every `since` replay deliver it from there.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..db.engine import Database
from ..realtime.backends import backend_for
from ..realtime.hub import CHANNEL_PREFIX, events_message
from ..settings import Settings
from .base import Apply, IdempotencyKey, Outcome, write_in
from .group_commit import GroupCommit

Publish = Callable[[str, list[dict]], Awaitable[None]]
# Runs after the commit and before the events go out (a removal withdraws access first).
BeforePublish = Callable[[Outcome], Awaitable[None]]


POSTGRES_LANES = 4


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Writer:
    db: Database
    publish: Publish
    clock: Callable[[], datetime] = utc_now
    history: int = 10_000
    secret_key: str = ""
    # Writer threads. SQLite takes one writer at a time, so one. On PostgreSQL one thread
    # spends most of a write waiting on round trips, and writes to other workshops could run
    # meanwhile: each workshop belongs to one lane, so its writes keep their order, and two
    # lanes never wait on each other's workshops.
    lanes: int | None = None
    group_commits: list[GroupCommit] = field(init=False)

    def __post_init__(self) -> None:
        lanes = self.lanes or (1 if self.db.engine.dialect.name == "sqlite" else POSTGRES_LANES)
        self.group_commits = [GroupCommit(self.db) for _ in range(lanes)]

    def lane(self, workshop_id: str | None) -> GroupCommit:
        return self.group_commits[
            zlib.crc32((workshop_id or "").encode()) % len(self.group_commits)
        ]

    async def run(
        self,
        *,
        workshop_id: str | None,
        apply: Apply,
        idempotency: IdempotencyKey | None = None,
        before_publish: BeforePublish | None = None,
    ) -> Outcome:
        """Run one action in its own savepoint of a group commit, then publish its events."""
        now = self.clock()
        outcome = await self.lane(workshop_id).run(
            lambda session: write_in(
                session,
                workshop_id=workshop_id,
                apply=apply,
                now=now,
                idempotency=idempotency,
                history=self.history,
                secret_key=self.secret_key,
            ),
            workshop_id=workshop_id,
        )
        if before_publish is not None:
            await before_publish(outcome)
        await self.published(outcome)
        return outcome

    def close(self) -> None:
        """End the writer threads once what is queued is committed (before the database is
        disposed of, so their connections are closed with it)."""
        for lane in self.group_commits:
            lane.close()

    async def published(self, outcome: Outcome) -> Outcome:
        """Publish a committed outcome's events (a repeat answered from its key has none)."""
        if outcome.events and outcome.workshop_id:
            await self.publish(outcome.workshop_id, outcome.events)
        return outcome


@asynccontextmanager
async def standalone_writer(settings: Settings) -> AsyncIterator[Writer]:
    """A writer for a process that serves no sockets (a CLI, a cron job): it publishes through
    the broker named by REDIS_URL, so every server's rooms hear of its writes at once. Without
    a broker there is nobody to tell; the servers' heal sweep finds the events in the record."""
    db = Database(settings.database)
    backend, _ = backend_for(settings.redis_url, presence_ttl_s=settings.presence_ttl_s)
    await backend.connect()

    async def publish(workshop_id: str, events: list[dict]) -> None:
        await backend.publish(CHANNEL_PREFIX + workshop_id, events_message(events))

    writer = Writer(
        db=db, publish=publish, history=settings.event_history, secret_key=settings.secret_key
    )
    try:
        yield writer
    finally:
        writer.close()
        await backend.disconnect()
        db.dispose()
