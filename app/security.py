"""Tokens, invite codes, signed session cookies and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_secret() -> str:
    """A bearer token or invite code: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def new_workshop_id() -> str:
    return secrets.token_urlsafe(12)


def invite_code(key: str, nonce: str) -> str:
    """An invite code: 192 bits derived from a stored nonce and the secret key."""
    digest = hmac.new(key.encode(), f"invite:{nonce}".encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode()


ROOM_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # nothing to misread on a screen


def new_room_code() -> str:
    return "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(6))


def normalise_room_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def hash_secret(secret: str) -> str:
    """What the database keeps of a token or code: never the thing itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _mac(key: str, purpose: str, value: str) -> str:
    digest = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_session(key: str, token: str) -> str:
    """Cookie value: the participant's token and its MAC."""
    return f"{token}.{_mac(key, 'session', token)}"


def unsign_session(key: str, value: str) -> str | None:
    token, _, mac = value.rpartition(".")
    if not token or not hmac.compare_digest(mac, _mac(key, "session", token)):
        return None
    return token


def csrf_token(key: str, token: str) -> str:
    """Bound to the session, so a page from another site cannot know it."""
    return _mac(key, "csrf", token)


def check_csrf(key: str, token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(presented, csrf_token(key, token))


def session_cookie_name(workshop_id: str) -> str:
    # One cookie per workshop, so one browser can be a visitor here and a host there.
    return f"pa_{workshop_id}"
