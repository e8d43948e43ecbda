"""My peer assists says a closed peer assist was held, on the day it was held (as the record
and the library do), not that it starts on the day it was once planned for."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.conftest import Clock
from tests.factories import admin, create_room, move


async def test_a_peer_assist_held_early_says_when_it_was_held(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    # Planned for 10 December, run and closed on 23 November.
    planned = (clock() + timedelta(days=17)).replace(hour=9)
    held = await create_room(client, title="Held early", starts_at=planned.isoformat())
    await move(client, held, "context")
    clock.advance(3600)
    await move(client, held, "closed")
    ahead = await create_room(client, title="Still ahead", starts_at=planned.isoformat())
    called_off = await create_room(client, title="Called off", starts_at=planned.isoformat())
    await move(client, called_off, "closed")
    mine = await client.get("/my", headers=admin())
    closed = mine.text.split("<h2>Closed</h2>", 1)[1]
    entry = closed.split(f"/w/{held.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>Held on</dt><dd>23 November 2026</dd>" in entry, entry
    assert "Starts" not in entry and "10 December" not in entry
    # The record says the same day.
    record = await client.get(
        f"/api/v1/workshops/{held.id}/record.json", headers=held.facilitator.headers
    )
    assert record.json()["workshop"]["held_on"] == "2026-11-23"
    # One still to come keeps its start.
    upcoming = mine.text.split(f"/w/{ahead.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>Starts</dt><dd>10 December 2026, 09:00 GMT</dd>" in upcoming, upcoming
    # One closed from its welcome was never held, and does not start any more either.
    off = closed.split(f"/w/{called_off.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>Held</dt><dd>No: called off before it began</dd>" in off, off
    assert "Held on" not in off and "Starts" not in off
