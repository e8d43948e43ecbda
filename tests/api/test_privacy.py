"""The privacy notice: what is kept, for how long, who sees it; linked from every join page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from app.main import create_app
from tests.api.busy_room import knock
from tests.conftest import Clock, make_settings
from tests.factories import create_room

LINK = 'href="/privacy"'


async def test_the_notice_says_how_long_from_the_setting(
    tmp_path: Path, sqlite_url: str, clock: Clock
) -> None:
    for days, expected in ((90, "90 days after it closes"), (0, "until someone deletes them")):
        application = create_app(
            make_settings(tmp_path, sqlite_url, retention_days=days), clock=clock
        )
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/privacy")
        assert page.status_code == 200
        text = " ".join(page.text.split())
        assert expected in text
        for heading in ("What is kept", "Who sees it", "How long it is kept"):
            assert heading in text


async def test_every_join_page_links_to_it(app: Any, client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    room_code = room.created["workshop"]["room_code"]
    pages = [f"/j/{room.invites[role]['code']}" for role in ("host", "visitor", "projector")]
    pages += ["/r", f"/r/{room_code}"]
    for page in pages:
        response = await client.get(page)
        assert response.status_code == 200, page
        assert LINK in response.text, page
    await knock(client, room_code, "Wanda Waiting")
    response = await client.post(
        f"/r/{room_code}", data={"name": "Wendy", "accept": "on"}, follow_redirects=True
    )
    assert response.url.path == f"/r/{room_code}/wait"
    assert LINK in response.text
    polled = await client.get(f"/r/{room_code}/wait/status")  # what the waiting page polls
    assert polled.status_code == 200 and polled.json()["status"] == "waiting"
