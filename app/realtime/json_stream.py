"""Frames of the public JSON event stream."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime

from ..compact_json import dumps
from ..domain.events import spec
from ..domain.rules import Actor


class JsonRenderer:
    name = "json"

    def key(self, event: dict, viewer: Actor) -> Hashable:
        return spec(event["type"]).audience(event["data"], viewer)

    def render(self, event: dict, viewer: Actor) -> str:
        return dumps(
            {
                "seq": event["seq"],
                "type": event["type"],
                "at": event["at"],
                "data": spec(event["type"]).view(event["data"], viewer),
            }
        )

    def render_presence(self, presence: dict) -> str:
        # Presence is not a write: it has no seq and is never replayed.
        return dumps(
            {
                "seq": None,
                "type": "presence.changed",
                "at": datetime.now(UTC).isoformat(),
                "data": presence,
            }
        )

    def render_snapshot(self, state: dict) -> str:
        return dumps({"type": "snapshot", "seq": state["seq"], "data": state})
