"""Rate limits, counted where every worker sees them: one table of rules, one `Limiter`.

Each rule is a rate read from a setting ("10/10minutes"), counted in a moving window by the
`limits` package: in Redis when `REDIS_URL` is set, so every worker shares one count, else in
this process's memory. A hit counts first and then decides, in one atomic step (a Lua script
in Redis, a lock in memory), so a burst of simultaneous requests cannot all slip past a check
made before any of them was counted.

To limit something new: add a setting to `app/settings.py` and the README, add a row to
RULES, and `await limiter.hit("your_rule", key)` where it happens. An empty setting turns a
rule off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from limits import RateLimitItem, WindowStats, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.asyncio import BlockingConnectionPool

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
# in this worker (still a limit, though per worker) and try Redis again a little later. The
# clock runs on the event loop, which a burst of requests keeps busy: at 0.5 s, 200 guesses at
# once timed a healthy Redis out while connecting (tests/realtime/test_limits.py).
REDIS_TIMEOUT_S = 2.0
RETRY_REDIS_AFTER_S = 5.0
REDIS_CONNECTIONS = 16
REDIS_QUEUE_S = 10.0
KEY_PREFIX = "peer-assist-limits"


class Limiter:
    """`await hit(rule, *keys)`: None when allowed, else the seconds until a retry may succeed.

    Shared counts go to Redis on the event loop (`limits`' asyncio storage): every participant
    write asks, and a thread for each would be a second hand-over on the write path (bench/
    README.md). Counts in this worker's memory need no waiting at all."""

    def __init__(self, storage_uri: str, rates: Mapping[str, str]) -> None:
        unknown = set(rates) - set(RULES)
        if unknown:
            raise ValueError(f"no such rate limit rule: {', '.join(sorted(unknown))}")
        self.items: dict[str, RateLimitItem] = {
            name: parse(rate) for name, rate in rates.items() if rate.strip()
        }
        # This worker's own counts: all of them without Redis, and a stand-in while it is down.
        self.local = MovingWindowRateLimiter(MemoryStorage())
        self.shared: AsyncMovingWindowRateLimiter | None = None
        self._pool: BlockingConnectionPool | None = None
        if not storage_uri.startswith("memory://"):
            # Our own pool, so that shutting down can close it (the storage has no close). A
            # count takes Redis microseconds: a burst of requests takes turns on a few
            # connections rather than opening one each, and times out only on Redis itself,
            # not while queueing behind its neighbours.
            self._pool = BlockingConnectionPool.from_url(
                storage_uri,
                max_connections=REDIS_CONNECTIONS,
                timeout=REDIS_QUEUE_S,
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
            storage = storage_from_string(
                f"async+{storage_uri}",
                implementation="redispy",
                connection_pool=self._pool,
                key_prefix=KEY_PREFIX,
            )
            assert isinstance(storage, AsyncStorage)
            self.shared = AsyncMovingWindowRateLimiter(storage)
        self._remote_down_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        rates = {name: str(getattr(settings, rule.setting)) for name, rule in RULES.items()}
        return cls(settings.redis_url or "memory://", rates)

    async def hit(self, rule: str, *keys: str) -> float | None:
        """Count one hit of `rule` for `keys`; refused hits are not counted."""
        item = self._item(rule)
        if item is None:
            return None
        shared = self._shared_now()
        if shared is not None:
            try:
                if await shared.hit(item, rule, *keys):
                    return None
                return _wait(await shared.get_window_stats(item, rule, *keys))
            except Exception as exc:  # a Redis outage: count here until it is back
                self._remote_failed(exc)
        if self.local.hit(item, rule, *keys):
            return None
        return _wait(self.local.get_window_stats(item, rule, *keys))

    async def blocked(self, rule: str, *keys: str) -> float | None:
        """Whether the next hit would be refused, without counting one."""
        item = self._item(rule)
        if item is None:
            return None
        shared = self._shared_now()
        if shared is not None:
            try:
                if await shared.test(item, rule, *keys):
                    return None
                return _wait(await shared.get_window_stats(item, rule, *keys))
            except Exception as exc:
                self._remote_failed(exc)
        if self.local.test(item, rule, *keys):
            return None
        return _wait(self.local.get_window_stats(item, rule, *keys))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    def _item(self, rule: str) -> RateLimitItem | None:
        if rule not in RULES:
            raise KeyError(f"no such rate limit rule: {rule}")
        return self.items.get(rule)

    def _shared_now(self) -> AsyncMovingWindowRateLimiter | None:
        if self.shared is not None and time.monotonic() < self._remote_down_until:
            return None
        return self.shared

    def _remote_failed(self, exc: Exception) -> None:
        if time.monotonic() >= self._remote_down_until:
            log.warning("rate limits counted per worker: the shared storage failed: %s", exc)
        self._remote_down_until = time.monotonic() + RETRY_REDIS_AFTER_S


def _wait(stats: WindowStats) -> float:
    return max(1.0, stats.reset_time - time.time())
