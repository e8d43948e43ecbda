"""What a form's answer says, carried across its redirect and shown once.

A form that saved answers with a redirect (POST-redirect-GET), so reloading the page never
sends it again. The sentence, and the one-time link or token it may hand over, ride to the next
page in a short-lived cookie signed for the account that posted: never in the address, where a
secret would stay in the history and in logs. The page that shows it deletes the cookie.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from ..security import sign, unsign
from .deps import Services

FLASH_COOKIE = "pa_flash"
# Long enough for the redirect and a slow page; a forgotten one dies soon after.
FLASH_SECONDS = 120


@dataclass(frozen=True)
class Flash:
    """The sentence to show, the secret (a link or a token) to copy, if any, and what it is
    about when the page shows several things (a peer assist's id on My peer assists)."""

    notice: str
    secret: str | None = None
    about: str | None = None


def _purpose(account_id: int) -> str:
    # Bound to the account: another account signed in on the same browser never sees it.
    return f"flash:{account_id}"


def redirect_with(svc: Services, target: str, account_id: int, flash: Flash) -> RedirectResponse:
    """A 303 to `target` that shows `flash` there, once."""
    # Its end is signed with it: the cookie's max-age binds only the browser, and a copy of
    # the cookie would otherwise show the secret again whenever it is sent.
    until = svc.clock().timestamp() + FLASH_SECONDS
    packed = base64.urlsafe_b64encode(
        json.dumps(
            {"notice": flash.notice, "secret": flash.secret, "about": flash.about, "until": until}
        ).encode()
    ).decode()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        FLASH_COOKIE,
        sign(svc.settings.secret_key, _purpose(account_id), packed),
        max_age=FLASH_SECONDS,
        httponly=True,
        samesite="strict",
        secure=svc.settings.secure_cookies,
        path=target.split("?", 1)[0],
    )
    return response


def taken(request: Request, svc: Services, account_id: int) -> Flash | None:
    """The flash this request carries for the account, or None (absent, forged, someone
    else's)."""
    cookie = request.cookies.get(FLASH_COOKIE)
    packed = cookie and unsign(svc.settings.secret_key, _purpose(account_id), cookie)
    if not packed:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(packed.encode()))
        if svc.clock().timestamp() > float(found["until"]):
            return None
        return Flash(str(found["notice"]), found.get("secret"), found.get("about"))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


def shown(response: Response, request: Request) -> Response:
    """Delete the flash cookie with the page that showed it; such a page is never cached, as
    it may hold a secret."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path=request.url.path)
        response.headers["Cache-Control"] = "no-store"
    return response
