"""The application factory: `create_app(settings)` wires the database, the hub and the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from .db import replay
from .db.engine import Database
from .mail import ReminderLoop
from .realtime.backends import backend_for
from .realtime.hub import Hub
from .settings import Settings, load_settings
from .web import (
    after_pages,
    api,
    errors,
    html_stream,
    lobby_pages,
    pages,
    record_pages,
    themes_api,
    themes_pages,
    ws,
)
from .web.deps import Services
from .web.headers import SecurityHeaders
from .web.limits import BodyLimit
from .web.live import close_all
from .web.openapi import describe_api
from .web.ratelimit import Limiter

STATIC = Path(__file__).parent / "static"


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    settings = settings or load_settings()
    db = Database(settings.database)

    async def fetch_events(workshop_id: str, after: int, until: int | None) -> list[dict]:
        def read() -> list[dict]:
            with db.reader() as session:
                # Gaps are filled from the record: shown as things are now, as replays are.
                return replay.replay_events(
                    session,
                    workshop_id=workshop_id,
                    after=after,
                    until=until,
                    limit=settings.event_history,
                )

        return await run_in_threadpool(read)

    backend, presence = backend_for(settings.redis_url, presence_ttl_s=settings.presence_ttl_s)
    hub = Hub(backend, presence, fetch_events, presence_ttl_s=settings.presence_ttl_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        if reminder_loop is not None:
            reminder_loop.start()
        try:
            yield
        finally:
            if reminder_loop is not None:
                await reminder_loop.stop()
            await close_all(app.state.live_sockets)
            await hub.stop()
            db.dispose()

    app = FastAPI(
        title="Peer Assist Live",
        version="1.0.0",
        summary="Run a peer assist from the room: phases, timers, mute, insights, actions.",
        lifespan=lifespan,
        # FastAPI's viewers load scripts from a CDN and run inline ones, which our CSP forbids;
        # /openapi.json opens in any OpenAPI viewer instead.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = Services(
        settings=settings, db=db, hub=hub, clock=clock, limiter=Limiter.from_settings(settings)
    )
    # Reminders to report back run only where there is a mail server to send them.
    reminder_loop = (
        ReminderLoop(settings, db, app.state.services.writer) if settings.smtp_url else None
    )
    app.state.live_sockets = set()
    app.state.reminders = reminder_loop
    errors.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    app.include_router(api.router)
    app.include_router(themes_api.router)
    app.include_router(themes_pages.router)
    app.include_router(ws.router)
    app.include_router(pages.router)
    app.include_router(html_stream.router)
    app.include_router(lobby_pages.router)
    app.include_router(record_pages.router)
    app.include_router(after_pages.router)
    app.state.html_renderers = html_stream.HtmlRenderers()
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s
    )
    # Outermost, so that every answer has them, the 413s of BodyLimit included.
    app.add_middleware(SecurityHeaders)
    app.openapi = lambda: describe_api(app)  # type: ignore[method-assign]
    return app
