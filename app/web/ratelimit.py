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

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, WindowStats, parse
from limits.aio.storage import Storage as AsyncStorage
from limits.aio.strategies import MovingWindowRateLimiter as AsyncMovingWindowRateLimiter
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

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
# How often this worker's own counts drop what has expired (see QuietMemoryStorage).
SWEEP_EVERY_S = 60.0


class QuietMemoryStorage(MemoryStorage):
    """`limits`' memory storage without a thread started for every hit.

    It drops expired counts on a `threading.Timer` of 10 ms that each hit starts again once it
    has run: writes more than 10 ms apart (every room at its usual pace) started a new thread
    each, and the event loop waited for it to start. That was 0.3 ms of a card's write at the
    median and up to 4 ms, as much as the rest of the request. Expired counts never decide
    anything (a moving window reads the times it keeps), so they are dropped here at most once
    a minute, by the hit that finds the minute over: a few milliseconds for ten thousand
    people. These are `limits`' private names, so limits is pinned to the versions tested,
    and `check_compatible` refuses another at start-up. The sweep drops people's lists
    without their locks: every count is asked on the event loop, one at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the one its constructor started
        self._swept = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept >= SWEEP_EVERY_S:
            self._swept = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            # It empties a person's list of times but keeps the list: one per person ever.
            for key in [key for key, times in self.events.items() if not times]:
                del self.events[key]

    @staticmethod
    def check_compatible() -> None:
        missing = [
            name
            for name in ("_MemoryStorage__schedule_expiry", "_MemoryStorage__expire_events")
            if not hasattr(MemoryStorage, name)
        ]
        if missing:
            raise RuntimeError(
                "This version of the limits package changed its MemoryStorage, which "
                "app/web/ratelimit.py relies on; install the version pyproject.toml pins."
            )


# A count takes Redis microseconds: a burst takes turns on a few connections instead of
# opening one each, and each turn starts by asking whether Redis has just failed.
REDIS_CONNECTIONS = 16
KEY_PREFIX = "peer-assist-limits"


@dataclass
class _Redis:
    """The shared counts' connections, made in the event loop that uses them."""

    pool: ConnectionPool
    limiter: AsyncMovingWindowRateLimiter
    turns: asyncio.Semaphore


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
        QuietMemoryStorage.check_compatible()
        self.local = MovingWindowRateLimiter(QuietMemoryStorage())
        self.redis_url = None if storage_uri.startswith("memory://") else storage_uri
        self._redis: _Redis | None = None
        self._remote_down_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Limiter:
        rates = {name: str(getattr(settings, rule.setting)) for name, rule in RULES.items()}
        return cls(settings.redis_url or "memory://", rates)

    async def hit(self, rule: str, *keys: str) -> float | None:
        """Count one hit of `rule` for `keys`; refused hits are not counted."""
        return await self._ask(rule, keys, count=True)

    async def blocked(self, rule: str, *keys: str) -> float | None:
        """Whether the next hit would be refused, without counting one."""
        return await self._ask(rule, keys, count=False)

    async def close(self) -> None:
        if self._redis is not None:
            redis, self._redis = self._redis, None
            await redis.pool.disconnect()

    async def _ask(self, rule: str, keys: tuple[str, ...], *, count: bool) -> float | None:
        item = self._item(rule)
        if item is None:
            return None
        # Every participant write asks: without Redis this stays a plain call, no waiting.
        if self.redis_url is not None and not self._down():
            answered, wait = await self._ask_redis(item, rule, keys, count=count)
            if answered:
                return wait
        if (self.local.hit if count else self.local.test)(item, rule, *keys):
            return None
        return _wait(self.local.get_window_stats(item, rule, *keys))

    async def _ask_redis(
        self, item: RateLimitItem, rule: str, keys: tuple[str, ...], *, count: bool
    ) -> tuple[bool, float | None]:
        """(True, the answer) from Redis, or (False, None) to count here instead."""
        redis = self._open()
        async with redis.turns:
            # Those queued behind a failing count count here, not wait their turn to fail too.
            if self._down():
                return False, None
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_S):
                    if await (redis.limiter.hit if count else redis.limiter.test)(
                        item, rule, *keys
                    ):
                        return True, None
                    return True, _wait(await redis.limiter.get_window_stats(item, rule, *keys))
            except (RedisError, OSError) as exc:  # OSError: timeouts included
                self._remote_failed(exc)
                return False, None

    def _open(self) -> _Redis:
        if self._redis is None:
            assert self.redis_url is not None
            # Our own pool, so that shutting down can close it (the storage has no close).
            pool = ConnectionPool.from_url(
                self.redis_url,
                max_connections=REDIS_CONNECTIONS,
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
            )
            storage = storage_from_string(
                f"async+{self.redis_url}",
                implementation="redispy",
                connection_pool=pool,
                key_prefix=KEY_PREFIX,
            )
            limiter = AsyncMovingWindowRateLimiter(cast(AsyncStorage, storage))
            self._redis = _Redis(pool, limiter, asyncio.Semaphore(REDIS_CONNECTIONS))
        return self._redis

    def _item(self, rule: str) -> RateLimitItem | None:
        if rule not in RULES:
            raise KeyError(f"no such rate limit rule: {rule}")
        return self.items.get(rule)

    def _down(self) -> bool:
        return time.monotonic() < self._remote_down_until

    def _remote_failed(self, exc: Exception) -> None:
        if not self._down():
            log.warning("rate limits counted per worker: the shared storage failed: %s", exc)
        self._remote_down_until = time.monotonic() + RETRY_REDIS_AFTER_S


def _wait(stats: WindowStats) -> float:
    return max(1.0, stats.reset_time - time.time())
