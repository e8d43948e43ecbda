"""A form the server refused is shown again as the person left it: what they typed, never the
words saved before, with the sentence beside the field it is about.

Each page's form renders a record (the briefing, an action, an answer); a refused write
renders it from `typed_over(saved, typed)`, and `error_context(exc)` gives the template its `error`
and `error_field`, which the `field_error` macro (partials/_field_error.html) places.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from ..domain.errors import RuleError


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (a file input has no place in these forms)."""
    # Read whole first, so it is kept: a write's Idempotency-Key (a script may send one to a
    # page's form) hashes the body after the form is read, and a read stream is gone (BodyLimit
    # bounds what is kept).
    await request.body()
    form = await request.form()
    fields = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields[name] = value  # the last of a repeated name, as FormData.items() gives
        else:
            # A file sent where text goes is no field of ours; let go of its temporary file
            # now rather than when the collector finds it.
            await value.close()
    return fields


async def filled_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields that hold something: a field left empty, or a file sent
    in a date's place, is a value not given."""
    return {k: v for k, v in (await form_fields(request)).items() if v != ""}


# A form's own key, as form_once makes it; anything else in its place is no key.
_ONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def form_once() -> str:
    """A new key for a form that creates something (joining, starting a peer assist): sent
    twice, as a double tap on a phone sends it, it is answered once (deps.perform)."""
    return secrets.token_urlsafe(16)


def once_key(fields: Mapping[str, str]) -> str | None:
    """The Idempotency-Key a form's submission carries: its `once` field with what was typed.
    The same form sent again as it was is the same write; changed (back, edit, send), it is a
    new one, so the key holds a digest of the fields as well."""
    once = fields.get("once", "")
    if not _ONCE.fullmatch(once):
        return None
    typed = json.dumps(sorted(fields.items()), ensure_ascii=False).encode()
    return f"form:{once}:{hashlib.sha256(typed).hexdigest()[:32]}"


# Enough digits for any count a form asks for, few enough that int() always takes them.
_WHOLE = re.compile(r"[0-9]{1,9}")


def whole_number(text: str) -> int | None:
    """A whole number typed into a form, or None. Not str.isdigit(): "²" is a digit to it and
    not to int(), and int() refuses thousands of digits."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def typed_over(saved: Mapping[str, Any] | None, typed: Mapping[str, Any]) -> dict[str, Any]:
    """The record a refused form shows: what was saved, with what the person typed in its place."""
    return {**(saved or {}), **typed}


def error_context(exc: RuleError) -> dict[str, Any]:
    """The sentence of a refused write and the field it is about (None: the form as a whole)."""
    return {"error": exc.detail, "error_field": exc.field}
