"""Fan-out backends, chosen by URL scheme: `memory://` (default) or `redis://`."""

from __future__ import annotations

from .base import Backend, Presence


def backend_for(url: str, *, presence_ttl_s: float = 30.0) -> tuple[Backend, Presence]:
    if not url or url.startswith("memory://"):
        from .memory import MemoryBackend, MemoryPresence

        return MemoryBackend(), MemoryPresence()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from .redis import RedisBackend, RedisPresence

        backend = RedisBackend(url)
        return backend, RedisPresence(backend, ttl_s=presence_ttl_s)
    raise ValueError(f"Unknown REDIS_URL scheme in {url!r}; use redis:// or leave it empty.")


__all__ = ["Backend", "Presence", "backend_for"]
