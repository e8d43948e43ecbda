"""Every write about accounts: links, passwords, sessions and personal tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple, TypeVar

from sqlmodel import Session

from ..db import account_queries as aq
from ..db import queries
from ..db.account_models import Account, AccountSession, ApiToken, OneTimeLink
from ..db.engine import Database
from ..domain.accounts import (
    LINK_DAYS,
    MAX_TOKENS_PER_ACCOUNT,
    SESSION_DAYS,
    AccountRole,
    Viewer,
    check_admin,
    check_passwords_used,
    normalise_email,
)
from ..domain.errors import Forbidden, Invalid, NotFound, RuleError, refuse_nul
from ..domain.rules import Role
from ..security import Sealed, hash_secret
from .workshops import renew_invite

FACILITATOR = Role.facilitator.value

T = TypeVar("T")
TOKEN_PREFIX = "pat_"
MIN_PASSWORD = 10


class LinkGone(RuleError):
    status, code = 410, "link_used"


# Argon2's memory cost in KiB: pwdlib's recommended 64 MiB unless PASSWORD_HASH_MEMORY_KIB
# says otherwise (the tests use less, so hundreds of accounts do not take minutes).
_memory_kib = 65536


def set_hash_cost(memory_kib: int) -> None:
    global _memory_kib
    if memory_kib != _memory_kib:
        _memory_kib = memory_kib
        hasher.cache_clear()
        _dummy_hash.cache_clear()


@cache
def hasher():  # type: ignore[no-untyped-def]
    """Argon2 (argon2id) through pwdlib; built once per cost."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    if _memory_kib == 65536:
        return PasswordHash.recommended()
    return PasswordHash((Argon2Hasher(memory_cost=_memory_kib, time_cost=2, parallelism=1),))


def write(db: Database, change: Callable[[Session], T]) -> T:
    """Run one change to the account tables in one transaction."""
    with db.transaction() as session:
        return change(session)


def new_account_token(secret_key: str) -> Sealed:
    """A personal API token: 256 random bits, marked so it is recognised in logs and routes.
    Sealed, so an answer that shows it can be kept for an Idempotency-Key repeat."""
    return Sealed(secret_key, template=TOKEN_PREFIX + "{}", size=32)


def viewer_of(account: Account) -> Viewer:
    assert account.id is not None
    return Viewer(account.id, AccountRole(account.role))


