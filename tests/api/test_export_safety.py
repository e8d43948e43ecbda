"""Downloads that people open elsewhere are safe there: the Excel workbook holds text only, the
CSV starts no formula, and the Markdown renders no image, element or disguised link from what
participants typed."""

from __future__ import annotations

import io

import httpx
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from tests.api.helpers import add_action, card_id, url
from tests.exports.test_markdown_render import Tags, foreign
from tests.factories import create_room, join, move

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ATTACK = "see;=cmd|' /C calc'!A0 [click](javascript:alert(1)) ![x](http://remote.example/i.png)"


async def hostile_room(client: httpx.AsyncClient):  # type: ignore[no-untyped-def]
    room = await create_room(client, title="<img src=x> =1+1")
    host = await join(client, room, "host", "=HYPERLINK(1)")
    visitor = await join(client, room, "visitor", "Vic")
    await move(client, room, "analysis")
    card = await card_id(client, room, visitor, "insight", ATTACK)
    await move(client, room, "commitment")
    response = await add_action(client, room, host, ATTACK, owner="@owner", card_ids=[card])
    assert response.status_code == 201, response.text
    return room


async def test_the_xlsx_download_holds_the_words_as_text(client: httpx.AsyncClient) -> None:
    room = await hostile_room(client)
    response = await client.get(url(room, "/actions.xlsx"), headers=room.facilitator.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content))["Actions"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type == "s" for cell in cells), [(c.coordinate, c.value) for c in cells]
    assert sheet["B1"].value == "<img src=x> =1+1"
    assert (sheet["A5"].value, sheet["B5"].value, sheet["E5"].value) == (ATTACK, "@owner", ATTACK)


async def test_the_markdown_download_renders_no_image_or_disguised_link(
    client: httpx.AsyncClient,
) -> None:
    room = await hostile_room(client)
    response = await client.get(url(room, "/actions.md"), headers=room.facilitator.headers)
    assert response.status_code == 200, response.text
    page = Tags()
    page.feed(MarkdownIt("gfm-like", {"html": True}).render(response.text))
    assert foreign(page) == []
    # The one link is the address typed in full, in the action and in its card.
    assert page.links == [("http://remote.example/i.png", "http://remote.example/i.png")] * 2


async def test_the_xlsx_download_is_offered_where_the_others_are(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    await move(client, room, "commitment")
    page = await client.get(f"/w/{room.id}", headers=room.facilitator.headers)
    assert page.status_code == 200, page.text
    for fmt in ("xlsx", "csv", "md", "ics"):
        assert f"/api/v1/workshops/{room.id}/actions.{fmt}" in page.text, fmt
    spec = (await client.get("/openapi.json")).json()
    route = spec["paths"]["/api/v1/workshops/{workshop_id}/actions.{fmt}"]["get"]
    fmt = next(p for p in route["parameters"] if p["name"] == "fmt")
    assert "xlsx" in fmt["schema"]["enum"]
    assert XLSX in route["responses"]["200"]["content"]
