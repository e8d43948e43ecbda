"""The app's JSON encoder writes what the standard library would, for what the app sends."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from app.compact_json import dumps, encode
from app.realtime.hub import events_message

# What answers and frames are made of: dicts with string keys, lists, strings, whole numbers,
# finite floats, booleans and None.
plain = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=25,
)


def standard(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@given(plain)
def test_the_same_values_as_the_standard_encoder(value: object) -> None:
    # Floats may be spelt differently (1e16 against 1e+16); they must read back the same.
    assert json.loads(dumps(value)) == json.loads(standard(value))
    assert encode(value) == dumps(value).encode()


@given(st.text())
def test_any_text_is_written_as_the_standard_encoder_writes_it(text: str) -> None:
    # Quotes, backslashes, control characters, U+2028 and emoji alike. (A lone surrogate never
    # gets this far: requests carrying one are refused with 422.)
    value = {"text": text, "list": [text]}
    assert dumps(value) == standard(value)


def test_an_event_reads_back_as_it_was_sent() -> None:
    event = {
        "seq": 12,
        "type": "card.added",
        "at": "2026-12-02T22:00:00+00:00",
        "data": {"card": {"id": 5, "text": "Beds free up — après midi 🛏", "theme": None}},
    }
    message = events_message([event])
    assert json.loads(message) == {"events": [event]}
    assert dumps(event) == standard(event)


def test_what_json_cannot_carry_is_null() -> None:
    assert dumps([float("nan"), float("inf")]) == "[null,null]"
