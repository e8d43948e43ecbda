"""Each card has a search row of its own, written with the card: a new card never rewrites its
peer assist's whole text, and what the writes leave is exactly what a rebuild gives."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from app.search.documents import card_rows, workshop_rows
from tests.api.helpers import db_of
from tests.factories import API, add_card, create_room, join, move

ROWS = sa.text(
    "SELECT id, card_id, title, cards, takeaways FROM search_text"
    " WHERE workshop_id = :w ORDER BY card_id IS NOT NULL, card_id"
)


async def test_card_rows_read_as_a_rebuild_would(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    await move(client, room, "context")
    ids = []
    for words in ("Who books transport?", "What happens at weekends?"):
        response = await add_card(client, room, vera, "question", words)
        assert response.status_code == 201
        ids.append(response.json()["id"])
    engine = db_of(client._transport.app).engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        head_before = conn.execute(ROWS, {"w": room.id}).all()[0]
    await move(client, room, "reflection")
    assert (await add_card(client, room, vera, "takeaway", "Book at admission")).status_code == 201
    hidden = await client.patch(
        f"{API}/workshops/{room.id}/cards/{ids[1]}",
        json={"hidden": True},
        headers=room.facilitator.headers,
    )
    assert hidden.status_code == 200, hidden.text
    with engine.connect() as conn:
        stored = conn.execute(ROWS, {"w": room.id}).all()
        rebuilt = workshop_rows(conn, [room.id]) + card_rows(conn, [room.id])
    # The peer assist's own row was left alone by the cards written since.
    assert stored[0] == head_before and stored[0].card_id is None
    assert [(r.card_id, r.cards, r.takeaways) for r in stored] == [
        (r["card_id"], r["cards"], r["takeaways"]) for r in rebuilt
    ]
    assert [(r.cards, r.takeaways) for r in stored[1:]] == [
        ("Who books transport?", ""),
        ("", "Book at admission"),
    ]
