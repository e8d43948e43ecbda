"""While the host team types its problem, similar past peer assists appear beside it."""

from __future__ import annotations

import httpx

from tests.api.helpers import add_action, url
from tests.factories import admin, create_room, join, make_account, move


async def test_a_similar_past_peer_assist_appears_with_what_it_decided(
    client: httpx.AsyncClient,
) -> None:
    past = await create_room(
        client,
        title="Night-time falls on the elderly care ward",
        problem="Frail patients fall at night when they get up without help.",
    )
    await join(client, past, "host", "Hana Host")
    await move(client, past, "commitment")
    await add_action(client, past, past.facilitator, title="Low beds with floor mats")
    await client.put(
        url(past, "/commitment"),
        json={"report_back_by": "2027-02-01", "note": "Trial low beds on two bays"},
        headers=past.facilitator.headers,
    )
    await create_room(client, title="Theatre lists", problem="Lists overrun every Friday.")
    typed = {"title": "", "problem": "Our patients keep having falls overnight"}
    response = await client.post("/start/similar", data=typed, headers=admin())
    assert response.status_code == 200
    assert "Night-time falls" in response.text
    assert "Theatre lists" not in response.text
    assert "Hana Host" in response.text and "Trial low beds on two bays" in response.text
    assert "0 of 1 action done" in response.text
    assert "<mark>" in response.text
    short = await client.post("/start/similar", data={"problem": "ab"}, headers=admin())
    assert short.text == ""
    page = await client.get("/", headers=admin())
    assert 'hx-post="/start/similar"' in page.text and "delay:" in page.text


async def test_a_restricted_peer_assist_is_found_only_by_its_owners_and_admins(
    client: httpx.AsyncClient,
) -> None:
    owner = await make_account(client, "Olu Owner")
    peer = await make_account(client, "Pat Peer")
    await create_room(
        client,
        owner=owner,
        title="Sterile supply shortages",
        problem="Sterile instrument trays run short before weekend lists.",
        visibility="restricted",
    )
    typed = {"title": "", "problem": "sterile instrument trays short"}
    for who, finds in ((owner, True), (peer, False)):
        found = await client.post("/start/similar", data=typed, headers=who.headers)
        assert found.status_code == 200
        assert ("Sterile supply shortages" in found.text) is finds
        listed = await client.get("/api/v1/workshops", params={"q": "sterile"}, headers=who.headers)
        assert [i["title"] for i in listed.json()["items"]] == (
            ["Sterile supply shortages"] if finds else []
        )
    by_admin = await client.post("/start/similar", data=typed, headers=admin())
    assert "Sterile supply shortages" in by_admin.text
    signed_out = await client.post("/start/similar", data=typed)
    assert signed_out.status_code == 401
    assert signed_out.json()["code"] == "sign_in_required"
