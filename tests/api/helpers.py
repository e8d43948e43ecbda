"""Helpers shared by the API tests: short request wrappers and direct looks at the database."""

from __future__ import annotations

import re
from typing import Any

import httpx
import sqlalchemy as sa

from tests.factories import API, Person, Room

ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The response is an error with exactly `{"detail": <sentence>, "code": <machine code>}`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"detail", "code"}, body
    assert isinstance(body["detail"], str) and len(body["detail"].strip()) >= 8, body
    assert isinstance(body["code"], str) and ERROR_CODE.match(body["code"]), body
    if code is not None:
        assert body["code"] == code, body
    return body


def pick(data: dict, *keys: str) -> dict:
    """The named keys of a body (the app may send more than the contract names)."""
    return {key: data.get(key, "<missing>") for key in keys}


def mute_of(data: dict) -> dict:
    return pick(data, "host_team_muted", "speakers")


def vote_of(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return pick(response.json(), "card_id", "votes", "votes_left")


def url(room: Room | str, suffix: str = "") -> str:
    workshop_id = room if isinstance(room, str) else room.id
    return f"{API}/workshops/{workshop_id}{suffix}"


async def timer(
    client: httpx.AsyncClient, room: Room, who: Person, action: str, seconds: int | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"action": action}
    if seconds is not None:
        body["seconds"] = seconds
    return await client.post(url(room, "/timer"), json=body, headers=who.headers)


async def set_mute(
    client: httpx.AsyncClient,
    room: Room,
    who: Person,
    muted: bool,
    speakers: list[int] | None = None,
) -> httpx.Response:
    return await client.put(
        url(room, "/mute"),
        json={"host_team_muted": muted, "speakers": speakers or []},
        headers=who.headers,
    )


async def vote(client: httpx.AsyncClient, room: Room, who: Person, card_id: int) -> httpx.Response:
    return await client.post(url(room, f"/cards/{card_id}/vote"), headers=who.headers)


async def unvote(
    client: httpx.AsyncClient, room: Room, who: Person, card_id: int
) -> httpx.Response:
    return await client.delete(url(room, f"/cards/{card_id}/vote"), headers=who.headers)


async def add_action(
    client: httpx.AsyncClient, room: Room, who: Person, title: str, **extra: object
) -> httpx.Response:
    return await client.post(
        url(room, "/actions"), json={"title": title, **extra}, headers=who.headers
    )


async def card_id(
    client: httpx.AsyncClient, room: Room, who: Person, kind: str, text: str, **extra: object
) -> int:
    response = await client.post(
        url(room, "/cards"), json={"kind": kind, "text": text, **extra}, headers=who.headers
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def seq_of(client: httpx.AsyncClient, room: Room) -> int:
    response = await client.get(url(room), headers=room.facilitator.headers)
    assert response.status_code == 200, response.text
    return response.json()["seq"]


def db_of(application: Any) -> Any:
    return application.state.services.db


def event_types(application: Any, workshop_id: str) -> list[tuple[int, str]]:
    """(seq, type) of every event the workshop has stored, in order."""
    with db_of(application).engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT seq, type FROM event WHERE workshop_id = :w ORDER BY seq"),
            {"w": workshop_id},
        )
        return [(int(seq), str(kind)) for seq, kind in rows]


def count_rows(application: Any, table: str, **where: object) -> int:
    clauses = " AND ".join(f"{column} = :{column}" for column in where) or "1 = 1"
    with db_of(application).engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE {clauses}"), where
            ).scalar_one()
        )


def dump_tables(application: Any, only: tuple[str, ...] | None = None) -> dict[str, str]:
    """Every table in the database, rendered as text, to search for secrets."""
    dumped: dict[str, str] = {}
    with db_of(application).engine.connect() as conn:
        tables = sa.MetaData()
        tables.reflect(bind=conn)
        for table in tables.sorted_tables:
            if only is not None and table.name not in only:
                continue
            rows = conn.execute(sa.select(table)).all()
            dumped[table.name] = "\n".join(repr(tuple(row)) for row in rows)
    return dumped


async def co_facilitator_link(client: httpx.AsyncClient, room: Any) -> str:
    """The console's co-facilitator code, as the page shows it."""
    page = (await client.get(f"/w/{room.id}", headers=room.facilitator.headers)).text
    marker = 'aria-label="Co-facilitator invite link"'
    assert marker in page
    before = page[: page.index(marker)]
    return before[before.rindex('value="') + 7 :].split('"')[0].rsplit("/j/", 1)[1]


async def join_with(client: httpx.AsyncClient, code: str, name: str) -> httpx.Response:
    return await client.post(f"{API}/join/{code}", json={"name": name, "accept_ground_rules": True})
