"""A new card's words are appended to its peer assist's search text, never rebuilt from the
whole board on every write; what is stored is exactly what a rebuild gives."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from app.search.documents import texts
from tests.api.helpers import db_of
from tests.factories import add_card, create_room, join, move


async def test_appended_cards_read_as_a_rebuild_would(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    await move(client, room, "context")
    for words in ("Who books transport?", "What happens at weekends?"):
        assert (await add_card(client, room, vera, "question", words)).status_code == 201
    await move(client, room, "reflection")
    assert (await add_card(client, room, vera, "takeaway", "Book at admission")).status_code == 201
    engine = db_of(client._transport.app).engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT cards, takeaways FROM search_text WHERE workshop_id = :w"),
            {"w": room.id},
        ).one()
        rebuilt = texts(conn, [room.id])[0]
    assert stored.cards == rebuilt["cards"] == "Who books transport?\n\nWhat happens at weekends?"
    assert stored.takeaways == rebuilt["takeaways"] == "Book at admission"
