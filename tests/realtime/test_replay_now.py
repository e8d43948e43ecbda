"""A replay shows what the viewer may see now (API.md, Live events): words edited away or
hidden since are never sent again, on the JSON stream, the HTML stream or the board."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import Server
from tests.factories import API, bearer
from tests.statefold import apply, comparable

SECRETS = ("Dr Smith", "0777 123", "budget was cut", "sack the porter", "owner Bob")


@pytest.fixture
async def http(live_server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as client:
        yield client


def ok(response, status: int = 200) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    return response.json()


async def meeting_with_regrets(http: httpx.AsyncClient) -> tuple[str, dict, dict]:
    """A meeting in which every kind of words was written, then edited away or hidden."""
    made = ok(
        await http.post(
            f"{API}/workshops",
            json={
                "title": "Ward 7",
                "problem": "Delays",
                "duration_minutes": 120,
                "facilitator_name": "Ada",
            },
        ),
        201,
    )
    wid, fac = made["workshop"]["id"], bearer(made["facilitator_token"])
    people = {}
    for role in ("visitor", "host"):
        code = made["invites"][role]["code"]
        joined = ok(
            await http.post(f"{API}/join/{code}", json={"name": role, "accept_ground_rules": True}),
            201,
        )
        people[role] = bearer(joined["token"])
    base = f"{API}/workshops/{wid}"
    for phase in ("context", "questions"):
        ok(await http.post(f"{base}/phase", json={"to": phase}, headers=fac))
    edited = ok(
        await http.post(
            f"{base}/cards",
            json={"kind": "surprise", "text": "Call Dr Smith on 0777 123"},
            headers=people["visitor"],
        ),
        201,
    )
    hidden = ok(
        await http.post(
            f"{base}/cards",
            json={"kind": "gap", "text": "The budget was cut"},
            headers=people["visitor"],
        ),
        201,
    )
    ok(
        await http.patch(
            f"{base}/cards/{edited['id']}", json={"text": "Call the ward"}, headers=fac
        )
    )
    ok(await http.patch(f"{base}/cards/{hidden['id']}", json={"hidden": True}, headers=fac))
    for phase in ("analysis", "feedback", "commitment"):
        ok(await http.post(f"{base}/phase", json={"to": phase}, headers=fac))
    action = ok(
        await http.post(
            f"{base}/actions",
            json={"title": "Sack the porter", "owner": "owner Bob"},
            headers=people["host"],
        ),
        201,
    )
    ok(
        await http.patch(
            f"{base}/actions/{action['id']}",
            json={"title": "Talk to transport", "owner": None},
            headers=people["host"],
        )
    )
    for note in ("Ring Dr Smith", "Report to the board"):
        ok(
            await http.put(
                f"{base}/commitment",
                json={"report_back_by": "2030-03-01", "note": note},
                headers=people["host"],
            )
        )
    return wid, people["host"], people["visitor"]


async def replayed(
    http: httpx.AsyncClient, url: str, headers: dict, head: int, *, html: bool
) -> list[str]:
    """Every frame of a replay from seq 0 up to the head."""
    frames = []
    ws_url = str(http.base_url).replace("http", "ws", 1).rstrip("/") + url
    async with connect(ws_url, additional_headers=headers, compression=None) as ws:
        while True:
            text = str(await ws.recv())
            frames.append(text)
            if (f'data-seq="{head}"' if html else f'"seq":{head},') in text:
                return frames


def assert_no_secrets(frames: list[str]) -> None:
    for text in frames:
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), (secret, text[:300])


async def test_the_json_stream_replays_current_words_and_current_visibility(
    http: httpx.AsyncClient,
) -> None:
    wid, host, _ = await meeting_with_regrets(http)
    fresh = ok(await http.get(f"{API}/workshops/{wid}", headers=host))
    frames = await replayed(
        http, f"{API}/workshops/{wid}/events?since=0", host, fresh["seq"], html=False
    )
    assert_no_secrets(frames)
    events = [json.loads(f) for f in frames if json.loads(f)["seq"] is not None]
    assert [e["seq"] for e in events] == list(range(1, fresh["seq"] + 1))
    added = [e["data"] for e in events if e["type"] == "card.added"]
    assert added[0]["text"] == "Call the ward" and added[1].get("redacted") is True
    # Folding the replay into the first snapshot still gives what a fresh read gives.
    state = {**fresh, "seq": 0, "cards": [], "actions": [], "commitment": None}
    state["participants"] = [p for p in fresh["participants"] if p["role"] == "facilitator"]
    state["me"] = {**fresh["me"]}
    for event in events:
        state = apply(state, event)
    assert comparable(state)["cards"] == comparable(fresh)["cards"]
    assert state["actions"] == fresh["actions"] and state["commitment"] == fresh["commitment"]


@pytest.mark.parametrize("view", ["host", "board"])
async def test_the_html_stream_and_the_board_replay_current_words(
    http: httpx.AsyncClient, view: str
) -> None:
    wid, host, _ = await meeting_with_regrets(http)
    head = ok(await http.get(f"{API}/workshops/{wid}", headers=host))["seq"]
    frames = await replayed(http, f"/w/{wid}/live?since=0&view={view}", host, head, html=True)
    assert_no_secrets(frames)
    assert any("Call the ward" in text for text in frames)
