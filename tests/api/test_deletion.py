"""Deleting a peer assist (API.md): 204, then nothing of it anywhere, and every route 404.

Each test runs on SQLite and on PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from app.search.schema import INDEX_TABLE
from app.security import hash_secret
from tests.api.busy_room import build_busy_room
from tests.api.helpers import assert_error, db_of, url
from tests.factories import API, admin, create_room, delete_workshop_as_owner, join

Rows = dict[str, list[dict[str, Any]]]


def every_row(application: Any) -> Rows:
    """Every row of every table in the database: the models' tables, and the others (the
    search index's, which the models do not declare)."""
    engine = db_of(application).engine
    present = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    assert present >= set(SQLModel.metadata.tables)
    others = sa.MetaData()
    others.reflect(bind=engine, only=sorted(present - set(SQLModel.metadata.tables)))
    rows: Rows = {}
    with engine.connect() as conn:
        for table in [*SQLModel.metadata.sorted_tables, *others.sorted_tables]:
            rows[table.name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]
    return rows


def found_in_search(application: Any, word: str) -> int:
    """How many documents the search index matches for a word, on either engine."""
    engine = db_of(application).engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = f"SELECT count(*) FROM {INDEX_TABLE} WHERE {INDEX_TABLE} MATCH :w"
        else:
            query = (
                f"SELECT count(*) FROM {INDEX_TABLE} "
                "WHERE document @@ plainto_tsquery('english', :w)"
            )
        return int(conn.execute(sa.text(query), {"w": word}).scalar_one())


def cell_text(value: Any) -> str:
    return json.dumps(value, default=str) if not isinstance(value, str) else value


def ids_by_table(rows: Rows, workshop_id: str) -> dict[str, set[Any]]:
    """The primary keys of the rows of this workshop, found through the foreign keys."""
    found: dict[str, set[Any]] = {"workshop": {workshop_id}}
    for table in SQLModel.metadata.sorted_tables:
        pk = [c.name for c in table.primary_key.columns]
        for row in rows[table.name]:
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if row[fk.parent.name] is not None and row[fk.parent.name] in found.get(
                    target, set()
                ):
                    key = row[pk[0]] if len(pk) == 1 else tuple(row[c] for c in pk)
                    found.setdefault(table.name, set()).add(key)
    return found


def refers_to(rows: Rows, workshop_id: str, ids: dict[str, set[Any]], words: set[str]) -> list:
    """Every cell, anywhere, that still points at the workshop or holds one of its words."""
    left = []
    for table in SQLModel.metadata.sorted_tables:
        pk = [c.name for c in table.primary_key.columns]
        for row in rows[table.name]:
            key = row[pk[0]] if len(pk) == 1 else tuple(row[c] for c in pk)
            if key in ids.get(table.name, set()):
                left.append((table.name, key, "the row itself"))
            for fk in table.foreign_keys:
                if row[fk.parent.name] in ids.get(fk.column.table.name, set()):
                    left.append((table.name, key, fk.parent.name))
            for column, value in row.items():
                text = cell_text(value)
                if workshop_id in text or any(word in text for word in words):
                    left.append((table.name, key, column))
    for name in set(rows) - set(SQLModel.metadata.tables):
        for row in rows[name]:
            text = cell_text(row)
            if workshop_id in text or any(word in text for word in words):
                left.append((name, None, "a cell"))
    return left


