"""Every error answers `{"detail": <a sentence>, "code": <machine code>}`."""

from __future__ import annotations

import logging
import math
import re
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ..actions.group_commit import TransactionLost
from ..domain.errors import RuleError
from ..server_logs import without_secrets
from .json_response import JSONResponse

log = logging.getLogger(__name__)

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    408: "request_timeout",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}

# The database did not answer (down, restarting, unreachable, or a lock or deadlock that gave
# up, or a transaction it ended by itself): the transaction never committed, so the write can
# be sent again as it was.
DATABASE_DOWN = (OperationalError, InterfaceError, TransactionLost)
DATABASE_DOWN_DETAIL = (
    "We could not save this: the database is not answering right now, so nothing was changed. "
    "Please try again in a moment."
)
RETRY_AFTER_S = 2


def database_down_response(detail: str = DATABASE_DOWN_DETAIL) -> JSONResponse:
    """503 with when to try again: the database is not answering, and nothing was changed."""
    return error_response(503, detail, "database_unavailable", {"Retry-After": str(RETRY_AFTER_S)})


def database_unavailable(exc: Exception) -> bool:
    """True when the database could not answer, as opposed to refusing the statement.

    SQLite raises OperationalError for a missing table too; only a lock it waited on in vain,
    or a file it could not open (a server out of file handles under a crowd), means "try
    again". For PostgreSQL every OperationalError is about the server or the connection (gone,
    restarting, deadlock, timeout).
    """
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig)
        return any(word in message for word in ("locked", "busy", "unable to open"))
    return True


class ApiError(RuleError):
    """An error raised by the web layer itself (authentication, limits)."""


class RateLimited(ApiError):
    """Too many tries: 429, with the seconds to wait in Retry-After."""

    status, code = 429, "rate_limited"

    def __init__(self, detail: str, *, retry_after_s: float) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


def error_response(
    status: int, detail: str, code: str, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


NOT_JSON = "The request body is not valid JSON."
BODY_NOT_PARSED = "There was an error parsing the body"  # FastAPI's own 400


# Pydantic's error types that its own wording leaves obscure to a person.
PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a field this request accepts",
    "dict_type": "must be a JSON object",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a list",
}


def describe_validation(errors: list[dict]) -> str:
    """One readable sentence for the first few validation problems: each field by its name,
    as programs need, and what it must be in words, not pydantic's ("Input should be a valid
    dictionary or object to extract fields from")."""
    parts = []
    for err in errors[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        kind = err.get("type")
        if kind == "json_invalid":
            return NOT_JSON
        if not where and kind == "missing":
            parts.append("a JSON body is required")
            continue
        message = PLAIN.get(kind or "") or err.get("msg", "is invalid")
        message = message.removeprefix("Value error, ").replace("Input should be ", "must be ", 1)
        parts.append(f"{where}: {message}" if where else f"the body {message}")
    more = "" if len(errors) <= 3 else f" (and {len(errors) - 3} more)"
    return "Please correct the request: " + "; ".join(parts) + more + "."


def allowed_methods(request: Request, fallback: str) -> str:
    """Every method the API documents at this address. Starlette's own 405 names only the
    first route that matched the path, though several may share it (POST and DELETE .../vote).
    Pages, which the OpenAPI document leaves out, keep Starlette's answer."""
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            return ", ".join(sorted(m.upper() for m in operations if m in HTTP_METHODS))
    return fallback


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch"})


def wants_page(request: Request) -> bool:
    """A person's browser going to a page (not the API, not an htmx swap, not a script): it
    should get a page to read, not JSON."""
    return (
        not request.url.path.startswith("/api/")
        and "text/html" in request.headers.get("accept", "")
        and "hx-request" not in request.headers
    )


def refused_page(status: int, title: str, detail: str) -> Response:
    from .pages import problem_page  # pages imports this module

    return problem_page(title, detail, status)


def install(app: FastAPI) -> None:
    @app.exception_handler(RuleError)
    async def _rule(request: Request, exc: RuleError) -> JSONResponse:
        headers = None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(math.ceil(exc.retry_after_s))}
        return error_response(exc.status, exc.detail, exc.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if wants_page(request) and all(e.get("loc", ("",))[0] == "path" for e in errors):
            # A page's address with letters where its number goes: no such page.
            return refused_page(
                404, "No such page", "There is nothing at this address; check the link."
            )
        too_long = any(e.get("type") == "string_too_long" for e in errors)
        code = "too_long" if too_long else "invalid"
        return error_response(422, describe_validation(errors), code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == BODY_NOT_PARSED:
            # FastAPI's word for JSON it could not decode (not UTF-8, nested past Python's
            # limit): the same answer as any other body that is not JSON.
            return error_response(422, NOT_JSON, "invalid")
        detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            allowed = allowed_methods(request, (headers or {}).get("Allow", ""))
            detail = f"This address does not accept {request.method}; it takes {allowed}."
            headers = {**(headers or {}), "Allow": allowed}
        if wants_page(request) and exc.status_code in (404, 405):
            if exc.status_code == 404:
                page = refused_page(404, "No such page", f"{detail} Check the link.")
            else:
                said = "This address is not opened that way; go back to the page you came from."
                page = refused_page(405, "This page cannot be opened", said)
            page.headers.update(headers or {})
            return page
        return error_response(
            exc.status_code, detail, STATUS_CODES.get(exc.status_code, "error"), headers=headers
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The last line of defence: validation should have refused the value already.
        log.warning(
            "database refused a value on %s %s: %s", request.method, request.url.path, exc.orig
        )
        return error_response(
            422,
            "The request holds a value that cannot be stored; nothing was changed.",
            "unstorable_value",
        )

    async def _database_down(request: Request, exc: Exception) -> Response:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            getattr(exc, "orig", exc),
        )
        if not request.url.path.startswith("/api/"):
            page = refused_page(503, "Please try again in a moment", DATABASE_DOWN_DETAIL)
            page.headers["Retry-After"] = str(RETRY_AFTER_S)
            return page
        return database_down_response()

    for down in DATABASE_DOWN:
        app.add_exception_handler(down, _database_down)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The browser left mid-request (an htmx request cancelled by the next keystroke or a
        # navigation): nobody is there to read an answer, and it is no error of ours.
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception(
            "unexpected error on %s %s", request.method, without_secrets(request.url.path)
        )
        return error_response(
            500, "Something went wrong on our side; nothing was changed.", "internal_error"
        )
