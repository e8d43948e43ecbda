"""Fixtures for the API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


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
