"""The plain HTML forms validate what they are sent as the JSON API does: an id or number that
no row can have answers a 4xx page with a sentence, never a 500, and creates nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.api.helpers import count_rows
from tests.factories import admin

# A browser posting our own form sends these; they keep the test valid once cross-site form
# posts are refused; starting a peer assist takes an account.
SAME_SITE = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin", **admin()}
FORM = {
    "title": "Cutting discharge delays",
    "problem": "Patients wait a day for transport.",
    "facilitator_name": "Ada",
    "aim_is_learning": "on",
}
ODD_LENGTHS = [
    "saved:99999999999999999999",  # past what SQLite can bind
    "saved:9223372036854775808",  # 2**63
    "saved:2147483648",  # past PostgreSQL's integer
    "saved:0",
    "saved:-1",
    "saved:²",  # str.isdigit() says yes; int() says no
    "saved:١٢",  # Arabic-Indic digits
    "saved: 1",
    "saved:",
    "min:99999999999999999999",
    "min:²",
    "min:-5",
    "tpl:no_such_template",
    "nonsense",
]


@pytest.mark.parametrize("length", ODD_LENGTHS)
async def test_start_with_an_odd_length_is_a_4xx_page_not_a_500(
    raw_client: httpx.AsyncClient, length: str
) -> None:
    before = count_rows(raw_client._transport.app, "workshop")  # type: ignore[attr-defined]
    response = await raw_client.post("/start", data={**FORM, "length": length}, headers=SAME_SITE)
    assert 400 <= response.status_code < 500, (length, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    assert "length" in response.text or "duration" in response.text, response.text
    assert count_rows(raw_client._transport.app, "workshop") == before  # type: ignore[attr-defined]


async def test_start_with_a_listed_length_creates_the_peer_assist(
    raw_client: httpx.AsyncClient,
) -> None:
    for length in ("tpl:half_day", "min:120"):
        response = await raw_client.post(
            "/start", data={**FORM, "length": length}, headers=SAME_SITE
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/w/")
