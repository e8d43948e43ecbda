"""A LeanRoute answers exactly as FastAPI would: the same endpoint behind a LeanRoute and behind
a plain APIRoute, asked the same requests, well formed and not, gives the same answers."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.main import ROUTERS
from app.web import board_api, meeting_api, room_api
from app.web.lean_route import LeanRoute, plan_for

calls: list[str] = []


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20)
    pinned: bool = False


async def who(request: Request, room: str) -> str:
    calls.append(room)
    token = request.headers.get("authorization", "")
    if token != "Bearer ok":
        return _refuse()
    return f"member of {room}"


def _refuse() -> str:
    from fastapi import HTTPException

    raise HTTPException(status_code=401, detail="Who are you?")


Who = Annotated[str, Depends(who)]


async def add(room: str, note_id: int, body: Note, caller: Who, request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "room": room,
            "note_id": note_id,
            "note": body.model_dump(),
            "caller": caller,
            "method": request.method,
        },
        status_code=201,
    )


async def search(room: str, q: str) -> JSONResponse:  # a query parameter: FastAPI's to solve
    return JSONResponse({"q": q})


def make_app() -> FastAPI:
    app = FastAPI()
    for prefix, route_class in (("/lean", LeanRoute), ("/stock", None)):
        router = APIRouter(route_class=route_class) if route_class else APIRouter()
        router.add_api_route("/rooms/{room}/notes/{note_id}", add, methods=["POST"])
        router.add_api_route("/rooms/{room}/search", search, methods=["GET"])
        app.include_router(router, prefix=prefix)
    return app


JSON = {"content-type": "application/json"}
OK = {"authorization": "Bearer ok"}
CASES = [
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": "hello"}'),
    ("/rooms/a/notes/007", {**JSON, **OK}, b'{"text": "hello", "pinned": true}'),
    ("/rooms/a/notes/7", {**JSON}, b'{"text": "hello"}'),  # the dependency refuses
    ("/rooms/a/notes/7", {**JSON}, b"not json"),  # refused by the dependency first
    ("/rooms/a/notes/7", {**JSON, **OK}, b"not json"),
    ("/rooms/a/notes/7", {**JSON, **OK}, b""),
    ("/rooms/a/notes/7", {**JSON, **OK}, b"[1, 2]"),
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": ""}'),
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": "hello", "extra": 1}'),
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": "hello", "pinned": "yes"}'),
    ("/rooms/a/notes/x7", {**JSON, **OK}, b'{"text": "hello"}'),
    ("/rooms/a/notes/-7", {**JSON, **OK}, b'{"text": "hello"}'),
    ("/rooms/a/notes/1234567890123456789012", {**JSON, **OK}, b'{"text": "hi"}'),
    ("/rooms/a/notes/7", {"content-type": "text/plain", **OK}, b'{"text": "hello"}'),
    (
        "/rooms/a/notes/7",
        {"content-type": "application/json; charset=utf-8", **OK},
        b'{"text": "hi"}',
    ),
    ("/rooms/a/notes/7", {"content-type": "application/merge-patch+json", **OK}, b'{"text": "hi"}'),
    ("/rooms/a/notes/7", OK, b'{"text": "hello"}'),  # no content type
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "headers", "body"), CASES)
async def test_a_lean_route_answers_as_fastapi_does(path: str, headers: dict, body: bytes) -> None:
    assert plan_for(add, {"room", "note_id"}) is not None  # or this compares FastAPI with itself
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        calls.clear()
        lean = await client.post("/lean" + path, headers=headers, content=body)
        lean_calls = list(calls)
        calls.clear()
        stock = await client.post("/stock" + path, headers=headers, content=body)
    assert (lean.status_code, lean.json()) == (stock.status_code, stock.json())
    # The dependency (a rate limit counts there) runs as often either way: once, or not at
    # all when FastAPI refuses a body that is not JSON before it asks.
    assert lean_calls == calls
    assert len(calls) <= 1


@pytest.mark.asyncio
async def test_an_endpoint_of_another_shape_is_left_to_fastapi() -> None:
    assert plan_for(search, {"room"}) is None
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        lean = await client.get("/lean/rooms/a/search", params={"q": "x"})
        missing = await client.get("/lean/rooms/a/search")
    assert lean.json() == {"q": "x"}
    assert missing.status_code == 422


def test_the_participants_writes_take_the_short_way() -> None:
    """Every route of the board, the meeting and the room whose endpoint has a plain shape is
    planned, so the shortcut cannot silently fall away; the cards' and votes' must be."""
    planned = set()
    for router in (board_api.router, meeting_api.router, room_api.router):
        assert router.route_class is LeanRoute
        for route in router.routes:
            if plan_for(route.endpoint, set(route.param_convertors)) is not None:
                planned.add(route.endpoint.__name__)
    assert {"add_card", "edit_card", "vote", "unvote", "add_action"} <= planned
    assert any(router is board_api.router for _, router in ROUTERS)
