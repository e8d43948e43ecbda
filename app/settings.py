"""Settings from the environment. Nothing is read at import time: call `load_settings()`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    public_url: str = ""
    allowed_origins: str = ""
    # Keep at least this many events per workshop for replay; older ones may be pruned.
    event_history: int = Field(default=10_000, ge=100)
    # Frames queued for one websocket before it counts as stuck and is closed.
    ws_send_queue: int = Field(default=1024, ge=8)
    ws_ping_interval_s: float = 20.0
    presence_ttl_s: float = 30.0
    max_body_bytes: int = 64 * 1024
    # A client that declares a body must send all of it within this many seconds (408 else).
    body_timeout_s: float = Field(default=30.0, gt=0)
    # The largest websocket message a client may send; the live sockets expect none at all.
    ws_max_message_bytes: int = Field(default=4096, ge=125)
    cookie_secure: bool = False
    # Argon2's memory cost for password hashes; lower only where hashing time matters (tests).
    password_hash_memory_kib: int = Field(default=65536, ge=1024)
    # Scripts' and CI's bearer token for the first admin account (created on first use).
    admin_token: str = ""
    # Single sign-on: all three set turns it on, and passwords off.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # A value of the ID token's `groups` (or `roles`) claim that makes the account an admin.
    oidc_admin_group: str = ""
    # Comma-separated email domains allowed to sign in through OIDC; empty: any.
    oidc_allowed_domains: str = ""
    # Rate limits (see app/web/ratelimit.py): "<count>/<period>", empty for no limit.
    room_code_rate_limit: str = "10/10minutes"
    write_rate_limit: str = "60/10seconds"
    # Peers whose X-Forwarded-For / X-Forwarded-Proto uvicorn believes (uvicorn's own setting).
    forwarded_allow_ips: str = "127.0.0.1,::1"
    sign_in_rate_limit_per_address: str = "30/minute"
    sign_in_rate_limit_per_account: str = "5/minute"
    # Where dates and times are shown, unless a workshop says otherwise (an IANA zone name).
    time_zone: str = "Europe/London"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"TIME_ZONE {value!r} is not a time zone name like Europe/London")
        return value

    # Reminders to report back: off unless an SMTP server is named
    # (smtp://[user:password@]host[:port], or smtps:// for TLS from the start).
    smtp_url: str = ""
    smtp_from: str = "Peer Assist Live <peer-assist@localhost>"
    # How many days before the report-back date the first reminder goes.
    reminder_days_before: int = Field(default=7, ge=0, le=365)
    # How often the reminder loop looks for reminders that are due.
    reminder_every_s: float = Field(default=300.0, gt=0)
    # Days a peer assist is kept after it closes; then the daily sweep deletes it. 0: for ever.
    retention_days: int = Field(default=365, ge=0)

    # Fewer days than this between the peer assist and the decision it informs draws a warning.
    days_to_act: int = Field(default=14, ge=0, le=365)
    # "Often invited": on this many peer assists' invitation lists within this many days.
    often_invited_times: int = Field(default=3, ge=1)
    often_invited_days: int = Field(default=90, ge=1)

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("ADMIN_TOKEN must be at least 32 characters")
        return value

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    @property
    def allowed_domains(self) -> frozenset[str]:
        return frozenset(
            d.strip().lower().lstrip("@") for d in self.oidc_allowed_domains.split(",") if d.strip()
        )

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure or self.base_url.startswith("https://")

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'peer-assist.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def origins(self) -> frozenset[str]:
        """Origins allowed to open the websocket: the listed ones plus where the app is served."""
        listed = {o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()}
        served = {_origin(self.base_url), f"http://{self.host}:{self.port}"}
        if self.host in ("127.0.0.1", "0.0.0.0", "localhost"):
            served |= {f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"}
        return frozenset(listed | served)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def load_settings(**overrides: object) -> Settings:
    """Read the environment; generate and keep a secret key in the data folder if none is set."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if not settings.secret_key:
        settings.secret_key = _persistent_secret(settings.data_dir)
    return settings


def _persistent_secret(data_dir: Path) -> str:
    # Reusing the key across restarts keeps everyone's session cookies valid.
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    tmp = data_dir / f".secret_key.{secrets.token_hex(8)}"
    tmp.write_text(key)
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)  # atomic and refuses to overwrite: two workers agree on one key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
