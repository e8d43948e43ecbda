"""While the host team types its problem, similar past peer assists appear beside it."""

from __future__ import annotations

import httpx

from tests.api.helpers import add_action, url
from tests.factories import create_room, join, move


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
    response = await client.post("/start/similar", data=typed)
    assert response.status_code == 200
    assert "Night-time falls" in response.text
    assert "Theatre lists" not in response.text
    assert "Hana Host" in response.text and "Trial low beds on two bays" in response.text
    assert "0 of 1 action done" in response.text
    assert "<mark>" in response.text
    assert (await client.post("/start/similar", data={"problem": "ab"})).text == ""
    page = await client.get("/")
    assert 'hx-post="/start/similar"' in page.text and "delay:" in page.text
