"""The server's log lines as uvicorn writes them, at less cost per request.

uvicorn writes one access line per request, and the logging module's general machinery made it
about a sixth of a card's `POST` on the event loop and a quarter of a `GET /healthz` (cProfile,
bench/README.md): each record looked up its caller's source line, thread and process, and
uvicorn's formatter copied the record before formatting it. The lines stay word for word the
same (`INFO:     127.0.0.1:50000 - "GET /healthz HTTP/1.1" 200 OK`); what goes is the work
nobody reads: none of our formats shows a source line, a thread or a process.

One thing differs on purpose: a path that carries a secret (an invite or room code, a shared
record's link, a one-time setup or welcome link, a sign-on provider's code) is written with
that part `[hidden]`. A log is read by more people, and kept longer, than any of those secrets
should be.
"""

from __future__ import annotations

import copy
import http
import logging
import re
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

ACCESS_FORMAT = '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'
_PHRASES = {status.value: f"{status.value} {status.phrase}" for status in http.HTTPStatus}
# The routes whose next path segment is itself the key to something.
_SECRET_SEGMENT = re.compile(r"^(/(?:i|j|r|s|setup|welcome|api/v1/join)/)[^/?#]+")
# Query values that are keys too: a room code typed into the form that asks for one (a GET,
# so it can be bookmarked), and what a single sign-on provider sends back.
_SECRET_VALUE = re.compile(r"((?:^|[?&])(?:code|state|token|secret)=)[^&#]*")
HIDDEN = "[hidden]"


def without_secrets(path: str) -> str:
    """The path as an access line or an error may show it (`/j/[hidden]`, `/r?code=[hidden]`).
    (A match, not `re.sub`, for the path: every request's line passes here, and a substitution
    cost five times as much.)"""
    found = _SECRET_SEGMENT.match(path)
    if found is not None:
        path = found.group(1) + HIDDEN + path[found.end() :]
    if "?" in path:
        path = _SECRET_VALUE.sub(r"\g<1>" + HIDDEN, path)
    return path


class AccessLine(AccessFormatter):
    """uvicorn's access line without the copy of each record, and without the secrets of a
    path. In colour (a terminal) it is uvicorn's own formatter that writes it."""

    def format(self, record: logging.LogRecord) -> str:
        client_addr, method, path, http_version, status = record.args  # type: ignore[misc]
        path = without_secrets(path)
        if self.use_colors or record.exc_info or record.stack_info or self._fmt != ACCESS_FORMAT:
            shown = logging.makeLogRecord(record.__dict__)
            shown.args = (client_addr, method, path, http_version, status)
            return super().format(shown)
        status_line = _PHRASES.get(int(status)) or f"{status} "
        prefix = record.levelname + ":" + " " * (8 - len(record.levelname))
        return f'{prefix} {client_addr} - "{method} {path} HTTP/{http_version}" {status_line}'


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access line written by `AccessLine`."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"] = {"()": AccessLine, "fmt": ACCESS_FORMAT}
    return config


def lighten_records() -> None:
    """Records without their caller's source line, thread or process, which no line shows.
    (The logging module's documented switches; see its HOWTO, "Optimization".)"""
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