def ensure_first_admin(session: Session, *, now: datetime) -> Account:
    """The first admin, whose bearer token ADMIN_TOKEN is; made on first use."""
    found = aq.first_admin(session)
    if found is not None:
        return found
    # Set up through the setup link before ADMIN_TOKEN was given: that admin is the first.
    earliest = aq.earliest_admin(session)
    if earliest is not None:
        earliest.first_admin = True
        session.add(earliest)
        return earliest
    account = Account(
        email="admin@localhost",
        name="Admin",
        role=AccountRole.admin.value,
        first_admin=True,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def _link(
    session: Session, *, purpose: str, account_id: int | None, now: datetime, secret_key: str
) -> Sealed:
    # Sealed, as every secret an answer shows: the API's answer may be kept for a repeat.
    secret = Sealed(secret_key, size=32)
    session.add(
        OneTimeLink(
            purpose=purpose,
            account_id=account_id,
            secret_hash=hash_secret(secret),
            created_at=now,
            expires_at=now + timedelta(days=LINK_DAYS[purpose]),
        )
    )
    session.flush()
    return secret


def setup_link(session: Session, *, now: datetime, secret_key: str) -> str | None:
    """A link that creates the first admin, while the installation has no account at all."""
    if aq.account_count(session):
        return None
    return _link(session, purpose="setup", account_id=None, now=now, secret_key=secret_key)


def peek_link(session: Session, *, secret: str, now: datetime) -> OneTimeLink:
    """The link behind a secret, if it can still be used (not changed)."""
    link = aq.link_by_secret(session, secret_hash=hash_secret(secret))
    if link is None:
        raise NotFound("That link is not known. Ask an admin for a new one.", code="link_unknown")
    if link.used_at is not None:
        raise LinkGone("That link has been used already. Ask an admin for a new one.")
    if link.expires_at <= now:
        raise LinkGone("That link has expired. Ask an admin for a new one.", code="link_expired")
    return link


def _use_link(session: Session, *, secret: str, now: datetime, purposes: set[str]) -> OneTimeLink:
    link = peek_link(session, secret=secret, now=now)
    if link.purpose not in purposes:
        raise NotFound("That link is not known. Ask an admin for a new one.", code="link_unknown")
    link.used_at = now
    session.add(link)
    return link


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(
            f"Choose a password of at least {MIN_PASSWORD} characters.", code="password_too_short"
        )
    if len(password) > 200:
        raise Invalid("A password can be at most 200 characters.", code="password_too_long")


def _check_identity(email: str, name: str) -> tuple[str, str]:
    email, name = normalise_email(email), " ".join(name.split())
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        raise Invalid("Give an email address like ada@example.org.", code="invalid_email")
    if not name or len(name) > 80:
        raise Invalid("Give a name of 1 to 80 characters.", code="invalid_name")
    if "\x00" in email:
        raise Invalid("Give an email address like ada@example.org.", code="invalid_email")
    refuse_nul(name, "The name", code="invalid_name")
    return email, name


def complete_setup(
    session: Session, *, secret: str, email: str, name: str, password: str, now: datetime
) -> Account:
    """The setup link makes the first admin, once."""
    check_password_rules(password)
    email, name = _check_identity(email, name)
    _use_link(session, secret=secret, now=now, purposes={"setup"})
    if aq.account_count(session):
        raise LinkGone("This installation has been set up already; sign in instead.")
    account = Account(
        email=email,
        name=name,
        role=AccountRole.admin.value,
        password_hash=hasher().hash(password),
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account


def invite(
    session: Session,
    *,
    by: Viewer,
    email: str,
    name: str,
    role: str,
    now: datetime,
    secret_key: str,
) -> tuple[Account, Sealed]:
    """An admin adds an account; the answer carries the one-time link that sets its password."""
    check_admin(by, "invite people")
    email, name = _check_identity(email, name)
    if role not in {r.value for r in AccountRole}:
        raise Invalid("The role is 'facilitator' or 'admin'.", code="invalid_role")
    if aq.account_by_email(session, email=email) is not None:
        raise RuleError("There is an account with that email already.", code="account_exists")
    account = Account(email=email, name=name, role=role, created_at=now)
    session.add(account)
    session.flush()
    assert account.id is not None
    link = _link(session, purpose="invite", account_id=account.id, now=now, secret_key=secret_key)
    return account, link


def issue_reset(
    session: Session,
    *,
    by: Viewer,
    account_id: int,
    now: datetime,
    secret_key: str,
    single_sign_on: bool,
) -> Sealed:
    """A one-time link that sets a new password; shown to the admin to pass on."""
    check_admin(by, "reset passwords")
    check_passwords_used(single_sign_on)
    account = _account(session, account_id)
    assert account.id is not None
    return _link(session, purpose="reset", account_id=account.id, now=now, secret_key=secret_key)


def set_password(
    session: Session, *, secret: str, password: str, now: datetime, single_sign_on: bool
) -> Account:
    """An invite or reset link sets the account's password, and is then spent."""
    # The link first: one that is unknown or spent says so whatever the sign-in; a good one
    # under single sign-on is refused, and the refusal rolls back its spending.
    link = _use_link(session, secret=secret, now=now, purposes={"invite", "reset"})
    check_passwords_used(single_sign_on)
    check_password_rules(password)
    account = _account(session, link.account_id or 0)
    if not account.active:
        raise Forbidden("This account has been deactivated.", code="account_inactive")
    account.password_hash = hasher().hash(password)
    session.add(account)
    # A new password ends every session opened with the old one.
    for row in aq.sessions_of(session, account_id=account.id or 0):
        row.ended_at = now
        session.add(row)
    return account


def check_password(session: Session, *, email: str, password: str) -> Account | None:
    """The active account with this email and password, or None."""
    account = aq.account_by_email(session, email=normalise_email(email))
    if account is None or account.password_hash is None or not account.active:
        # Hash anyway, so the answer takes as long whether or not the account exists.
        hasher().verify(password, _dummy_hash())
        return None
    return account if hasher().verify(password, account.password_hash) else None


@cache
def _dummy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def start_session(session: Session, *, account_id: int, now: datetime) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(
        AccountSession(
            account_id=account_id,
            secret_hash=hash_secret(secret),
            created_at=now,
            expires_at=now + timedelta(days=SESSION_DAYS),
        )
    )
    return secret


def end_session(session: Session, *, secret: str, now: datetime) -> None:
    row = aq.session_by_secret(session, secret_hash=hash_secret(secret))
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.add(row)


def create_token(
    session: Session, *, account_id: int, name: str, now: datetime, secret_key: str
) -> tuple[ApiToken, Sealed]:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise Invalid("Name the token in 1 to 80 characters.", code="invalid_name")
    refuse_nul(name, "The name", code="invalid_name")
    if len(aq.tokens(session, account_id=account_id)) >= MAX_TOKENS_PER_ACCOUNT:
        raise RuleError(
            f"An account can hold {MAX_TOKENS_PER_ACCOUNT} tokens; revoke one first.",
            code="too_many_tokens",
        )
    secret = new_account_token(secret_key)
    row = ApiToken(
        account_id=account_id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:10],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, secret


def revoke_token(session: Session, *, by: Viewer, token_id: int, now: datetime) -> None:
    """Its owner or an admin revokes a token; it stops working at once."""
    row = aq.get_token(session, token_id=token_id)
    if row is None or row.revoked_at is not None or (row.account_id != by.id and not by.is_admin):
        raise NotFound("There is no such token.", code="token_not_found")
    row.revoked_at = now
    session.add(row)


def _account(session: Session, account_id: int) -> Account:
    account = aq.get_account(session, account_id=account_id)
    if account is None:
        raise NotFound("There is no such account.", code="account_not_found")
    return account


class AccountChanged(NamedTuple):
    account: Account
    # Peer assists whose co-facilitator link was replaced, because the account was deactivated.
    links_replaced: int


def change_account(
    session: Session,
    *,
    by: Viewer,
    account_id: int,
    role: str | None,
    active: bool | None,
    now: datetime,
    invites: tuple[str, str],
) -> AccountChanged:
    """An admin makes an account admin (or not), or deactivates it; never the last admin.

    Deactivated, its sessions end, and each peer assist not yet closed that it owns or sits in
    gets a new facilitator link (`invites`: the secret key and base URL links are made with):
    the old one, which its console showed, would seat the person again without the account.
    Its seats stop working at once (web/deps.py)."""
    check_admin(by, "change accounts")
    admins = aq.active_admins(session, lock=True)  # before reading the account: it may be one
    account = _account(session, account_id)
    if role is not None and role not in {r.value for r in AccountRole}:
        raise Invalid("The role is 'facilitator' or 'admin'.", code="invalid_role")
    loses_admin = account.role == "admin" and (role == "facilitator" or active is False)
    if loses_admin and account.active and len(admins) <= 1:
        raise RuleError("Keep at least one active admin.", code="last_admin")
    if role is not None:
        account.role = role
    links_replaced = 0
    if active is not None:
        was_active, account.active = account.active, active
        if not active:
            for row in aq.sessions_of(session, account_id=account_id):
                row.ended_at = now
                session.add(row)
        if was_active and not active:
            secret_key, base_url = invites
            for workshop_id in aq.run_by(session, account_id=account_id):
                # Under the workshop's lock, as a facilitator's own "new link" is taken: the
                # two never both replace the same link. A link withdrawn with none in its
                # place stays withdrawn.
                queries.lock_workshop(session, workshop_id=workshop_id)
                live = queries.invites(session, workshop_id=workshop_id, role=FACILITATOR)
                if any(invite.revoked_at is None for invite in live):
                    links_replaced += 1
                    renew_invite(
                        session,
                        workshop_id=workshop_id,
                        role=FACILITATOR,
                        now=now,
                        secret_key=secret_key,
                        base_url=base_url,
                    )
    session.add(account)
    return AccountChanged(account, links_replaced)


def account_from_sign_on(
    session: Session, *, email: str, name: str, admin: bool, now: datetime
) -> Account:
    """The account for someone the identity provider vouched for, made on first sign-in."""
    email, name = _check_identity(email, name or email.partition("@")[0])
    account = aq.account_by_email(session, email=email)
    if account is None:
        account = Account(email=email, name=name, created_at=now)
    elif not account.active:
        raise Forbidden("This account has been deactivated.", code="account_inactive")
    if admin:
        account.role = AccountRole.admin.value
    session.add(account)
    session.flush()
    return account


def account_record(account: Account) -> dict:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "role": account.role,
        "active": account.active,
        "created_at": account.created_at.isoformat(),
    }


def token_record(row: ApiToken, account: Account | None = None) -> dict:
    record = {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
    }
    if account is not None:
        record["account"] = {"id": account.id, "name": account.name, "email": account.email}
    return record
