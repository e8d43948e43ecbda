"""A whole peer assist over real sockets against a running uvicorn: every client receives
every event once, in seq order, and its folded state equals a fresh GET."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.factories import API, Person, admin, bearer
from tests.realtime.client import Listener
from tests.realtime.harness import refused_upgrade
from tests.statefold import comparable

pytestmark = pytest.mark.slow


async def _post(
    http: httpx.AsyncClient,
    path: str,
    who: Person,
    body: dict | None = None,
    method: str = "POST",
    expect: int | None = None,
) -> dict:
    response = await http.request(method, f"{API}{path}", json=body, headers=who.headers)
    if expect is not None:
        assert response.status_code == expect, response.text
    else:
        assert response.is_success, response.text
    return response.json()


async def test_a_whole_peer_assist_reaches_every_screen(live_server) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=live_server.base_url, timeout=30) as http:
        created = (
            await http.post(
                f"{API}/workshops",
                json={
                    "title": "Reducing missed outpatient appointments",
                    "problem": "One in eight appointments is missed.",
                    "duration_minutes": 180,
                    "facilitator_name": "Fay",
                },
                headers=admin(),
            )
        ).json()
        wid = created["workshop"]["id"]
        fac = Person(
            created["participant"]["id"], "Fay", "facilitator", created["facilitator_token"]
        )
        people: dict[str, Person] = {"fac": fac}
        for role, names in (
            ("host", ["Hana", "Hugo"]),
            ("visitor", ["Vera", "Vik", "Vanya", "Val"]),
            ("projector", ["Screen"]),
        ):
            for name in names:
                joined = (
                    await http.post(
                        f"{API}/join/{created['invites'][role]['code']}",
                        json={"name": name, "accept_ground_rules": True},
                    )
                ).json()
                people[name] = Person(joined["participant"]["id"], name, role, joined["token"])

        url = f"{live_server.ws_url}{API}/workshops/{wid}/events"
        listeners = {key: Listener(url, p.token) for key, p in people.items()}
        for listener in listeners.values():
            await listener.open()
        for listener in listeners.values():
            await listener.wait_for_seq(7)
        w = f"/workshops/{wid}"
        hana, hugo = people["Hana"], people["Hugo"]
        vera, vik = people["Vera"], people["Vik"]

        await _post(http, f"{w}/timer", fac, {"action": "start", "seconds": 300})
        await _post(http, f"{w}/phase", fac, {"to": "context"})
        await _post(http, f"{w}/cards", hana, {"kind": "context", "text": "Text reminders stopped"})
        q = await _post(http, f"{w}/cards", vera, {"kind": "question", "text": "Since when?"})
        await _post(http, f"{w}/phase", fac, {"to": "next"})  # questions: host team muted
        await _post(http, f"{w}/cards", hugo, {"kind": "context", "text": "x"}, expect=403)
        await _post(
            http, f"{w}/mute", fac, {"host_team_muted": True, "speakers": [hugo.id]}, method="PUT"
        )
        await _post(http, f"{w}/cards", hugo, {"kind": "context", "text": "Since March"})
        await _post(
            http,
            f"{w}/cards",
            vik,
            {"kind": "surprise", "text": "No data on why", "anonymous": True},
        )
        await _post(http, f"{w}/cards", vera, {"kind": "gap", "text": "Nothing on transport"})
        await _post(http, f"{w}/timer", fac, {"action": "pause"})
        await _post(http, f"{w}/timer", fac, {"action": "extend", "seconds": 120})
        await _post(http, f"{w}/timer", fac, {"action": "resume"})
        await _post(http, f"{w}/phase", fac, {"to": "analysis"})
        opt = await _post(
            http,
            f"{w}/cards",
            vik,
            {"kind": "option", "text": "Call the day before", "evidence": "experience"},
        )
        ins = await _post(
            http,
            f"{w}/cards",
            people["Vanya"],
            {
                "kind": "insight",
                "text": "Transport drives it",
                "evidence": "research",
                "source_url": "https://example.org/study",
            },
        )
        for voter in (vera, vik, people["Val"]):
            await _post(http, f"{w}/cards/{opt['id']}/vote", voter)
        await _post(http, f"{w}/cards/{ins['id']}/vote", vera)
        await _post(http, f"{w}/cards/{ins['id']}/vote", vera, method="DELETE")
        await _post(
            http, f"{w}/cards/{q['id']}", fac, {"theme": "Timing", "hidden": False}, method="PATCH"
        )
        await _post(http, f"{w}/phase", fac, {"to": "feedback"})
        await _post(http, f"{w}/cards", vera, {"kind": "strength", "text": "Honest data"})
        await _post(http, f"{w}/phase", fac, {"to": "commitment"})
        act = await _post(
            http,
            f"{w}/actions",
            hana,
            {
                "title": "Restart reminders",
                "owner": "Hana",
                "due_date": "2027-01-15",
                "card_ids": [opt["id"]],
            },
        )
        await _post(
            http, f"{w}/actions/{act['id']}", hugo, {"status": "in_progress"}, method="PATCH"
        )
        report_by = (dt.date.today() + dt.timedelta(days=14)).isoformat()
        await _post(
            http,
            f"{w}/commitment",
            hana,
            {"report_back_by": report_by, "note": "At the March board"},
            method="PUT",
        )
        await _post(http, f"{w}/phase", fac, {"to": "reflection"})
        await _post(http, f"{w}/cards", vik, {"kind": "takeaway", "text": "Ask patients first"})
        await _post(http, f"{w}/phase", fac, {"to": "closed"})

        head = (await http.get(f"{API}{w}", headers=fac.headers)).json()["seq"]
        for key, listener in listeners.items():
            await listener.wait_for_seq(head)
            first = listener.frames[0]
            assert first["type"] == "snapshot", key
            assert listener.seqs == list(range(first["seq"] + 1, head + 1)), key
            fresh = (await http.get(f"{API}{w}", headers=people[key].headers)).json()
            assert comparable(listener.state) == comparable(fresh), key

        # Anonymous means anonymous, on the wire too: nobody but Vik gets his name with it.
        for key, listener in listeners.items():
            if key == "Vik":
                continue
            for frame in listener.frames:
                if frame["type"] in ("card.added", "card.updated") and frame["data"].get(
                    "anonymous"
                ):
                    assert frame["data"]["author"] is None, key
        # Presence sees everyone online. It carries no seq and is recounted once arrivals
        # settle, so on a busy machine it may come after the last event: wait for it.
        await listeners["fac"].wait_until(
            lambda fac: any(len(p["online"]) == len(people) for p in fac.presence)
        )
        for listener in listeners.values():
            await listener.close()


async def test_origin_not_allowed_is_refused(live_server) -> None:  # type: ignore[no-untyped-def]
    from websockets.asyncio.client import connect

    async with httpx.AsyncClient(base_url=live_server.base_url) as http:
        created = (
            await http.post(
                f"{API}/workshops",
                json={
                    "title": "t",
                    "problem": "p",
                    "duration_minutes": 60,
                    "facilitator_name": "F",
                },
                headers=admin(),
            )
        ).json()
    url = f"{live_server.ws_url}{API}/workshops/{created['workshop']['id']}/events"
    refused = await refused_upgrade(
        url, origin="https://evil.example", additional_headers=bearer(created["facilitator_token"])
    )
    assert refused.status_code == 403
    async with connect(
        url,
        origin=live_server.base_url,  # type: ignore[arg-type]
        additional_headers=bearer(created["facilitator_token"]),
    ) as ws:
        assert '"snapshot"' in await ws.recv()
