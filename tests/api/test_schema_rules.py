"""What the schema says is what the server takes: strict booleans and numbers, no blank
strings, dates in range, and an Allow header that names every method of an address."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import API, admin, create_room, join, move, workshop_body


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/mute", "host_team_muted"),
        ("/private-writing", "private_writing"),
        ("/lobby", "auto_admit"),
    ],
)
async def test_booleans_are_strict(client: httpx.AsyncClient, path: str, field: str) -> None:
    room = await create_room(client)
    for value in (0, 1, "true", "false", None):
        response = await client.put(
            f"{API}/workshops/{room.id}{path}",
            json={field: value},
            headers=room.facilitator.headers,
        )
        assert response.status_code == 422, (value, response.text)
    response = await client.put(
        f"{API}/workshops/{room.id}{path}", json={field: True}, headers=room.facilitator.headers
    )
    assert response.status_code == 200


async def test_numbers_are_whole_numbers_not_strings(client: httpx.AsyncClient) -> None:
    for value in ("120", True, 120.5):
        response = await client.post(
            f"{API}/workshops", json=workshop_body(duration_minutes=value), headers=admin()
        )
        assert response.status_code == 422, value
    response = await client.post(
        f"{API}/workshops", json=workshop_body(duration_minutes=120.0), headers=admin()
    )
    assert response.status_code == 201


async def test_blank_strings_are_refused_and_the_schema_says_so(
    client: httpx.AsyncClient,
) -> None:
    for blank in ("", "   ", "\t\n", "\u2003"):
        response = await client.post(
            f"{API}/workshops", json=workshop_body(title=blank), headers=admin()
        )
        assert response.status_code == 422, repr(blank)
    schema = (await client.get("/openapi.json")).json()
    title = schema["components"]["schemas"]["WorkshopCreate"]["properties"]["title"]
    assert title["minLength"] == 1 and "pattern" in title


async def test_dates_out_of_range_are_refused_and_the_schema_says_which(
    client: httpx.AsyncClient,
) -> None:
    for day in ("9999-12-31", "1990-01-01", "2026-02-30", "20270105", 1767225600):
        response = await client.post(
            f"{API}/workshops", json=workshop_body(decision_date=day), headers=admin()
        )
        assert response.status_code == 422, day
        assert response.json()["detail"].endswith(".")
    schema = (await client.get("/openapi.json")).json()
    props = schema["components"]["schemas"]["CommitmentSet"]["properties"]
    assert props["report_back_by"]["pattern"].startswith("^(?:")


async def test_unparseable_json_and_a_reused_key_are_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "post":
                assert {"400", "409"} <= set(operation["responses"]), (method, path)
    room = await create_room(client)
    url = f"{API}/workshops/{room.id}/cards"
    body = {"kind": "context", "text": "Context"}
    headers = {**room.facilitator.headers, "Idempotency-Key": "k1"}
    assert (await client.post(url, json=body, headers=headers)).status_code == 201
    reused = await client.post(url, json={**body, "text": "Other"}, headers=headers)
    assert reused.status_code == 409
    blank_key = await client.post(url, json=body, headers={**headers, "Idempotency-Key": " "})
    assert blank_key.status_code == 400


async def test_a_405_names_every_method_of_the_address(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    await move(client, room, "context")
    url = f"{API}/workshops/{room.id}/cards/1/vote"
    for method in ("OPTIONS", "PUT", "GET"):
        response = await client.request(method, url, headers=visitor.headers)
        assert response.status_code == 405
        assert response.headers["Allow"] == "DELETE, POST"
    response = await client.request("OPTIONS", f"{API}/workshops/{room.id}/cards")
    assert response.headers["Allow"] == "POST"
