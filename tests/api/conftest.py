"""Fixtures for the API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port


@pytest.fixture
async def raw_client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but a server error comes back as the 500 response a client would see,
    instead of being raised into the test."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


# A real SMTP server (aiosmtpd) for the tests that mail: what it was sent, or a refusal.
class Inbox:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _: Any):  # type: ignore[no-untyped-def]
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
