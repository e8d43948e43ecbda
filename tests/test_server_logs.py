"""The access line is uvicorn's own, word for word, however it is written."""

from __future__ import annotations

import logging
import re

import pytest
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from app.server_logs import ACCESS_FORMAT, AccessLine, log_config, without_secrets


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


SECRET_PATHS = [
    ("/j/Xk3-secret-code", "/j/[hidden]"),
    ("/i/Xk3-secret-code?next=1", "/i/[hidden]?next=1"),
    ("/r/ABC123/wait/status", "/r/[hidden]/wait/status"),
    ("/s/shared-record-token/record.docx", "/s/[hidden]/record.docx"),
    ("/setup/one-time-secret", "/setup/[hidden]"),
    ("/welcome/one-time-secret", "/welcome/[hidden]"),
    ("/api/v1/join/Xk3-secret-code", "/api/v1/join/[hidden]"),
]


@pytest.mark.parametrize(("path", "shown"), SECRET_PATHS)
@pytest.mark.parametrize("colours", [False, True])
def test_a_paths_secret_never_reaches_the_log(path: str, shown: str, colours: bool) -> None:
    """An invite or room code, a shared record's link, a one-time setup link: whoever reads the
    log must not be able to use them. The rest of the line is uvicorn's."""
    line = record(200)
    line.args = ("127.0.0.1:50000", "GET", path, "1.1", 200)
    ours = AccessLine(fmt=ACCESS_FORMAT, use_colors=colours).format(line)
    secret = next(a for a, b in zip(path.split("/"), shown.split("/"), strict=True) if a != b)
    assert secret.split("?")[0] not in ours
    line.args = ("127.0.0.1:50000", "GET", shown, "1.1", 200)
    assert ours == AccessFormatter(fmt=ACCESS_FORMAT, use_colors=colours).format(line)


@pytest.mark.parametrize("path", ["/join", "/static/j/app.js", "/w/abc/themes?view=j", "/j"])
def test_paths_without_a_secret_are_written_as_they_are(path: str) -> None:
    line = record(200)
    line.args = ("127.0.0.1:50000", "GET", path, "1.1", 200)
    assert f'"GET {path} HTTP/1.1"' in AccessLine(fmt=ACCESS_FORMAT, use_colors=False).format(line)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/r?code=ABC123", "/r?code=[hidden]"),
        (
            "/signin/oidc/callback?code=c0de&state=st4te",
            "/signin/oidc/callback?code=[hidden]&state=[hidden]",
        ),
        ("/library?q=discharge&code=x#top", "/library?q=discharge&code=[hidden]#top"),
        ("/library?q=code=1", "/library?q=code=1"),
    ],
)
def test_a_query_strings_keys_are_hidden_too(path: str, shown: str) -> None:
    assert without_secrets(path) == shown


def test_every_route_that_takes_a_key_in_its_path_has_it_hidden() -> None:
    """Walks the app's routers, so a new route with a code, a secret or a token in its path
    cannot slip past the pattern."""
    from app.main import ROUTERS

    keys = {"code", "secret", "token"}
    checked = 0
    for prefix, router in ROUTERS:
        for route in router.routes:
            path = prefix + route.path  # type: ignore[attr-defined]
            names = set(re.findall(r"{(\w+)}", path))
            if not names & keys:
                continue
            filled = re.sub(r"{(\w+)}", lambda m: "K3YVALUE" if m[1] in keys else "x", path)
            assert "K3YVALUE" not in without_secrets(filled), path
            checked += 1
    assert checked >= 10  # /i, /j, /r (several), /s (several), /setup, /welcome, /join
