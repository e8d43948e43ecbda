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


# A derived secret's size: 192 bits, and up to all 256 of the digest.
SECRET_BYTES = 24


def invite_code(key: str, nonce: str, size: int = SECRET_BYTES) -> str:
    """A secret of `size` bytes (192 bits unless asked) derived from a nonce and the secret
    key (invite codes, tokens), URL-safe and unpadded."""
    digest = hmac.new(key.encode(), f"invite:{nonce}".encode(), hashlib.sha256).digest()[:size]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Sealed(str):
    """A secret in a response body that must never be stored as itself.

    It is derived from a random nonce and the secret key, so a stored response (for an
    Idempotency-Key replay) keeps only the nonce and derives the secret again when replayed.
    """

    nonce: str
    template: str
    size: int

    def __new__(
        cls, key: str, nonce: str | None = None, template: str = "{}", size: int = SECRET_BYTES
    ) -> Sealed:
        # As many random bits in the nonce as the secret shows (and never fewer than 128).
        nonce = nonce or secrets.token_hex(max(16, size))
        obj = super().__new__(cls, template.format(invite_code(key, nonce, size)))
        obj.nonce, obj.template, obj.size = nonce, template, size
        return obj

    def link(self, key: str, base_url: str, path: str) -> Sealed:
        """The address that opens this secret (an invite, a share link, a welcome link),
        sealed from the same nonce, so a kept answer derives both again."""
        return Sealed(key, self.nonce, url_template(base_url, path), self.size)


def seal(value: object) -> object:
    """A copy of a response body with every Sealed secret replaced by its nonce."""
    if isinstance(value, Sealed):
        sealed = {"$sealed": value.nonce, "template": value.template}
        return sealed if value.size == SECRET_BYTES else {**sealed, "size": value.size}
    if isinstance(value, dict):
        return {k: seal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [seal(v) for v in value]
    return value


def unseal(value: object, key: str) -> object:
    if isinstance(value, dict):
        if "$sealed" in value:
            return Sealed(key, value["$sealed"], value["template"], value.get("size", SECRET_BYTES))
        return {k: unseal(v, key) for k, v in value.items()}
    if isinstance(value, list):
        return [unseal(v, key) for v in value]
    return value


def url_template(base_url: str, path: str) -> str:
    """A format string for a link ending in a secret: '{}' marks where the secret goes."""
    return base_url.replace("{", "{{").replace("}", "}}") + path + "{}"


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


def sign(key: str, purpose: str, value: str) -> str:
    """`value`, a dot and its MAC for `purpose`: a cookie value only our key can make."""
    return f"{value}.{_mac(key, purpose, value)}"


def unsign(key: str, purpose: str, signed: str) -> str | None:
    """The value `sign` was given, or None when the MAC does not match."""
    value, _, mac = signed.rpartition(".")
    if not value or not hmac.compare_digest(mac, _mac(key, purpose, value)):
        return None
    return value


def sign_session(key: str, token: str) -> str:
    """Cookie value: the participant's token and its MAC."""
    return sign(key, "session", token)


def unsign_session(key: str, value: str) -> str | None:
    return unsign(key, "session", value)


def csrf_token(key: str, token: str) -> str:
    """Bound to the session, so a page from another site cannot know it."""
    return _mac(key, "csrf", token)


def check_csrf(key: str, token: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(presented, csrf_token(key, token))


def session_cookie_name(workshop_id: str) -> str:
    # One cookie per workshop, so one browser can be a visitor here and a host there.
    return f"pa_{workshop_id}"


def cross_site(headers: dict[str, str], origins: frozenset[str]) -> bool:
    """Whether a browser sent this request from another site's page.

    Browsers say where a request came from in `Sec-Fetch-Site` (which no page can forge) and
    in `Origin`; we refuse anything that is not from our own origins. A request carrying
    neither comes from no browser page (curl, a script), which cannot ride on anyone's cookies.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is not None:
        return origin.rstrip("/") not in origins
    return False
