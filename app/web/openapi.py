"""The OpenAPI document, with what FastAPI cannot see from the routes: bearer auth, the
Idempotency-Key header, the answers every route may give besides its own (unparseable
JSON, a reused key, limits), and the machine codes of errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from ..domain.dates import DATE_FIELDS, EARLIEST, YEARS_AHEAD
from . import error_codes, schemas
from .account_deps import require_account
from .dates import date_patterns
from .deps import IDEMPOTENCY_KEY_MAX, get_caller
from .record import record_reader, record_sharer

# Anything but only spaces, and no NUL: what `Idempotency-Key` must be (see deps.py).
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
SCHEMAS = "#/components/schemas/"
ERROR = {"$ref": SCHEMAS + "ErrorBody"}
ERROR_CONTENT = {"application/json": {"schema": ERROR}}
# FastAPI's own 422 body (a list of details), which the app never answers (errors.py).
FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")
# What a route depends on to learn who calls: each reads a bearer token (or a browser's
# cookie), and answers 401 without one. A route depending on none of them declares no
# security (join, the websocket's description).
CREDENTIALS = (get_caller, require_account, record_reader, record_sharer)
WRITES = ("post", "put", "patch", "delete")
# The errors most participant routes may answer: no token, not allowed, no such thing, bad body.
COMMON = (401, 403, 404, 422)


def api_responses(
    model: Any, status: int = 200, *errors: int, said: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A route's documented answers: its own model at `status`, ErrorBody at each error;
    `said` words an error's meaning where API.md names its code."""
    docs: dict[int | str, dict[str, Any]] = {status: {"model": model}}
    for code in errors:
        docs[code] = {"model": schemas.ErrorBody}
        if said and code in said:
            docs[code]["description"] = said[code]
    return docs


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


# A body that is not JSON is a 422 like any other invalid body (errors.NOT_JSON); the only 400
# is a POST's malformed Idempotency-Key.
BAD_KEY = _error("The Idempotency-Key header is malformed (`bad_idempotency_key`).")
BODY_ERRORS = {
    "408": _error("The body did not arrive within BODY_TIMEOUT_S; the connection is closed."),
    "413": _error("The body is larger than MAX_BODY_BYTES."),
}
REUSED_KEY = _error(error_codes.REUSED_KEY)
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
    """Built once a day: a request's date fields carry the days the server accepts today.
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
    needs = _credentials(routes)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _add_answers(path, method, operation, idempotency)
            _secure(operation, needs.get((path, method), set()))
            _errors_as_error_body(operation)
    found = components.get("schemas", {})
    for name in FASTAPI_ERRORS:
        found.pop(name, None)
    found["ErrorBody"]["properties"]["code"]["description"] = error_codes.CODE_DESCRIPTION
    _date_fields(schema, today_patterns)
    app.openapi_schema = schema
    app.state.openapi_dates = today_patterns
    return schema


def _credentials(routes: Sequence[BaseRoute]) -> dict[tuple[str, str], set[Any]]:
    """For each documented path and method, the credential dependencies its route has."""
    needs: dict[tuple[str, str], set[Any]] = {}
    for context in routing.iter_route_contexts(routes):
        route = context.original_route
        if not isinstance(route, routing.APIRoute):
            continue
        calls = _calls(route.dependant) & set(CREDENTIALS)
        for method in route.methods:
            needs[(context.path_format, method.lower())] = calls
    return needs


def _calls(dependant: Dependant) -> set[Any]:
    found: set[Any] = set()
    for sub in dependant.dependencies:
        found.add(sub.call)
        found |= _calls(sub)
    return found


def _add_answers(path: str, method: str, operation: dict, idempotency: dict) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if method == "post":
        operation.setdefault("parameters", []).append(idempotency)
        responses.setdefault("400", BAD_KEY)
        if "409" in responses:  # the route's own conflicts, and a reused key
            own = _said(responses["409"], "Conflict", error_codes.REFUSED)
            responses["409"]["description"] = f"{own} Or: {error_codes.REUSED_KEY}"
        responses.setdefault("409", REUSED_KEY)
    elif "409" in responses:
        responses["409"]["description"] = _said(responses["409"], "Conflict", error_codes.REFUSED)
    if "requestBody" in operation:
        for status, answer in BODY_ERRORS.items():
            responses.setdefault(status, answer)
    workshop = path.startswith("/api/v1/workshops/") and not path.endswith("/events")
    if workshop and method in WRITES:
        responses.setdefault("429", RATE_LIMITED)


def _secure(operation: dict, calls: set[Any]) -> None:
    """Bearer security where the route asks who calls, and its 401 in words."""
    if not calls:
        return
    operation["security"] = [{"bearer": []}]
    # The record's routes take an account's token too, but without any credential they ask,
    # as the room's routes do, for a participant's.
    reasons = []
    if calls & {get_caller, record_reader, record_sharer}:
        reasons.append(error_codes.NO_PARTICIPANT)
    if require_account in calls:
        reasons.append(error_codes.SIGN_IN)
    unauthorized = operation["responses"].setdefault("401", {"content": ERROR_CONTENT})
    unauthorized["description"] = _said(unauthorized, "Unauthorized", " Or: ".join(reasons))


def _said(answer: dict, default: str, words: str) -> str:
    """An answer's description: the route's own words, else `words` (not FastAPI's
    reason phrase, which names no code)."""
    own = answer.get("description")
    return words if own in (None, "", default) else own


def _errors_as_error_body(operation: dict) -> None:
    """Every error answers ErrorBody (errors.py), whatever FastAPI would have documented: it
    adds its own 422 to any route with parameters that names none."""
    for status, answer in operation.get("responses", {}).items():
        if status[0] not in "45" or answer.get("content") == ERROR_CONTENT:
            continue
        answer["content"] = {"application/json": {"schema": dict(ERROR)}}
        if status == "422":
            answer["description"] = error_codes.INVALID


def _date_fields(schema: dict, patterns: dict[str, str]) -> None:
    """Each date field of a request: exactly the days the server takes today, as a pattern
    (the document is built again each day) and in words. Answers carry any stored day: a
    date that was ahead when it was set falls into the past as time passes."""
    models = schema["components"]["schemas"]
    paths = schema["paths"].values()
    asked = _schemas_under(models, [op.get("requestBody") for ops in paths for op in ops.values()])
    answered = _schemas_under(models, [op["responses"] for ops in paths for op in ops.values()])
    for name in asked - answered:
        for field, prop in models[name].get("properties", {}).items():
            if field not in patterns:
                continue
            prop["description"] = _date_rule(field)
            for option in prop.get("anyOf", [prop]):
                if option.get("format") == "date":
                    option["pattern"] = patterns[field]


def _date_rule(field: str) -> str:
    ahead = f"{YEARS_AHEAD} years ahead (UTC), a pattern of exactly those days, built each day"
    if DATE_FIELDS[field]:
        return (
            f"A day from {EARLIEST.isoformat()} to {ahead}. Another day answers 422 "
            "`date_too_early` or `date_too_far`."
        )
    return f"A day from today to {ahead}. Another answers 422 `date_in_past` or `date_too_far`."


def _schemas_under(models: dict[str, dict], nodes: list[Any]) -> set[str]:
    """The component schemas `nodes` refer to, directly or through others."""
    found: set[str] = set()
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if isinstance(node, list):
            todo.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMAS):
                name = ref.removeprefix(SCHEMAS)
                if name not in found:
                    found.add(name)
                    todo.append(models[name])
            todo.extend(node.values())
    return found