@pytest.mark.postgres
async def test_deleting_leaves_no_row_anywhere_that_refers_to_it(
    app: Any, client: httpx.AsyncClient
) -> None:
    doomed = await build_busy_room(client, "DOOMED")
    kept = await build_busy_room(client, "KEPT")
    before = every_row(app)
    doomed_ids = ids_by_table(before, doomed.room.id)
    kept_ids = ids_by_table(before, kept.room.id)
    # The busy room touched every table that holds a workshop's rows, so the walk means
    # something: each has rows of both workshops.
    for table in ("participant", "invite", "knock", "card", "vote", "action", "commitment"):
        assert doomed_ids.get(table) and kept_ids.get(table), table
    for table in ("event", "idempotent_response", "feedback", "share_link", "review"):
        assert doomed_ids.get(table) and kept_ids.get(table), table
    for table in ("report_back", "reminder_address"):
        assert doomed_ids.get(table) and kept_ids.get(table), table
    secrets = {hash_secret(p.token) for p in doomed.people.values()}
    secrets |= {hash_secret(doomed.room.facilitator.token)}
    secrets |= {hash_secret(i["code"]) for i in doomed.room.invites.values()}
    words = {"DOOMED", "doomed.hana", *secrets}
    assert refers_to(before, doomed.room.id, doomed_ids, words)  # the check can see it

    searchable_before = found_in_search(app, "DOOMED")
    response = await delete_workshop_as_owner(client, doomed.room)
    assert response.status_code == 204, response.text
    assert response.content == b""

    after = every_row(app)
    assert refers_to(after, doomed.room.id, doomed_ids, words) == []
    # The search index holds words, not rows: ask it.
    assert found_in_search(app, "DOOMED") == 0 and found_in_search(app, "KEPT") > 0
    print(f"\nsearch index: {searchable_before} document(s) of it before, none after")
    # The other workshop lost nothing.
    assert ids_by_table(after, kept.room.id) == kept_ids
    for table in SQLModel.metadata.sorted_tables:
        mine = [r for r in before[table.name] if "KEPT" in cell_text(r) or kept.room.id in str(r)]
        still = [r for r in after[table.name] if "KEPT" in cell_text(r) or kept.room.id in str(r)]
        assert still == mine, table.name
    state = await client.get(url(kept.room), headers=kept.room.facilitator.headers)
    assert state.status_code == 200 and len(state.json()["cards"]) == len(kept.card_ids)


def _filled(path: str, workshop_id: str) -> str:
    """A path with every parameter filled in: the workshop's id, and plausible others."""
    words = {"workshop_id": workshop_id, "role": "visitor", "fmt": "csv"}
    return re.sub(r"{(\w+)}", lambda m: words.get(m.group(1), "1"), path)


@pytest.mark.postgres
async def test_afterwards_every_route_of_it_answers_404(
    app: Any, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    codes = {role: invite["code"] for role, invite in room.invites.items()}
    room_code = room.created["workshop"]["room_code"]
    assert (await delete_workshop_as_owner(client, room)).status_code == 204

    routes = [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(f"{API}/workshops/{{workshop_id}}") and not path.endswith("/events")
        for method in operations
    ]
    assert len(routes) >= 20
    # Its own tokens, nobody's, an account's; and a peer assist that never was, the same.
    credentials = [room.facilitator.headers, visitor.headers, {}, admin()]
    for workshop_id in (room.id, "NeverWasAnyRoom0"):
        for headers in credentials:
            for method, path in routes:
                target = _filled(path, workshop_id)
                body = None if method in ("GET", "DELETE") else {}
                response = await client.request(method, target, json=body, headers=headers)
                assert response.status_code == 404, (method, target, headers, response.text)
            for page in ("", "/board", "/print", "/record", "/open", "/before", "/follow-up"):
                response = await client.get(f"/w/{workshop_id}{page}", headers=headers)
                assert response.status_code == 404, (page, headers, response.status_code)
    for code in codes.values():
        joined = await client.post(
            f"{API}/join/{code}", json={"name": "Late", "accept_ground_rules": True}
        )
        assert_error(joined, 404)
    for page in (f"/w/{room.id}", f"/w/{room.id}/board", f"/w/{room.id}/print"):
        response = await client.get(page, headers=room.facilitator.headers)
        assert response.status_code == 404, page
        # People come by a link: the page says what may have happened, in their words.
        assert "it may have been deleted" in response.text, page
        assert "with that id" not in response.text, page
    assert (await client.get(f"/r/{room_code}")).status_code == 404
    assert (await client.get(f"/j/{codes['visitor']}")).status_code == 404


@pytest.mark.postgres
async def test_only_its_owner_may_delete_it(app: Any, client: httpx.AsyncClient) -> None:
    room, other = await create_room(client), await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    assert_error(await client.delete(url(room)), 401)
    assert_error(await client.delete(url(room), headers=visitor.headers), 403)
    assert_error(await client.delete(url(room), headers=other.facilitator.headers), 403)
    assert (await client.get(url(room), headers=visitor.headers)).status_code == 200
    assert (await delete_workshop_as_owner(client, room)).status_code == 204
    assert_error(await delete_workshop_as_owner(client, room), 404)
    assert (await client.get(url(other), headers=other.facilitator.headers)).status_code == 200
