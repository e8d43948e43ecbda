"""`python -m app.cli migrate | serve`: what `make run` and the Dockerfile call."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str | None = None) -> None:
    """Bring the database to the newest schema (creating the data folder for SQLite)."""
    from alembic import command

    from .settings import load_settings

    settings = load_settings()
    url = database_url or settings.database
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def serve() -> None:
    import uvicorn

    from .main import create_app
    from .realtime.uvicorn_ws import LiveWebSocketProtocol, check_compatible
    from .settings import load_settings
    from .web.live import close_all

    settings = load_settings()
    if not os.environ.get("UVICORN_WS"):
        # Our protocol subclasses uvicorn's private one: fail now, loudly, on a version it was
        # not tested with, rather than drop frames in a meeting.
        check_compatible()
    app = create_app(settings)

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list | None = None) -> None:
            # Tell live clients we are going away (1001) before uvicorn's own shutdown, which
            # would send 1012 to every socket still open; they reconnect elsewhere and resume
            # with `since`. Sockets that took our close frame are not sent 1012 after it.
            await close_all(app.state.live_sockets)
            await super().shutdown(sockets)

    # A dead peer is noticed within ping interval + timeout: 30 s with the default 20 s.
    ping_timeout = min(settings.ws_ping_interval_s, 10.0)

    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws=os.environ.get("UVICORN_WS") or LiveWebSocketProtocol,
        # Compressed frames cannot be shared between connections; see docs/performance.md.
        ws_per_message_deflate=os.environ.get("WS_PER_MESSAGE_DEFLATE", "0") in ("1", "true"),
        ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=ping_timeout,
        # Clients send nothing on the live sockets: a larger message is closed with 1009
        # before it is buffered (uvicorn's default would take 16 MiB).
        ws_max_size=settings.ws_max_message_bytes,
        # X-Forwarded-For names the client only when it comes from a proxy we trust: from
        # anyone else it is a free choice of address, and would defeat per-address limits.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_level=os.environ.get("LOG_LEVEL", "info"),
        timeout_graceful_shutdown=10,
    )
    print(f"Peer Assist Live is running: open {settings.base_url}/ (Ctrl+C to stop)", flush=True)
    # Server.run (not asyncio.run) lets uvicorn set up its event loop: uvloop where installed.
    Server(config).run()


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "serve"
    if command == "migrate":
        migrate()
    elif command == "serve":
        serve()
    else:
        sys.exit("usage: python -m app.cli [migrate|serve]")


if __name__ == "__main__":
    main(sys.argv)
