"""Removing a participant (API.md): their token stops at once, their name goes everywhere it
was stored, and their cards stay, as written by "a former participant"."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.domain.lifecycle import FORMER_PARTICIPANT
from app.security import hash_secret
from tests.api.busy_room import build_busy_room, knock, lobby
from tests.api.helpers import assert_error, dump_tables, event_types, set_mute, url
from tests.factories import API, add_card, create_room, join, move


async def remove(client: httpx.AsyncClient, room: Any, who: Any, participant_id: int) -> Any:
    return await client.delete(url(room, f"/participants/{participant_id}"), headers=who.headers)


@pytest.mark.postgres
async def test_a_removed_participants_token_stops_and_their_cards_stay(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Unique")
    await move(client, room, "context")
    card = (await add_card(client, room, vera, "question", "What about weekends?")).json()
    assert (await client.get(url(room), headers=vera.headers)).status_code == 200  # remembered

    response = await remove(client, room, room.facilitator, vera.id)
    assert response.status_code == 204 and response.content == b""

    assert_error(await client.get(url(room), headers=vera.headers), 401)
    assert_error(await add_card(client, room, vera, "question", "Still here?"), 401)
    state = (await client.get(url(room), headers=room.facilitator.headers)).json()
    assert vera.id not in [p["id"] for p in state["participants"]]
    [kept] = [c for c in state["cards"] if c["id"] == card["id"]]
    assert kept["text"] == "What about weekends?"
    assert kept["author"] == {"id": vera.id, "name": FORMER_PARTICIPANT, "role": "visitor"}
    types = [t for _, t in event_types(app, room.id)]
    assert types[-2:] == ["participant.removed", "card.updated"]
    # The name is nowhere: not in the participant row, nor in the events that carried it.
    assert "Vera Unique" not in "".join(dump_tables(app).values())
    assert hash_secret(vera.token) not in "".join(dump_tables(app).values())


@pytest.mark.postgres
async def test_former_participants_show_in_pages_and_exports(
    app: Any, client: httpx.AsyncClient
) -> None:
    busy = await build_busy_room(client, "SHOWN")
    room, fac = busy.room, busy.room.facilitator
    assert busy.removed is not None
    page = (await client.get(f"/w/{room.id}", headers=fac.headers)).text
    assert "SHOWN Victor" not in page
    exports = {
        fmt: (await client.get(url(room, f"/actions.{fmt}"), headers=fac.headers)).text
        for fmt in ("json", "md", "csv")
    }
    assert all("SHOWN Victor" not in text for text in exports.values())
    # Victor's card is anonymous, so it names nobody; Vera's votes on it still count.
    state = (await client.get(url(room), headers=fac.headers)).json()
    by_text = {c["text"]: c for c in state["cards"]}
    assert by_text["SHOWN an anonymous question"]["author"] is None
    assert by_text["SHOWN a private insight"]["votes"] == 2


@pytest.mark.postgres
async def test_what_a_removal_takes_from_the_lobby_and_stored_answers(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    await knock(client, room.created["workshop"]["room_code"], "Lena Lobby")
    [waiting] = await lobby(client, room)
    admitted = await client.post(
        url(room, f"/lobby/{waiting['id']}"),
        json={"admit": True},
        headers={**room.facilitator.headers, "Idempotency-Key": "let-lena-in"},
    )
    lena = admitted.json()["participant"]
    vic = await join(client, room, "visitor", "Vic")
    await move(client, room, "context")
    sent = await client.post(
        url(room, "/cards"),
        json={"kind": "question", "text": "Once"},
        headers={**vic.headers, "Idempotency-Key": "vic-once"},
    )
    assert sent.status_code == 201
    assert "Lena Lobby" in dump_tables(app)["event"]
    assert (await remove(client, room, room.facilitator, lena["id"])).status_code == 204
    assert (await remove(client, room, room.facilitator, vic.id)).status_code == 204
    tables = dump_tables(app)
    assert "Lena Lobby" not in "".join(tables.values())
    assert "participant:" + str(vic.id) not in tables["idempotent_response"]
    # The facilitator's own stored answer (letting Lena in) stays: it is the facilitator's.
    assert "let-lena-in" in tables["idempotent_response"]


@pytest.mark.postgres
async def test_who_may_remove_whom(app: Any, client: httpx.AsyncClient) -> None:
    room, other = await create_room(client), await create_room(client)
    host = await join(client, room, "host", "Hana")
    visitor = await join(client, room, "visitor", "Vera")
    stranger = await join(client, other, "visitor", "Stan")
    assert_error(await remove(client, room, host, visitor.id), 403, "forbidden")
    assert_error(await remove(client, room, visitor, visitor.id), 403, "forbidden")
    assert_error(
        await remove(client, room, room.facilitator, room.facilitator.id),
        409,
        "cannot_remove_yourself",
    )
    for missing in (stranger.id, 999_999, 0, -1):
        assert_error(
            await remove(client, room, room.facilitator, missing), 404, "participant_not_found"
        )
    assert_error(await client.delete(url(room, f"/participants/{visitor.id}")), 401)
    assert (await remove(client, room, room.facilitator, visitor.id)).status_code == 204
    assert_error(
        await remove(client, room, room.facilitator, visitor.id), 404, "participant_not_found"
    )
    assert (await client.get(url(room), headers=host.headers)).status_code == 200
    assert (await client.get(url(other), headers=stranger.headers)).status_code == 200


@pytest.mark.postgres
async def test_a_removed_speaker_leaves_the_speakers(app: Any, client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    hana = await join(client, room, "host", "Hana")
    hugo = await join(client, room, "host", "Hugo")
    await move(client, room, "questions")
    muted = await set_mute(client, room, room.facilitator, True, [hana.id, hugo.id])
    assert muted.json()["speakers"] == [hana.id, hugo.id]
    assert (await remove(client, room, room.facilitator, hana.id)).status_code == 204
    state = (await client.get(url(room), headers=room.facilitator.headers)).json()
    assert state["mute"] == {"host_team_muted": True, "speakers": [hugo.id]}
    assert [t for _, t in event_types(app, room.id)][-2:] == [
        "participant.removed",
        "mute.changed",
    ]


@pytest.mark.postgres
async def test_the_console_offers_remove_for_everyone_but_yourself(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    page = (await client.get(f"/w/{room.id}", headers=room.facilitator.headers)).text
    assert f'hx-delete="{API}/workshops/{room.id}/participants/{vera.id}"' in page
    assert f"/participants/{room.facilitator.id}" not in page
    visitor_page = (await client.get(f"/w/{room.id}", headers=vera.headers)).text
    assert "/participants/" not in visitor_page


@pytest.mark.postgres
async def test_pages_and_exports_say_a_former_participant(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    fac = room.facilitator
    hana = await join(client, room, "host", "Hana Named")
    await move(client, room, "context")
    assert (await add_card(client, room, hana, "context", "Ward 7 runs short")).status_code == 201
    await move(client, room, "commitment")
    committed = await client.put(
        url(room, "/commitment"), json={"report_back_by": "2027-02-01"}, headers=hana.headers
    )
    assert committed.status_code == 200
    assert (await remove(client, room, fac, hana.id)).status_code == 204
    for page in (f"/w/{room.id}", f"/w/{room.id}/board", f"/w/{room.id}/print"):
        html = (await client.get(page, headers=fac.headers)).text
        assert "Hana Named" not in html, page
    console = (await client.get(f"/w/{room.id}", headers=fac.headers)).text
    assert FORMER_PARTICIPANT in console
    for fmt in ("json", "md", "ics"):
        text = (await client.get(url(room, f"/actions.{fmt}"), headers=fac.headers)).text
        text = text.replace("\r\n ", "")  # iCalendar folds long lines
        assert "Hana Named" not in text and FORMER_PARTICIPANT in text, fmt
