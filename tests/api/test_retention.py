"""Retention (`RETENTION_DAYS`): when a workshop closed, what is due, and the daily sweep that
deletes it, run once a day between workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.db.lifecycle import due_for_purge
from app.main import create_app
from tests.api.helpers import db_of, url
from tests.conftest import Clock, make_settings
from tests.factories import create_room, move

DAY = 86_400


@pytest.fixture
async def kept_30_days(
    tmp_path: Path, database_url: str, clock: Clock
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    application = create_app(make_settings(tmp_path, database_url, retention_days=30), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield application, c


def closed_at(application: Any, workshop_id: str) -> Any:
    with db_of(application).engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT closed_at FROM workshop WHERE id = :w"), {"w": workshop_id}
        ).scalar_one()


def due(application: Any, clock: Clock, days: int) -> list[str]:
    with db_of(application).reader() as session:
        return [w["id"] for w in due_for_purge(session, now=clock(), retention_days=days)]


@pytest.mark.postgres
async def test_closing_records_when_and_reopening_forgets_it(
    app: Any, client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(client)
    await move(client, room, "reflection")
    assert closed_at(app, room.id) is None
    closing = clock()
    await move(client, room, "closed")
    assert closed_at(app, room.id) is not None
    clock.advance(3600)
    await move(client, room, "reflection")
    assert closed_at(app, room.id) is None
    await move(client, room, "closed")
    assert closed_at(app, room.id) is not None and str(closing.year) in str(closed_at(app, room.id))


@pytest.mark.postgres
async def test_what_is_due_counts_days_from_closing(
    app: Any, client: httpx.AsyncClient, clock: Clock
) -> None:
    first, second, still_open = [await create_room(client) for _ in range(3)]
    await move(client, first, "closed")
    clock.advance(10 * DAY)
    await move(client, second, "closed")
    await move(client, still_open, "feedback")
    clock.advance(25 * DAY)  # 35 days after the first closed, 25 after the second
    assert due(app, clock, 30) == [first.id]
    assert due(app, clock, 20) == [first.id, second.id]
    assert due(app, clock, 0) == []  # 0 keeps them for ever
    clock.advance(1000 * DAY)
    assert still_open.id not in due(app, clock, 30)


@pytest.mark.postgres
async def test_the_sweep_deletes_what_is_due_once_a_day(
    kept_30_days: tuple[Any, httpx.AsyncClient], clock: Clock
) -> None:
    application, client = kept_30_days
    old, recent = await create_room(client), await create_room(client)
    await move(client, old, "closed")
    clock.advance(20 * DAY)
    await move(client, recent, "closed")
    clock.advance(15 * DAY)
    sweep = application.state.retention
    gone = await sweep.run_once()
    assert [w["id"] for w in gone] == [old.id]
    assert (await client.get(url(old), headers=old.facilitator.headers)).status_code == 404
    assert (await client.get(url(recent), headers=recent.facilitator.headers)).status_code == 200
    # Today's sweep has run: another worker (or a restart) looking again today does nothing.
    clock.advance(23 * 3600)
    assert await sweep.run_once() is None
    clock.advance(2 * 3600)
    assert await sweep.run_once() == []
    clock.advance(20 * DAY)
    assert [w["id"] for w in await sweep.run_once()] == [recent.id]


@pytest.mark.postgres
async def test_the_server_sweeps_by_itself(tmp_path: Path, database_url: str, clock: Clock) -> None:
    application = create_app(make_settings(tmp_path, database_url, retention_days=30), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            room = await create_room(client)
            await move(client, room, "closed")
    clock.advance(31 * DAY)
    application = create_app(make_settings(tmp_path, database_url, retention_days=30), clock=clock)
    application.state.retention.first_after_s = 0
    async with application.router.lifespan_context(application):
        await asyncio.wait_for(application.state.retention.swept.wait(), 30)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            got = await client.get(url(room), headers=room.facilitator.headers)
            assert got.status_code == 404


async def test_retention_zero_never_sweeps(tmp_path: Path, sqlite_url: str, clock: Clock) -> None:
    application = create_app(make_settings(tmp_path, sqlite_url, retention_days=0), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            room = await create_room(client)
            await move(client, room, "closed")
            clock.advance(10_000 * DAY)
            assert await application.state.retention.run_once() is None
            got = await client.get(url(room), headers=room.facilitator.headers)
            assert got.status_code == 200
