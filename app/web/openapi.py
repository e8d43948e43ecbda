"""The OpenAPI document, with what FastAPI cannot see from the routes: bearer auth, the
Idempotency-Key header, and the answers every route may give besides its own (unparseable
JSON, a reused key, limits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from . import schemas
from .dates import date_patterns
from .deps import IDEMPOTENCY_KEY_MAX

# Anything but only spaces, and no NUL: what `Idempotency-Key` must be (see deps.py).
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
ERROR = {"$ref": "#/components/schemas/ErrorBody"}
WRITES = ("post", "put", "patch", "delete")
# The errors most participant routes may answer: no token, not allowed, no such thing, bad body.
COMMON = (401, 403, 404, 422)


def api_responses(model: Any, status: int = 200, *errors: int) -> dict[int | str, dict[str, Any]]:
    """A route's documented answers: its own model at `status`, ErrorBody at each error."""
    docs: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    for code in errors:
        docs[code] = {"model": schemas.ErrorBody}
    return docs


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


BODY_ERRORS = {
    "400": _error("The body is not valid JSON, or the Idempotency-Key header is malformed."),
    "408": _error("The body did not arrive within BODY_TIMEOUT_S; the connection is closed."),
    "413": _error("The body is larger than MAX_BODY_BYTES."),
}
REUSED_KEY = _error("This Idempotency-Key was already used for a different request.")
RATE_LIMITED = {
    **_error("Too many writes from this participant (WRITE_RATE_LIMIT)."),
    "headers": {
        "Retry-After": {
            "description": "Seconds until a write will be accepted again.",
            "schema": {"type": "integer"},
        }
    },
}


def describe_api(app: FastAPI, routes: Sequence[BaseRoute]) -> dict:
    """Built once a day: date fields carry the range of days the server accepts today.
    `routes` in the order the document lists them (main.py matches them in another)."""
    today_patterns = date_patterns()
    cached = app.openapi_schema
    if cached and getattr(app.state, "openapi_dates", None) == today_patterns:
        return cached
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=routes,
    )
    components = schema.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "A participant's token (from creating or joining), or an "
            "account's token (ADMIN_TOKEN or a personal API token) for account routes.",
        },
    }
    idempotency = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": IDEMPOTENCY_KEY_MAX,
            "pattern": NOT_BLANK,
        },
        "description": "A repeat with the same key from the same participant returns the "
        "first result and changes nothing; the same key with another request answers 409.",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _add_answers(path, method, operation, idempotency)
    _date_fields(components.get("schemas", {}), today_patterns)
    app.openapi_schema = schema
    app.state.openapi_dates = today_patterns
    return schema


def _add_answers(path: str, method: str, operation: dict, idempotency: dict) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if method == "post":
        operation.setdefault("parameters", []).append(idempotency)
        responses.setdefault("400", BODY_ERRORS["400"])
        responses.setdefault("409", REUSED_KEY)
    if "requestBody" in operation:
        for status, answer in BODY_ERRORS.items():
            responses.setdefault(status, answer)
    if path.startswith("/api/v1/workshops/") and not path.endswith("/events"):
        operation["security"] = [{"bearer": []}]
        if method in WRITES:
            responses.setdefault("429", RATE_LIMITED)


def _date_fields(schemas: dict[str, dict], patterns: dict[str, str]) -> None:
    """Each date field's pattern: exactly the days the server takes today."""
    for model in schemas.values():
        for name, prop in model.get("properties", {}).items():
            if name not in patterns:
                continue
            for option in prop.get("anyOf", [prop]):
                if option.get("format") == "date":
                    option["pattern"] = patterns[name]
