"""`python -m app.cli migrate | serve | purge | subject-access --name NAME`.

`migrate` and `serve` are what `make run` and the Dockerfile call; `purge` and
`subject-access` are for the people who run the installation."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from datetime import UTC, datetime
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


def raise_open_files_limit() -> None:
    """Every live socket is an open file: take all the operating system allows (the soft
    limit is often 1,024; a worker is meant to hold about 20,000 sockets)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = 1_048_576 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def serve() -> None:
    import uvicorn

    from . import server_logs
    from .main import create_app
    from .realtime.uvicorn_ws import LiveWebSocketProtocol, check_compatible
    from .settings import load_settings
    from .web.live import close_all

    settings = load_settings()
    raise_open_files_limit()
    server_logs.lighten_records()
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
        log_config=server_logs.log_config(),
        timeout_graceful_shutdown=10,
        # A crowd reconnecting at once (a room's Wi-Fi coming back) should wait its turn in
        # the kernel's queue, not be reset when uvicorn's 2,048 fill up (bench scenario 4).
        # Linux caps it at net.core.somaxconn.
        backlog=int(os.environ.get("BACKLOG", "8192")),
    )
    print(f"Peer Assist Live is running: open {settings.base_url}/ (Ctrl+C to stop)", flush=True)
    setup = first_run_link(app.state.services)
    if setup:
        print(f"First run: create the admin account at {setup} (this link works once)", flush=True)
    # Full collections when sockets have closed, not each time a crowd's arrival grows the heap.
    app.state.collector.take_over()
    # Server.run (not asyncio.run) lets uvicorn set up its event loop: uvloop where installed.
    Server(config).run()


def purge() -> list[dict]:
    """Delete the peer assists past `RETENTION_DAYS`, as the server's daily sweep does."""
    from .settings import load_settings

    settings = load_settings()
    gone = asyncio.run(_purge(settings))
    if gone and settings.redis_url:
        asyncio.run(_tell_workers(settings.redis_url, [item["id"] for item in gone]))
    return gone


async def _purge(settings):  # type: ignore[no-untyped-def]
    from .actions.lifecycle import purge as purge_due
    from .actions.runner import standalone_writer

    async with standalone_writer(settings) as writer:
        return await purge_due(
            writer, now=datetime.now(UTC), retention_days=settings.retention_days
        )


async def _tell_workers(redis_url: str, workshop_ids: list[str]) -> None:
    """Running servers close the deleted workshops' connections and forget their tokens.
    (Without Redis there is one server, and it answers 404 for them anyway.)"""
    from .realtime.access import ACCESS_CHANNEL, withdrawal_message
    from .realtime.backends.redis import RedisBackend

    backend = RedisBackend(redis_url)
    await backend.connect()
    try:
        for workshop_id in workshop_ids:
            await backend.publish(ACCESS_CHANNEL, withdrawal_message(workshop_id, None))
    finally:
        await backend.disconnect()


def subject_access(name: str) -> dict:
    from .db.engine import Database
    from .exports.subject_access import subject_access as export
    from .settings import load_settings

    db = Database(load_settings().database)
    try:
        with db.reader() as session:
            return export(session, name=name)
    finally:
        db.dispose()


def first_run_link(services) -> str | None:  # type: ignore[no-untyped-def]
    """A one-time setup link while the installation has no account and no ADMIN_TOKEN."""
    from .actions import accounts

    if services.settings.admin_token:
        return None
    secret = accounts.write(
        services.db,
        lambda session: accounts.setup_link(
            session, now=services.clock(), secret_key=services.settings.secret_key
        ),
    )
    return f"{services.settings.base_url}/setup/{secret}" if secret else None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("migrate", help="bring the database to the newest schema")
    commands.add_parser("serve", help="serve the app (the default)")
    commands.add_parser("purge", help="delete peer assists closed over RETENTION_DAYS ago")
    access = commands.add_parser(
        "subject-access", help="print, as JSON, everything stored about one participant name"
    )
    access.add_argument("--name", required=True, help="the name as the person typed it")
    args = parser.parse_args(argv[1:])
    command = args.command or "serve"
    if command == "migrate":
        migrate()
    elif command == "serve":
        serve()
    elif command == "purge":
        gone = purge()
        print(json.dumps({"deleted": gone}, indent=2, ensure_ascii=False))
    elif command == "subject-access":
        print(json.dumps(subject_access(args.name), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
