"""The app's JSON answers, encoded as its event frames are (app/compact_json.py).

An answer holds what people typed, and htmx reads every answer as HTML before it decides
what to swap (out-of-band swaps), whichever element asked and whatever it asked to swap: a
name written as markup reached the facilitator's page that way. So `<`, `>` and `&` go out as
`\\u003c`, `\\u003e` and `\\u0026`. In JSON they can only stand inside strings, where the
escape means the same character: every client parses the same values, and no answer holds a
tag. (The page also never swaps a JSON answer, app.js; this covers what that cannot see, an
answer to an element that a live frame replaced meanwhile.)
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse as _StarletteJSON

from ..compact_json import encode


class JSONResponse(_StarletteJSON):
    def render(self, content: Any) -> bytes:
        return inert(encode(content))


def inert(body: bytes) -> bytes:
    """JSON text with no character that HTML reads as markup."""
    return body.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
