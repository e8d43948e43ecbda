"""What the routes really answer is what /openapi.json says: the exports' media types
(test_openapi.py reads the document alone)."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs

from tests.api.helpers import url
from tests.factories import create_room, move


def validator(spec: dict, schema: dict) -> Any:
    return jsonschema_rs.validator_for({**schema, "components": spec["components"]})


def answer_schema(spec: dict, path: str, method: str, status: str, media: str) -> dict:
    return spec["paths"][path][method]["responses"][status]["content"][media]["schema"]


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
