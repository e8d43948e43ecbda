"""Search over past peer assists, on SQLite (FTS5) and PostgreSQL (tsvector), through the
real write path: every card here is written by the API, and found the moment it commits."""

from __future__ import annotations

import httpx
import pytest

from app.db.models import Workshop
from app.search import EVERY_WORKSHOP, search
from tests.factories import API, Room, add_card, admin, create_room, move

LONG_PROBLEM = " ".join(
    ["Our wards report many delays in the afternoon and we do not know why."] * 12
    + ["Patients wait for transport home, and families wait in the lounge by the lifts."]
    + ["Staff say the discharge paperwork is finished late in the day."] * 6
)


def found(app: object, text: str, **kw: object) -> list:
    db = app.state.services.db  # type: ignore[attr-defined]
    with db.reader() as session:
        return search(session, text, **{"visible": EVERY_WORKSHOP, **kw})


async def card(client: httpx.AsyncClient, room: Room, text: str, kind: str = "option") -> int:
    response = await add_card(client, room, room.facilitator, kind, text)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def test_a_card_is_found_the_moment_it_is_written(client: httpx.AsyncClient, app) -> None:
    room = await create_room(client, title="Theatre lists", problem="Lists overrun.")
    assert [h.workshop_id for h in found(app, "theatre")] == [room.id]
    assert found(app, "anaesthetist") == []
    await card(client, room, "Ask the anaesthetist to join the morning huddle")
    hits = found(app, "anaesthetist")
    assert [h.workshop_id for h in hits] == [room.id]
    assert "<mark>anaesthetist</mark>" in hits[0].snippet_html
    assert "anaesthetist" in hits[0].snippet and "\x02" not in hits[0].snippet


async def test_an_exact_phrase_in_a_card_outranks_a_word_in_a_long_problem(
    client: httpx.AsyncClient, app
) -> None:
    scattered = await create_room(client, title="Ward flow", problem=LONG_PROBLEM)
    phrase = await create_room(client, title="Patient flow", problem="Beds are blocked.")
    await card(client, phrase, "We opened a discharge lounge next to the pharmacy")
    order = [h.workshop_id for h in found(app, "discharge lounge")]
    assert order == [phrase.id, scattered.id]
    # Quoted, only the exact phrase is found.
    assert [h.workshop_id for h in found(app, '"discharge lounge"')] == [phrase.id]


async def test_title_matches_come_first(client: httpx.AsyncClient, app) -> None:
    in_card = await create_room(client, title="Clinic letters", problem="Letters are late.")
    await card(client, in_card, "Dictation software cut the backlog")
    in_problem = await create_room(
        client, title="Admin time", problem="Dictation takes a doctor an hour a day."
    )
    in_title = await create_room(
        client, title="Faster dictation", problem="A long wait for typed letters from clinic."
    )
    order = [h.workshop_id for h in found(app, "dictation")]
    assert order[0] == in_title.id
    assert set(order) == {in_title.id, in_problem.id, in_card.id}
    assert order.index(in_problem.id) < order.index(in_card.id)


async def test_a_hidden_card_is_never_found(client: httpx.AsyncClient, app) -> None:
    room = await create_room(client, title="Rota gaps", problem="Too few nurses at night.")
    card_id = await card(client, room, "The agency charged a fortune for zebras")
    assert len(found(app, "zebras")) == 1
    response = await client.patch(
        f"{API}/workshops/{room.id}/cards/{card_id}",
        json={"hidden": True},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200, response.text
    assert found(app, "zebras") == []
    assert found(app, "fortune") == []


async def test_a_private_card_is_found_only_once_revealed(client: httpx.AsyncClient, app) -> None:
    room = await create_room(client, title="Hand hygiene", problem="Audits keep failing.")
    await move(client, room, "analysis")
    headers = room.facilitator.headers
    response = await client.put(
        f"{API}/workshops/{room.id}/private-writing",
        json={"private_writing": True},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    visitor = await _visitor(client, room)
    written = await add_card(client, room, visitor, "option", "Gel dispensers at every doorway")
    assert written.status_code == 201, written.text
    assert found(app, "dispensers") == []
    response = await client.put(
        f"{API}/workshops/{room.id}/private-writing",
        json={"private_writing": False},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert [h.workshop_id for h in found(app, "dispensers")] == [room.id]


async def _visitor(client: httpx.AsyncClient, room: Room):  # type: ignore[no-untyped-def]
    from tests.factories import join

    return await join(client, room, "visitor", "Vera")


async def test_visibility_is_the_callers_condition(client: httpx.AsyncClient, app) -> None:
    mine = await create_room(client, title="Sepsis screening", problem="Missed sepsis.")
    other = await create_room(client, title="Sepsis bundles", problem="Slow antibiotics.")
    only_mine = Workshop.__table__.c.id.in_([mine.id])
    assert [h.workshop_id for h in found(app, "sepsis", visible=only_mine)] == [mine.id]
    assert {h.workshop_id for h in found(app, "sepsis")} == {mine.id, other.id}


@pytest.mark.parametrize(
    "typed", ['"', "NEAR(", "-", "or", "AND OR NOT", "title:", "*", '"unclosed phrase', "a''b"]
)
async def test_odd_input_never_errors(client: httpx.AsyncClient, app, typed: str) -> None:
    await create_room(client, title="Anything", problem="At all.")
    assert isinstance(found(app, typed), list)


async def test_a_peer_assist_matches_as_a_whole_across_its_cards(
    client: httpx.AsyncClient, app
) -> None:
    # Each card is indexed by itself; the query still asks the peer assist as one text.
    room = await create_room(client, title="Night falls", problem="Patients fall at night.")
    await card(client, room, "Low beds with floor mats")
    await card(client, room, "Sensor pads under the mattress")
    other = await create_room(client, title="Night staffing", problem="Too few porters.")
    await card(client, other, "Floor mats in the day room")
    assert [h.workshop_id for h in found(app, "falls mats")] == [room.id]
    assert [h.workshop_id for h in found(app, "mats sensor")] == [room.id]
    assert {h.workshop_id for h in found(app, "mats")} == {room.id, other.id}
    # An excluded word in any one of its cards leaves the whole peer assist out.
    assert [h.workshop_id for h in found(app, "mats -sensor")] == [other.id]
    assert [h.workshop_id for h in found(app, "night -porters")] == [room.id]


async def test_a_nul_in_the_query_is_a_space_on_both_engines(
    client: httpx.AsyncClient, app
) -> None:
    """PostgreSQL refuses a NUL anywhere in a statement: `GET /workshops?q=a%00b` answered
    422 "a value that cannot be stored" there, and searched on SQLite."""
    room = await create_room(client, title="Theatre lists", problem="Lists overrun.")
    assert [h.workshop_id for h in found(app, "theatre\x00lists")] == [room.id]
    listed = await client.get(f"{API}/workshops", params={"q": "theatre\x00"}, headers=admin())
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [room.id]
