"""The refusal page's ways out depend on who reads it: a signed-in person is offered their own
peer assists, never told to sign in; anyone else is shown how to sign in or join a room."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import HTMLResponse
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from ..security import unsign_session
from .account_deps import ACCOUNT_COOKIE


def holds_account_cookie(scope: Scope) -> bool:
    """The browser holds an account's session cookie that our key signed.

    The signature is enough to choose the page's links (a session ended since only sends a
    click on "your peer assists" to the sign-in page); no database is asked, so the page still
    answers while the database is down."""
    cookie = HTTPConnection(scope).cookies.get(ACCOUNT_COOKIE)
    if not cookie:
        return False
    key = scope["app"].state.services.settings.secret_key
    return unsign_session(key, cookie) is not None


class ProblemPage(HTMLResponse):
    """A page drawn for a signed-out reader, drawn again when it is sent to a signed-in one.

    The ~40 places that refuse with a page know the request's path but not its account, so the
    page asks the request it answers, at the last moment, instead of each caller."""

    def __init__(self, draw: Callable[[bool], str], status: int, headers: dict[str, str]) -> None:
        self.draw = draw
        super().__init__(draw(False), status_code=status, headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if holds_account_cookie(scope):
            self.body = self.render(self.draw(True))
            self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)
