"""A small sliding-window limit, for guesses at short room codes."""

from __future__ import annotations

import time
from collections import deque
from typing import Any


class SlidingWindow:
    """At most `limit` hits per key within `window_s` seconds. Per worker, in memory."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def blocked(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            return False
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return len(hits) >= self.limit

    def hit(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if key not in self._hits and len(self._hits) >= self.max_keys:
            # Forget the stalest keys rather than grow without bound.
            for old in list(self._hits)[: self.max_keys // 10]:
                del self._hits[old]
        self._hits.setdefault(key, deque()).append(now)


class Limiter:
    """Rate limits through the `limits` package, in memory or in Redis (shared by workers).

    `hit("5/minute", "signin", email)` counts one attempt and answers None when it is
    allowed, else the seconds until the next one will be.
    """

    def __init__(self, storage_uri: str = "memory://") -> None:
        self.storage_uri = storage_uri
        self._limiter: Any = None

    def _strategy(self) -> Any:
        # Built on first use: importing `limits` costs a second of every server's start.
        if self._limiter is None:
            from limits import storage, strategies

            store = storage.storage_from_string(self.storage_uri)
            self._limiter = strategies.MovingWindowRateLimiter(store)
        return self._limiter

    def hit(self, rule: str, *keys: str) -> float | None:
        from limits import parse

        limiter, item = self._strategy(), parse(rule)
        if limiter.hit(item, *keys):
            return None
        reset_at = limiter.get_window_stats(item, *keys).reset_time
        return max(1.0, reset_at - time.time())
