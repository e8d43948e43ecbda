"""What the routes really answer is what /openapi.json says: dates stored long ago, who needs
a token, and the exports' media types (test_openapi.py reads the document alone)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest
import sqlalchemy as sa

from app.web import openapi
from tests.api.helpers import add_action, db_of, url
from tests.factories import create_room, join, move

LONG_AGO = date(2001, 2, 3)


def validator(spec: dict, schema: dict) -> Any:
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


def answer_schema(spec: dict, path: str, method: str, status: str, media: str) -> dict:
    return spec["paths"][path][method]["responses"][status]["content"][media]["schema"]


async def test_a_state_with_dates_long_past_is_what_the_document_describes(
    client: httpx.AsyncClient,
) -> None:
    """Time passes: a decision date, a report-back date and a due date stored when they were
    ahead are in the past now, and the state holding them must still fit StateOut."""
    room = await create_room(client)
    await join(client, room, "host", "Hana Host")
    await move(client, room, "commitment")
    fac = room.facilitator.headers
    ahead = (datetime.now(UTC).date() + timedelta(days=40)).isoformat()
    put = await client.put(url(room, "/commitment"), json={"report_back_by": ahead}, headers=fac)
    assert put.status_code == 200, put.text
    assert (
        await add_action(client, room, room.facilitator, "x", due_date=ahead)
    ).status_code == 201
    with db_of(client._transport.app).engine.begin() as conn:  # type: ignore[attr-defined]
        for table, field in (
            ("workshop", "decision_date"),
            ("commitment", "report_back_by"),
            ("action", "due_date"),
        ):
            key = "id" if table == "workshop" else "workshop_id"
            conn.execute(
                sa.text(f"UPDATE {table} SET {field} = :d WHERE {key} = :w"),
                {"d": LONG_AGO, "w": room.id},
            )
    spec = (await client.get("/openapi.json")).json()
    state = (await client.get(url(room), headers=fac)).json()
    assert state["workshop"]["decision_date"] == LONG_AGO.isoformat()
    assert state["commitment"]["report_back_by"] == LONG_AGO.isoformat()
    schema = answer_schema(
        spec, "/api/v1/workshops/{workshop_id}", "get", "200", "application/json"
    )
    errors = [e.message for e in validator(spec, schema).iter_errors(state)]
    assert not errors, errors


async def test_the_days_a_request_takes_follow_the_calendar(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's pattern is today's, not the day the server started: on a later day the
    document is built again with that day's window."""
    today = datetime.now(UTC).date()
    first = (await client.get("/openapi.json")).json()
    later = today + timedelta(days=3)
    real = openapi.date_patterns
    monkeypatch.setattr(openapi, "date_patterns", lambda: real(later))
    second = (await client.get("/openapi.json")).json()
    for spec, takes_today in ((first, True), (second, False)):
        prop = spec["components"]["schemas"]["CommitmentSet"]["properties"]["report_back_by"]
        assert bool(re.fullmatch(prop["pattern"], today.isoformat())) is takes_today
        assert re.fullmatch(prop["pattern"], later.isoformat())


def _filled(path: str, room_id: str, code: str) -> str:
    values = {"workshop_id": room_id, "code": code, "fmt": "csv", "role": "projector"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


async def test_every_route_that_wants_a_token_declares_it(client: httpx.AsyncClient) -> None:
    """Asked without credentials, a route that answers 401 declares bearer security, and a
    route that declares it answers 401; join and the websocket's description ask for none."""
    room = await create_room(client)
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    client.cookies.clear()
    wrong, open_routes = [], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            target = _filled(path, room.id, room.invites["visitor"]["code"])
            body = {} if "requestBody" in operation else None
            answer = await client.request(method, target, json=body)
            declared = operation.get("security") == [{"bearer": []}]
            if (answer.status_code == 401) is not declared:
                wrong.append(f"{method.upper()} {path}: {answer.status_code}, declared {declared}")
            if not declared:
                open_routes.append(f"{method.upper()} {path}")
    assert not wrong, wrong
    assert sorted(open_routes) == [
        "GET /api/v1/workshops/{workshop_id}/events",
        "POST /api/v1/join/{code}",
    ]


async def test_the_exports_answer_the_media_types_they_document(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    await move(client, room, "commitment")
    spec = (await client.get("/openapi.json")).json()
    for name in ("actions", "record"):
        path = f"/api/v1/workshops/{{workshop_id}}/{name}.{{fmt}}"
        operation = spec["paths"][path]["get"]
        content = operation["responses"]["200"]["content"]
        formats = next(p for p in operation["parameters"] if p["name"] == "fmt")["schema"]["enum"]
        answered = set()
        for fmt in formats:
            response = await client.get(
                url(room, f"/{name}.{fmt}"), headers=room.facilitator.headers
            )
            assert response.status_code == 200, (name, fmt, response.text)
            media = response.headers["content-type"]
            assert media in content, (name, fmt, media, sorted(content))
            answered.add(media)
            if media == "application/json":
                errors = [
                    e.message
                    for e in validator(spec, content[media]["schema"]).iter_errors(response.json())
                ]
                assert not errors, (name, errors)
        assert answered == set(content), name
