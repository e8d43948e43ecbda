"""The access line is uvicorn's own, word for word, however it is written."""

from __future__ import annotations

import logging

import pytest
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from app.server_logs import ACCESS_FORMAT, AccessLine, log_config


def record(status: int, level: int = logging.INFO) -> logging.LogRecord:
    args = ("127.0.0.1:50000", "POST", "/api/v1/workshops/w/cards?x=1", "1.1", status)
    return logging.LogRecord(
        "uvicorn.access", level, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


@pytest.mark.parametrize("status", [200, 201, 204, 304, 404, 409, 422, 429, 500, 503, 599])
@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING])
def test_the_access_line_is_uvicorns(status: int, level: int) -> None:
    ours = AccessLine(fmt=ACCESS_FORMAT, use_colors=False).format(record(status, level))
    theirs = AccessFormatter(fmt=ACCESS_FORMAT, use_colors=False).format(record(status, level))
    assert ours == theirs
    assert "/api/v1/workshops/w/cards?x=1" in ours


def test_in_colour_uvicorn_writes_it() -> None:
    ours = AccessLine(fmt=ACCESS_FORMAT, use_colors=True).format(record(201))
    theirs = AccessFormatter(fmt=ACCESS_FORMAT, use_colors=True).format(record(201))
    assert ours == theirs
    assert "\x1b[" in ours


def test_the_configuration_is_uvicorns_with_our_access_line() -> None:
    config = log_config()
    assert config["formatters"]["access"]["()"] is AccessLine
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]
    assert config["formatters"]["default"]["()"] == "uvicorn.logging.DefaultFormatter"


def test_our_format_is_uvicorns_and_another_is_formatted_by_uvicorn() -> None:
    assert LOGGING_CONFIG["formatters"]["access"]["fmt"] == ACCESS_FORMAT
    other = '%(client_addr)s %(status_code)s "%(request_line)s"'
    ours = AccessLine(fmt=other, use_colors=False).format(record(404))
    assert ours == AccessFormatter(fmt=other, use_colors=False).format(record(404))
    assert ours.startswith("127.0.0.1:50000 404 Not Found")
