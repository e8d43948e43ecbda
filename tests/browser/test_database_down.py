"""The database goes away while a visitor writes: the page says the card is not saved and is
being retried, keeps the words, and saves the card by itself once the database is back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.conftest import Server, drop_schema, postgres_database, start_server
from tests.tcp_proxy import TcpProxy

from .conftest import PHONE, Tabs
from .meeting import card, join, next_phase, quick_meeting

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def behind_proxy(tmp_path: Path) -> AsyncIterator[tuple[Server, TcpProxy]]:
    """A server whose PostgreSQL is reached through a proxy the test can cut."""
    pg = postgres_database()
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    url = pg.url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    # Off the event loop: the proxy the server connects through runs on this loop.
    server = await asyncio.to_thread(start_server, tmp_path, url)
    try:
        yield server, proxy
    finally:
        await asyncio.to_thread(server.stop)
        await proxy.stop()
        drop_schema(pg.schema)


async def test_a_card_written_while_the_database_is_down_is_kept_and_saved_later(
    behind_proxy: tuple[Server, TcpProxy], tabs: Tabs
) -> None:
    server, proxy = behind_proxy
    meeting = await quick_meeting(tabs, server.base_url)
    vera = await join(tabs, meeting, "visitor", "Vera", PHONE)
    await next_phase(meeting, "context")
    words = "Who books the transport on Sundays?"

    # While the database is away, writes and reloads answer 503, and the browser and htmx log
    # each one.
    tabs.provoke(r"status of 503 |Response Status Error Code 503 from ")
    await proxy.cut()
    await vera.fill("#composer-text", words)
    await vera.locator("#composer-kinds button[type=submit]").click()
    status = vera.locator("#composer .save-state")
    await expect(status).to_have_text("Not saved, retrying…")
    await expect(status).to_be_visible()
    # A few retries later the words are still there, and the live socket is still up.
    await vera.wait_for_timeout(3000)
    await expect(vera.locator("#composer-text")).to_have_value(words)
    await expect(status).to_have_text("Not saved, retrying…")
    await expect(vera.locator("#connection")).to_have_text("Live")

    await proxy.restore()
    # Saved by itself: the card reaches both screens once, the composer empties.
    await expect(card(vera, words)).to_have_count(1, timeout=20_000)
    await expect(card(meeting.facilitator, words)).to_have_count(1)
    await expect(vera.locator("#composer-text")).to_have_value("")
    await expect(status).to_have_text("Saved.")
    assert tabs.errors == [] and tabs.dialogs == []
