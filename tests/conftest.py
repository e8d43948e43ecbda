"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable or under CI), the app
through httpx, and real uvicorn servers on free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Every test app and server accepts this as the first admin's bearer token (ADMIN_TOKEN), so
# helpers can create workshops through an account; tests/factories.py sends it.
ADMIN_TOKEN = "test-admin-token-that-is-long-enough-0123456789"
SECRET_KEY = "test-secret-key"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The 1,000 resume schedules first, then the files with slow tests: split over two
    processes (`make test`, which keeps this order), the suite's longest tests started last
    would run alone at the end while the other process waits."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("scale") is None,
            item.get_closest_marker("slow") is None,
        )
    )


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip outside CI when a service is missing; under CI=true a missing service fails."""
    if reachable(host, port):
        return
    if IN_CI:
        pytest.fail(f"{name} at {host}:{port} is required under CI=true but is not reachable")
    pytest.skip(f"{name} at {host}:{port} is not reachable (it must be under CI=true)")


class Clock:
    """A clock the tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_template_sqlite: Path | None = None


def migrate(url: str) -> None:
    from alembic import command

    from app.cli import alembic_config

    command.upgrade(alembic_config(url), "head")


def sqlite_database(directory: Path) -> str:
    """A migrated SQLite file; migrations run once per session and the file is copied."""
    global _template_sqlite
    if _template_sqlite is None:
        template_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"pal-template-{uuid.uuid4().hex}"
        template_dir.mkdir(parents=True)
        _template_sqlite = template_dir / "template.db"
        migrate(f"sqlite:///{_template_sqlite}")
    target = directory / "peer-assist.db"
    shutil.copy(_template_sqlite, target)
    return f"sqlite:///{target}"


@dataclass
class PostgresSchema:
    url: str
    schema: str


# The statements `alembic upgrade head` sent to the first fresh schema of this session.
_migration_sql: list[tuple[str, object]] | None = None


def postgres_database() -> PostgresSchema:
    """A fresh schema in the `test` database, migrated; nothing leaks between tests.

    The first schema of a session is migrated by Alembic, with every statement it sends
    recorded; later ones get the same statements replayed in one transaction. Alembic spends
    about two seconds a schema importing and reflecting, which over the PostgreSQL half of the
    suite was ten minutes; the schema it leaves is the same either way (test_migrations still
    runs Alembic itself)."""
    global _migration_sql
    import sqlalchemy as sa

    need_service("PostgreSQL", "127.0.0.1", 5432)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    if _migration_sql is None:
        _migration_sql = recorded_migration(url, schema)
    else:
        replay_migration(url, _migration_sql)
    return PostgresSchema(url, schema)


def recorded_migration(url: str, schema: str) -> list[tuple[str, object]]:
    """Migrate with Alembic and return the statements that changed the schema, in order."""
    import sqlalchemy as sa

    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # Only this schema's connections; reads (reflection, version checks) change nothing.
        if schema in str(conn.engine.url) and not statement.lstrip().upper().startswith(
            ("SELECT", "SHOW")
        ):
            sent.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        migrate(url)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    return sent


def replay_migration(url: str, statements: list[tuple[str, object]]) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement, parameters in statements:
            conn.exec_driver_sql(statement, parameters or None)  # type: ignore[arg-type]
    engine.dispose()


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_database(tmp_path)
        return
    pg = postgres_database()
    try:
        yield pg.url
    finally:
        drop_schema(pg.schema)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return sqlite_database(tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_settings(tmp_path: Path, database_url: str, **overrides: object):  # type: ignore[no-untyped-def]
    from app.settings import load_settings

    # Most tests try every rule with many writes from one person; the write limit has tests of
    # its own that set it.
    overrides.setdefault("write_rate_limit", "")
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=SECRET_KEY,
        public_url="http://testserver",
        **({"admin_token": ADMIN_TOKEN, "password_hash_memory_kib": 1024} | overrides),
    )


@pytest.fixture
async def app(tmp_path: Path, database_url: str, clock: Clock) -> AsyncIterator[object]:
    from app.main import create_app

    application = create_app(make_settings(tmp_path, database_url), clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def phone(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same app, with cookies of its own (someone joining)."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@dataclass
class Server:
    """A real uvicorn process serving the app."""

    process: subprocess.Popen
    port: int
    log: Path
    log_handle: object = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self, sig: int | None = None) -> None:
        if self.process.poll() is None:
            if sig is None:
                self.process.terminate()
            else:
                self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log_handle is not None:
            self.log_handle.close()  # type: ignore[attr-defined]
            self.log_handle = None


def start_server(
    tmp_path: Path,
    database_url: str,
    *,
    redis_url: str = "",
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
) -> Server:
    # A fixed port lets a test restart a server where its browsers expect it.
    port = port or free_port()
    log = tmp_path / f"server-{port}.log"
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": SECRET_KEY,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        # Real Argon2, at a memory cost that keeps hundreds of test accounts quick.
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "LOG_LEVEL": "warning",
        # The live-path tests flood a meeting from one person on purpose; tests of the write
        # limit set their own.
        "WRITE_RATE_LIMIT": "",
        **(extra_env or {}),
    }
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    # Generous: on a busy 2-core machine several workers starting at once take 20-40 s each.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            handle.close()
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                return Server(process, port, log, handle)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    process.wait()
    handle.close()
    raise RuntimeError(f"server did not start:\n{log.read_text()}")


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[object]:
    started: list[Server] = []

    def factory(database_url: str, **kwargs: object) -> Server:
        server = start_server(tmp_path, database_url, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def live_server(server_factory: object, database_url: str) -> Server:
    return server_factory(database_url)  # type: ignore[operator]


OIDC_CLIENT_ID = "peer-assist-tests"
OIDC_CLIENT_SECRET = "peer-assist-tests-secret"


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """A real OpenID Connect provider on loopback (oidc-provider-mock), for the whole session.

    Its users are set with `set_oidc_user`; it asks for the subject on its authorize page.
    """
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


def set_oidc_user(issuer: str, sub: str, **claims: object) -> None:
    response = httpx.put(f"{issuer}/users/{sub}", json=claims)
    assert response.status_code == 204, response.text


def oidc_settings(issuer: str, **overrides: str) -> dict[str, str]:
    """The settings that turn single sign-on on, as keyword arguments for make_settings."""
    return {
        "oidc_issuer": issuer,
        "oidc_client_id": OIDC_CLIENT_ID,
        "oidc_client_secret": OIDC_CLIENT_SECRET,
        **overrides,
    }


# A real SMTP server (aiosmtpd) for the tests that mail: what it was sent, or a refusal.
class Inbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _: Any):  # type: ignore[no-untyped-def]
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
