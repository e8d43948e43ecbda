"""A form the server refused is shown again as the person left it: what they typed, never the
words saved before, with the sentence beside the field it is about.

Each page's form renders a record (the briefing, an action, an answer); a refused write
renders it from `typed_over(saved, typed)`, and `error_context(exc)` gives the template its `error`
and `error_field`, which the `field_error` macro (partials/_field_error.html) places.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from ..domain.errors import RuleError


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (a file input has no place in these forms)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def typed_over(saved: Mapping[str, Any] | None, typed: Mapping[str, Any]) -> dict[str, Any]:
    """The record a refused form shows: what was saved, with what the person typed in its place."""
    return {**(saved or {}), **typed}


def error_context(exc: RuleError) -> dict[str, Any]:
    """The sentence of a refused write and the field it is about (None: the form as a whole)."""
    return {"error": exc.detail, "error_field": exc.field}
