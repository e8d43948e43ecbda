"""Withdrawn access: a removed participant, or a deleted workshop, on every worker.

Each worker remembers tokens it has proven (web/deps.py KnownTokens) and holds live
connections. A withdrawal reaches them all on one channel every worker listens to, whether
or not it serves that workshop: each worker forgets the tokens and closes the connections.
Should messages have been lost (the broker says RESYNC), a worker forgets every remembered
token and asks the database who may still be connected in each of its rooms.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

ACCESS_CHANNEL = "peer-assist:access"
# Who is still in a workshop, from the database; None when the workshop is gone.
FetchMembers = Callable[[str], Awaitable[set[int] | None]]
# Told of every withdrawal: (workshop, participant), (workshop, None) for a whole workshop,
# or (None, None) when withdrawals may have been missed and nothing remembered is safe.
Forget = Callable[[str | None, int | None], None]
# Closing a withdrawn connection: policy violation, as for refused credentials.
WITHDRAWN = 1008
RETRY_MAX_S = 2.0


def withdrawal_message(
    workshop_id: str, participant_id: int | None, reason: str | None = None
) -> str:
    said = {"workshop_id": workshop_id, "participant_id": participant_id}
    return json.dumps({**said, "reason": reason} if reason else said)


class Access:
    """The hub's part in withdrawals; `hub` gives the backend, the rooms and task spawning."""

    def __init__(self, hub: Any, fetch_members: FetchMembers | None) -> None:
        self.hub = hub
        self.fetch_members = fetch_members
        self._forgetters: list[Forget] = []
        self._unsent: list[str] = []
        self._retrying: asyncio.Task | None = None

    def on_withdraw(self, forget: Forget) -> None:
        """Call `forget` on this worker for every withdrawal, wherever it was made."""
        self._forgetters.append(forget)

    async def withdraw(
        self, workshop_id: str, participant_id: int | None = None, reason: str | None = None
    ) -> None:
        """A participant (or, None, everyone in a workshop) lost access: every worker forgets
        their tokens and closes their connections, saying `reason` if given. Called after the
        commit that withdrew it."""
        # Here at once, whatever the broker does.
        self.withdrawn(workshop_id, participant_id, reason)
        message = withdrawal_message(workshop_id, participant_id, reason)
        try:
            await self.hub.backend.publish(ACCESS_CHANNEL, message)
        except Exception as exc:
            log.warning("publishing a withdrawal failed (%r); retrying", exc)
            self._unsent.append(message)
            if self._retrying is None or self._retrying.done():
                self._retrying = self.hub._spawn(self._retry(), "hub-access-retry")

    def received(self, message: str) -> None:
        withdrawal = json.loads(message)
        self.withdrawn(
            withdrawal["workshop_id"], withdrawal["participant_id"], withdrawal.get("reason")
        )

    def resync(self) -> None:
        """Messages may have been lost, a withdrawal among them."""
        self.withdrawn(None, None)
        for workshop_id in list(self.hub.rooms):
            self.hub._spawn(self._recheck(workshop_id), "hub-access-recheck")

    def withdrawn(
        self, workshop_id: str | None, participant_id: int | None, reason: str | None = None
    ) -> None:
        for forget in self._forgetters:
            forget(workshop_id, participant_id)
        room = self.hub.rooms.get(workshop_id) if workshop_id is not None else None
        for sub in list(room.subscribers) if room is not None else []:
            if participant_id is None:
                sub.end(WITHDRAWN, reason or "this peer assist was deleted")
            elif sub.viewer.id == participant_id:
                sub.end(WITHDRAWN, reason or "you were removed from this peer assist")

    async def _recheck(self, workshop_id: str) -> None:
        """Close this worker's connections to the workshop whose access is gone."""
        if self.fetch_members is None or workshop_id not in self.hub.rooms:
            return
        try:
            members = await self.fetch_members(workshop_id)
        except Exception:
            log.warning("could not recheck who is in %s", workshop_id, exc_info=True)
            return
        room = self.hub.rooms.get(workshop_id)
        for sub in list(room.subscribers) if room is not None else []:
            if members is None or sub.viewer.id not in members:
                self.withdrawn(workshop_id, None if members is None else sub.viewer.id)

    async def _retry(self) -> None:
        delay = 0.2
        while self._unsent:
            await asyncio.sleep(delay)
            while self._unsent:
                try:
                    await self.hub.backend.publish(ACCESS_CHANNEL, self._unsent[0])
                except Exception:
                    break
                self._unsent.pop(0)
            delay = min(delay * 2, RETRY_MAX_S)
