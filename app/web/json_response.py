"""The app's JSON answers, encoded as its event frames are (app/compact_json.py)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse as _StarletteJSON

from ..compact_json import encode


class JSONResponse(_StarletteJSON):
    def render(self, content: Any) -> bytes:
        return encode(content)
