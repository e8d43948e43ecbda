"""JSON as the app sends it: compact, UTF-8, by pydantic_core's encoder.

Every card is encoded several times on its way out (the answer, the broker's message, a frame
per audience), and the standard library's encoder took about a twentieth of a card's
instructions (bench/README.md). pydantic_core's, which FastAPI already brings, writes the same
text for the plain dicts, lists, strings, numbers, booleans and None these are made of, about
four times faster. A NaN or an infinity, which JSON cannot carry, is written as null.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json


def encode(value: Any) -> bytes:
    """`value` as compact JSON in UTF-8, as json.dumps(separators=(",", ":"),
    ensure_ascii=False) would write it."""
    return to_json(value, inf_nan_mode="null")


def dumps(value: Any) -> str:
    return to_json(value, inf_nan_mode="null").decode()
