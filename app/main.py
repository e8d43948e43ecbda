"""The application factory: `create_app(settings)` wires the database, the hub and the routes."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from .actions import accounts
from .collector import Collector
from .db import lifecycle as lifecycle_db
from .db import replay
from .db.engine import Database
from .invitation_mail import InvitationSender
from .mail import ReminderLoop
from .realtime.backends import backend_for
from .realtime.hub import Hub
from .settings import Settings, load_settings
from .web import (
    account_pages,
    accounts_api,
    admin_pages,
    after_pages,
    api,
    before_pages,
    board_api,
    dashboard_pages,
    errors,
    html_stream,
    join_pages,
    library_pages,
    lifecycle_api,
    lobby_pages,
    oidc,
    pages,
    record_pages,
    themes_api,
    themes_pages,
    ws,
)
from .web.account_deps import library_visibility
from .web.deps import Services
from .web.head import HeadAsGet
from .web.headers import SecurityHeaders
from .web.housekeeping import RetentionSweep
from .web.json_response import JSONResponse
from .web.limits import BodyLimit
from .web.live import close_all
from .web.openapi import describe_api
from .web.ratelimit import Limiter
from .web.sockets import LiveSockets

STATIC = Path(__file__).parent / "static"


def utc_now() -> datetime:
    return datetime.now(UTC)


# Every router in API.md's order, the order the OpenAPI document lists them in.
ROUTERS: tuple[tuple[str, APIRouter], ...] = (
    *(("/api/v1", router) for router in (*api.ROUTERS, lifecycle_api.router)),
    *(
        ("", router)
        for router in (
            accounts_api.router,
            account_pages.router,
            library_pages.router,
            admin_pages.router,
            oidc.router,
            themes_api.router,
            themes_pages.router,
            ws.router,
            pages.router,
            join_pages.router,
            lobby_pages.router,
            record_pages.router,
            after_pages.router,
            dashboard_pages.router,
            before_pages.router,
        )
    ),
)


def telemetry(environ: Mapping[str, str]) -> dict | None:
    """FastAPI's own OpenTelemetry where the environment sets OpenTelemetry up (any OTEL_
    variable, which `opentelemetry-instrument` sets too), else off. On, it asks on every
    request whether a tracer, meter or log provider has been set up since: three lookups in
    the environment, about a twentieth of a `GET /healthz` (bench/README.md)."""
    wanted = environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true" or any(
        name.startswith("OTEL_") for name in environ
    )
    if environ.get("OTEL_SDK_DISABLED", "").lower() == "true":  # OpenTelemetry's own "off"
        wanted = False
    return None if wanted else {"tracing": False, "metrics": False, "logs": False}


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    settings = settings or load_settings()
    db = Database(settings.database)
    accounts.set_hash_cost(settings.password_hash_memory_kib)

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

    async def fetch_members(workshop_id: str) -> set[int] | None:
        def read() -> set[int] | None:
            with db.reader() as session:
                return lifecycle_db.present_ids(session, workshop_id=workshop_id)

        return await run_in_threadpool(read)

    backend, presence = backend_for(settings.redis_url, presence_ttl_s=settings.presence_ttl_s)
    hub = Hub(
        backend,
        presence,
        fetch_events,
        presence_ttl_s=settings.presence_ttl_s,
        fetch_members=fetch_members,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        app.state.retention.start()
        if reminder_loop is not None:
            reminder_loop.start()
        if invitation_sender is not None:
            await invitation_sender.resume()
        try:
            yield
        finally:
            if reminder_loop is not None:
                await reminder_loop.stop()
            if invitation_sender is not None:
                await invitation_sender.stop()
            await app.state.retention.stop()
            await close_all(app.state.live_sockets)
            await hub.stop()
            await app.state.services.limiter.close()
            await run_in_threadpool(app.state.services.writer.close)
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
        # Routes that return data are answered as the others are (web/json_response.py).
        default_response_class=JSONResponse,
        telemetry=telemetry(os.environ),
    )
    app.state.services = Services(
        settings=settings, db=db, hub=hub, clock=clock, limiter=Limiter.from_settings(settings)
    )
    services = app.state.services
    hub.access.on_withdraw(services.known_tokens.forget)
    hub.access.on_withdraw(services.boards.forget)
    app.state.retention = RetentionSweep(services)
    # Reminders to report back run only where there is a mail server to send them.
    reminder_loop = ReminderLoop(settings, db, services.writer) if settings.smtp_url else None
    invitation_sender = (
        InvitationSender(settings, db, services.writer) if settings.smtp_url else None
    )
    app.state.live_sockets = set()
    # Full collections when sockets have closed; `serve` hands them over (collector.py).
    app.state.collector = Collector(lambda: len(app.state.live_sockets))
    app.state.reminders = reminder_loop
    app.state.invitations = invitation_sender
    # Which past peer assists a request may find (a SQL condition on `workshop`): the
    # signed-in account's, as `may_see` decides; nobody signed in is asked to sign in.
    app.state.library_visibility = library_visibility
    errors.install(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    # FastAPI tries routes in turn, each at a cost (bench/README.md): the board's (a card, a
    # vote) are matched first, as most requests are theirs. No path of theirs is also a path
    # of a route before them in API.md (tests/api/test_openapi.py), so the order changes only
    # the cost. The OpenAPI document keeps API.md's order, from a router of its own.
    documented = APIRouter()
    for prefix, router in ROUTERS:
        documented.include_router(router, prefix=prefix)
    for prefix, router in sorted(ROUTERS, key=lambda pair: pair[1] is not board_api.router):
        app.include_router(router, prefix=prefix)
    app.state.html_renderers = html_stream.HtmlRenderers()
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, timeout_s=settings.body_timeout_s
    )
    if settings.oidc_enabled:
        from starlette.middleware.sessions import SessionMiddleware

        app.state.oauth = oidc.make_oauth(settings)
        # Holds only the sign-on flow's state, nonce and PKCE verifier, for ten minutes.
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=oidc.FLOW_COOKIE,
            max_age=600,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    app.add_middleware(HeadAsGet)
    # Outermost, so that every answer has them, the 413s of BodyLimit included.
    app.add_middleware(SecurityHeaders)
    # Outside everything: live sockets skip the HTTP stack for their hours-long life.
    app.add_middleware(LiveSockets)
    app.openapi = lambda: describe_api(app, documented.routes)  # type: ignore[method-assign]
    return app
