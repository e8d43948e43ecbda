"""Tables for the people who run peer assists: accounts, their sessions, tokens and links."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .models import _dt


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=320)
    name: str = Field(max_length=80)
    role: str = Field(default="facilitator", max_length=20)
    active: bool = True
    # Argon2 through pwdlib; None for accounts that sign in through OpenID Connect only.
    password_hash: str | None = Field(default=None, max_length=200)
    # The first admin, whose bearer token may be ADMIN_TOKEN.
    first_admin: bool = False
    created_at: datetime = _dt()


class AccountSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds the secret; signing out ends the row here."""

    __tablename__ = "account_session"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    secret_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _dt()
    expires_at: datetime = _dt()
    ended_at: datetime | None = _dt(default=None, nullable=True)


class ApiToken(SQLModel, table=True):
    """A personal token for scripts; only its hash is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    # The first characters, so a person can tell their tokens apart in a list.
    prefix: str = Field(max_length=16)
    created_at: datetime = _dt()
    last_used_at: datetime | None = _dt(default=None, nullable=True)
    revoked_at: datetime | None = _dt(default=None, nullable=True)


class OneTimeLink(SQLModel, table=True):
    """A setup, invite or password-reset link: stored as a hash, used once, then dead."""

    __tablename__ = "one_time_link"

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=20)
    # None for the setup link, which creates the first admin.
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    secret_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _dt()
    expires_at: datetime = _dt()
    used_at: datetime | None = _dt(default=None, nullable=True)


class WorkshopOwner(SQLModel, table=True):
    """Who a peer assist belongs to: its owner and the co-owners they added."""

    __tablename__ = "workshop_owners"

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True, max_length=32)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)
    # 'owner' for the one who created it (or was assigned it), 'co_owner' for the others.
    kind: str = Field(default="owner", max_length=10)
    added_at: datetime = _dt()
