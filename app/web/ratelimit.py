"""Rate limits, counted where every worker sees them: one table of rules, one `Limiter`.

Each rule is a rate read from a setting ("10/10minutes"), counted in a moving window by the
`limits` package: in Redis when `REDIS_URL` is set, so every worker shares one count, else in
this process's memory. A hit counts first and then decides, in one atomic step (a Lua script
in Redis, a lock in memory), so a burst of simultaneous requests cannot all slip past a check
made before any of them was counted.

To limit something new: add a setting to `app/settings.py` and the README, add a row to
RULES, and call `limiter.hit("your_rule", key)` where it happens. An empty setting turns a
rule off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool

from ..settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """A named limit: the setting that holds its rate, and what one hit stands for."""

    setting: str
    counts: str


RULES: dict[str, Rule] = {
    "room_code_guess": Rule(
        setting="room_code_rate_limit",
        counts="a room code that matches no peer assist, per client address",
    ),
    "sign_in_address": Rule(
        setting="sign_in_rate_limit_per_address",
        counts="a password sign-in attempt, per client address",
    ),
    "sign_in_account": Rule(
        setting="sign_in_rate_limit_per_account",
        counts="a password sign-in attempt, per email address tried",
    ),
    "participant_write": Rule(
        setting="write_rate_limit",
        counts="a write (POST, PUT, PATCH or DELETE) by one participant",
    ),
}

# A Redis that does not answer must not hold requests up for long: we fall back to counting
# in this worker (still a limit, though per worker) and try Redis again a little later.
REDIS_TIMEOUT_S = 0.5
RETRY_REDIS_AFTER_S = 5.0


class Limiter:
    """`hit(rule, *keys)`: None when allowed, else the seconds until a retry may succeed."""

    def __init__(self, storage_uri: str, rates: Mapping[str, str]) -> None:
        unknown = set(rates) - set(RULES)
        if unknown:
            raise ValueError(f"no such rate limit rule: {', '.join(sorted(unknown))}")
        self.items: dict[str, RateLimitItem] = {
            name: parse(rate) for name, rate in rates.items() if rate.strip()
        }
        self.remote = not storage_uri.startswith("memory://")
        options: dict[str, object] = {}
        if self.remote:
            options = {
                "socket_timeout": REDIS_TIMEOUT_S,
                "socket_connect_timeout": REDIS_TIMEOUT_S,
                "key_prefix": "peer-assist-limits",
            }
        self.storage: Storage = storage_from_string(storage_uri, **options)
        self.strategy = MovingWindowRateLimiter(self.storage)
        # Used only while the shared storage is unreachable.
        self.fallback = MovingWindowRateLimiter(MemoryStorage())
        self._remote_down_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        rates = {name: str(getattr(settings, rule.setting)) for name, rule in RULES.items()}
        return cls(settings.redis_url or "memory://", rates)

    def hit(self, rule: str, *keys: str) -> float | None:
        """Count one hit of `rule` for `keys`; refused hits are not counted."""
        item = self._item(rule)
        if item is None:
            return None
        strategy = self._strategy()
        try:
            if strategy.hit(item, rule, *keys):
                return None
            stats = strategy.get_window_stats(item, rule, *keys)
        except Exception as exc:  # a Redis outage: count here until it is back
            self._remote_failed(exc)
            if self.fallback.hit(item, rule, *keys):
                return None
            stats = self.fallback.get_window_stats(item, rule, *keys)
        return max(1.0, stats.reset_time - time.time())

    def blocked(self, rule: str, *keys: str) -> float | None:
        """Whether the next hit would be refused, without counting one."""
        item = self._item(rule)
        if item is None:
            return None
        strategy = self._strategy()
        try:
            if strategy.test(item, rule, *keys):
                return None
            stats = strategy.get_window_stats(item, rule, *keys)
        except Exception as exc:
            self._remote_failed(exc)
            return None
        return max(1.0, stats.reset_time - time.time())

    async def hit_async(self, rule: str, *keys: str) -> float | None:
        """`hit` for async code: off the event loop when the count lives in Redis."""
        # A rule that is off costs nothing, not a trip to a thread (every write asks).
        if self.remote and self._item(rule) is not None:
            return await run_in_threadpool(self.hit, rule, *keys)
        return self.hit(rule, *keys)

    async def blocked_async(self, rule: str, *keys: str) -> float | None:
        if self.remote and self._item(rule) is not None:
            return await run_in_threadpool(self.blocked, rule, *keys)
        return self.blocked(rule, *keys)

    def _item(self, rule: str) -> RateLimitItem | None:
        if rule not in RULES:
            raise KeyError(f"no such rate limit rule: {rule}")
        return self.items.get(rule)

    def _strategy(self) -> MovingWindowRateLimiter:
        if self.remote and time.monotonic() < self._remote_down_until:
            return self.fallback
        return self.strategy

    def _remote_failed(self, exc: Exception) -> None:
        if time.monotonic() >= self._remote_down_until:
            log.warning("rate limits counted per worker: the shared storage failed: %s", exc)
        self._remote_down_until = time.monotonic() + RETRY_REDIS_AFTER_S
