"""Snapshots at one seq share one read of the board; any write makes the next one fresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import sqlalchemy as sa

from app.actions.state import Boards
from tests.factories import add_card, create_room, join, move, state


@contextmanager
def card_reads(app: object) -> Iterator[list[str]]:
    """The SELECTs on the card table run meanwhile."""
    engine = app.state.services.db.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and " card" in statement.lower():
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


async def test_one_board_read_serves_everyone_at_one_seq(
    app: object, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    hana = await join(client, room, "host", "Hana")
    await move(client, room, "context")
    assert (await add_card(client, room, hana, "context", "Beds free up after noon")).is_success
    first = await state(client, room, vera)
    with card_reads(app) as reads:
        again = [await state(client, room, who) for who in (vera, hana, room.facilitator)]
    assert reads == []  # the cards came from the shared board
    assert again[0] == first
    assert [s["me"]["id"] for s in again] == [vera.id, hana.id, room.facilitator.id]
    assert all(s["cards"][0]["text"] == "Beds free up after noon" for s in again)

    question = "Who books the transport?"
    assert (await add_card(client, room, vera, "question", question)).is_success
    with card_reads(app) as reads:
        after = await state(client, room, hana)
    assert reads  # a new seq, a new read
    assert [c["text"] for c in after["cards"]] == ["Beds free up after noon", question]
    assert after["seq"] == first["seq"] + 1


async def test_a_joiner_is_in_the_next_snapshot(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    before = await state(client, room, vera)
    walt = await join(client, room, "visitor", "Walt")
    now = await state(client, room, walt)  # would fail to find "me" on a stale board
    assert now["me"]["name"] == "Walt"
    assert {p["name"] for p in now["participants"]} == {
        p["name"] for p in before["participants"]
    } | {"Walt"}


def test_an_older_board_never_replaces_a_newer_one() -> None:
    boards = Boards(size=2)
    boards.put("w1", 5, {"seq": 5})
    boards.put("w1", 4, {"seq": 4})  # a slow reader finishing late
    assert boards.get("w1", 5) == {"seq": 5} and boards.get("w1", 4) is None
    boards.put("w2", 1, {"seq": 1})
    boards.put("w3", 1, {"seq": 1})  # full: the board written longest ago goes
    assert boards.get("w1", 5) is None and boards.get("w3", 1) == {"seq": 1}
