"""An id past what a database can hold, in any route's path: a 4xx that says so, never a 500.

SQLite cannot bind an integer past 2**63 and PostgreSQL's columns stop at 2**31 or 2**63; a
route that handed such an id to the database answered 500 on one engine and 422 on the other.
"""

from __future__ import annotations

import re

import httpx

from tests.factories import admin, create_room, join

TOO_BIG = "99999999999999999999"


def _routes_with_ids(app: object) -> list[tuple[str, str, list[str]]]:
    """(method, path, its integer parameters) of every documented route with an id in its
    path, read off the OpenAPI document (the routes as API.md lists them)."""
    found = []
    for path, operations in app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, operation in operations.items():
            ints = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "path" and p["schema"].get("type") == "integer"
            ]
            if ints:
                found.append((method.upper(), path, ints))
    return found


async def test_an_id_too_big_for_the_database_is_refused_not_a_crash(
    raw_client: httpx.AsyncClient, app: object
) -> None:
    client = raw_client  # a crash answers 500 here, as a server would, and the test goes on
    room = await create_room(client)
    routes = _routes_with_ids(app)
    assert any("account_id" in ints for _, _, ints in routes)  # the test reaches accounts too
    crashed = []
    for method, path, ints in routes:
        concrete = path.replace("{workshop_id}", room.id)
        for name in ints:
            concrete = concrete.replace(f"{{{name}}}", TOO_BIG)
        concrete = re.sub(r"\{[^}]+\}", "x", concrete)
        for headers in (admin(), room.facilitator.headers):
            body = {} if method in {"POST", "PUT", "PATCH"} else None
            answer = await client.request(method, concrete, json=body, headers=headers)
            if answer.status_code >= 500 or not answer.headers.get("content-type", "").startswith(
                "application/json"
            ):
                crashed.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
    assert crashed == [], "\n".join(crashed)


async def test_an_id_that_is_not_a_number_answers_as_an_unknown_one_does(
    raw_client: httpx.AsyncClient, app: object
) -> None:
    """API.md: an unknown card answers 404. `abc` names no card (nor any action, theme,
    participant, account, token or template) any more than 999999 does: every route answers
    both alike, whoever asks, the caller checked first as ever."""
    client = raw_client
    room = await create_room(client)
    other = await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    callers = {
        "nobody": {},
        "admin": admin(),
        "facilitator": room.facilitator.headers,
        "visitor": visitor.headers,
        "another room's facilitator": other.facilitator.headers,
    }
    differ = []
    for method, path, ints in _routes_with_ids(app):
        concrete = path.replace("{workshop_id}", room.id)
        concrete = re.sub(r"\{(?!(" + "|".join(ints) + r")\})[^}]+\}", "x", concrete)
        for who, headers in callers.items():
            answers = []
            for value in ("abc", "999999"):
                there = concrete
                for name in ints:
                    there = there.replace(f"{{{name}}}", value)
                body = {} if method in {"POST", "PUT", "PATCH"} else None
                answer = await client.request(method, there, json=body, headers=headers)
                code = (
                    answer.json().get("code")
                    if answer.headers.get("content-type", "").startswith("application/json")
                    else None
                )
                answers.append((answer.status_code, code))
            if answers[0] != answers[1]:
                differ.append(f"{method} {path} as {who}: abc {answers[0]}, 999999 {answers[1]}")
    assert differ == [], "\n".join(differ)


async def test_a_vote_on_card_abc_is_card_not_found(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    visitor = await join(client, room, "visitor", "Vera")
    for method, path, body, code in (
        ("POST", f"/api/v1/workshops/{room.id}/cards/abc/vote", None, "card_not_found"),
        ("PATCH", f"/api/v1/workshops/{room.id}/cards/abc", {"text": "x"}, "card_not_found"),
    ):
        answer = await client.request(method, path, json=body, headers=visitor.headers)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["code"] == code
    gone = await client.delete(
        f"/api/v1/workshops/{room.id}/participants/abc", headers=room.facilitator.headers
    )
    assert gone.status_code == 404 and gone.json()["code"] == "participant_not_found"
    # Without a token it is still "join first": the id is not looked at before the caller.
    anonymous = await client.post(f"/api/v1/workshops/{room.id}/cards/abc/vote")
    assert anonymous.status_code == 401
