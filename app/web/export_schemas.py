"""What the downloads' answers hold, for /openapi.json: each media type a route answers with
its schema. The JSON shapes follow the renderers (app/exports/json_export.py for the action
list, app/exports/record.py for the record), whose field lists they reuse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..exports.json_export import ACTION_FIELDS, WORKSHOP_FIELDS

OBJECT: dict[str, Any] = {"type": "object"}
NULLABLE_OBJECT: dict[str, Any] = {"type": ["object", "null"]}


def _objects(*required: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "object", "required": list(required)}}


ACTIONS_JSON: dict[str, Any] = {
    "type": "object",
    "required": ["workshop", "commitment", "actions", "themes"],
    "properties": {
        "workshop": {**OBJECT, "required": list(WORKSHOP_FIELDS)},
        "commitment": {
            **NULLABLE_OBJECT,
            "required": ["report_back_by", "note", "set_at", "set_by"],
        },
        "actions": _objects(*ACTION_FIELDS, "linked_cards", "themes"),
        "themes": _objects("name", "votes", "card_ids"),
    },
}

RECORD_JSON: dict[str, Any] = {
    "type": "object",
    "required": ["workshop", "report_back", "participants", "sections", "appendix"],
    "properties": {
        "workshop": {
            **OBJECT,
            "required": ["id", "title", "facilitator_name", "held_on", "met", "decision_date"],
        },
        "report_back": {**OBJECT, "required": ["by", "note", "status", "status_label"]},
        "participants": {"type": "array"},
        "sections": _objects("id", "title"),
        "appendix": {**OBJECT, "required": ["id", "title", "feedback", "words_shown"]},
    },
}


def file_content(media_types: Iterable[str], json_schema: dict[str, Any]) -> dict[str, Any]:
    """A download's 200 content: text as a string, JSON by its schema, Office files as
    bytes."""
    content: dict[str, Any] = {}
    for media in media_types:
        if media == "application/json":
            content[media] = {"schema": json_schema}
        elif media.startswith("text/"):
            content[media] = {"schema": {"type": "string"}}
        else:
            content[media] = {"schema": {"type": "string", "format": "binary"}}
    return content
