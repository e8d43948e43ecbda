"""A LeanRoute answers exactly as FastAPI would: the same endpoint behind a LeanRoute and behind
a plain APIRoute, asked the same requests, well formed and not, gives the same answers, and
the well-formed ones really do take the short way (FastAPI's dependency solving never runs)."""

from __future__ import annotations

from typing import Annotated, Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Path, Request
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
    if request.headers.get("authorization", "") != "Bearer ok":
        raise HTTPException(status_code=401, detail="Who are you?")
    return f"member of {room}"


async def guard(request: Request) -> None:
    raise HTTPException(status_code=403, detail="Added by the inclusion")


Who = Annotated[str, Depends(who)]


async def add(room: str, note_id: int, body: Note, caller: Who, request: Request) -> JSONResponse:
    note = body.model_dump()
    return JSONResponse({"room": room, "note_id": note_id, "note": note, "caller": caller})


async def twice(room: str, caller: Who, again: Who) -> JSONResponse:
    return JSONResponse({"caller": caller})


async def search(room: str, q: str) -> JSONResponse:  # a query parameter: FastAPI's to solve
    return JSONResponse({"q": q})


async def bounded(room: str, note_id: int = Path(ge=1)) -> JSONResponse:
    return JSONResponse({"note_id": note_id})


async def embedded(room: str, body: Note = Body(embed=True)) -> JSONResponse:
    return JSONResponse({"note": body.model_dump()})


def make_app(**include: Any) -> FastAPI:
    app = FastAPI(dependencies=include.pop("app_dependencies", None))
    for prefix, route_class in (("/lean", LeanRoute), ("/stock", None)):
        router = APIRouter(route_class=route_class) if route_class else APIRouter()
        router.add_api_route("/rooms/{room}/notes/{note_id}", add, methods=["POST"])
        router.add_api_route("/rooms/{room}/ints/{note_id:int}", add, methods=["POST"])
        router.add_api_route("/rooms/{room}/search", search, methods=["GET"])
        app.include_router(router, prefix=prefix, **include)
    return app


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How often FastAPI solved a route's dependencies (its own handler ran that far)."""
    seen: list[str] = []
    real = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["request"].url.path)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return seen


async def ask(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, **kwargs)


JSON = {"content-type": "application/json"}
OK = {"authorization": "Bearer ok"}
NOTE = b'{"text": "hello"}'
# (path, headers, body, whether the lean route answers it itself)
CASES = [
    ("/rooms/a/notes/7", {**JSON, **OK}, NOTE, True),
    ("/rooms/a/notes/007", {**JSON, **OK}, b'{"text": "hello", "pinned": true}', True),
    ("/rooms/a/ints/7", {**JSON, **OK}, NOTE, True),  # a `{note_id:int}` path
    ("/rooms/a/notes/7", JSON, NOTE, True),  # the dependency refuses: 401
    ("/rooms/a/notes/7", JSON, b"not json", False),  # FastAPI refuses it before asking
    ("/rooms/a/notes/7", {**JSON, **OK}, b"not json", False),
    ("/rooms/a/notes/7", {**JSON, **OK}, b"[" * 100_000 + b"]" * 100_000, False),  # too deep
    ("/rooms/a/notes/7", {**JSON, **OK}, b"", False),
    ("/rooms/a/notes/7", {**JSON, **OK}, b"null", False),
    ("/rooms/a/notes/7", {**JSON, **OK}, b"[1, 2]", False),
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": ""}', False),
    ("/rooms/a/notes/7", JSON, b'{"text": ""}', False),  # invalid and no token: the 401 first
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": "hello", "extra": 1}', False),
    ("/rooms/a/notes/7", {**JSON, **OK}, b'{"text": "hello", "pinned": "yes"}', True),  # lax
    ("/rooms/a/notes/7", {**JSON, **OK}, b'\xef\xbb\xbf{"text": "hello"}', True),  # a BOM
    ("/rooms/a/notes/x7", {**JSON, **OK}, NOTE, False),
    ("/rooms/a/notes/x7", JSON, NOTE, False),  # a bad path value and no token: the 401 first
    ("/rooms/a/notes/-7", {**JSON, **OK}, NOTE, False),
    ("/rooms/a/notes/1234567890123456789012", {**JSON, **OK}, NOTE, False),
    ("/rooms/a/notes/7", {"content-type": "text/plain", **OK}, NOTE, False),
    ("/rooms/a/notes/7", {"content-type": "Application/JSON", **OK}, NOTE, False),
    ("/rooms/a/notes/7", {"content-type": "application/json; charset=utf-8", **OK}, NOTE, False),
    ("/rooms/a/notes/7", {"content-type": "application/merge-patch+json", **OK}, NOTE, False),
    ("/rooms/a/notes/7", OK, NOTE, False),  # no content type
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("path", "headers", "body", "short"), CASES)
async def test_a_lean_route_answers_as_fastapi_does(
    path: str, headers: dict, body: bytes, short: bool, solved: list[str]
) -> None:
    app = make_app()
    calls.clear()
    lean = await ask(app, "POST", "/lean" + path, headers=headers, content=body)
    lean_calls, lean_solved = list(calls), len(solved)
    calls.clear()
    stock = await ask(app, "POST", "/stock" + path, headers=headers, content=body)
    stock_solved = len(solved) - lean_solved
    assert (lean.status_code, lean.json()) == (stock.status_code, stock.json())
    # The dependency (a rate limit counts there) runs as often either way: once, or not at
    # all when FastAPI refuses a body that is not JSON before it asks.
    assert lean_calls == calls
    assert len(calls) <= 1
    # Well-formed requests never reach FastAPI's dependency solving; the rest go all the way
    # FastAPI's own handler goes.
    assert lean_solved == (0 if short else stock_solved), (lean_solved, stock_solved)


@pytest.mark.asyncio
async def test_what_an_inclusion_or_the_app_adds_is_never_skipped(solved: list[str]) -> None:
    for app in (
        make_app(dependencies=[Depends(guard)]),
        make_app(app_dependencies=[Depends(guard)]),
    ):
        answer = await ask(
            app, "POST", "/lean/rooms/a/notes/7", headers={**JSON, **OK}, content=NOTE
        )
        assert answer.status_code == 403, answer.text


@pytest.mark.asyncio
async def test_an_overridden_dependency_is_used(solved: list[str]) -> None:
    app = make_app()

    async def stand_in(request: Request, room: str) -> str:
        return "stand-in"

    app.dependency_overrides[who] = stand_in
    answer = await ask(app, "POST", "/lean/rooms/a/notes/7", headers=JSON, content=NOTE)
    assert answer.json()["caller"] == "stand-in"


@pytest.mark.asyncio
async def test_a_request_that_fastapis_telemetry_follows_is_fastapis(solved: list[str]) -> None:
    """FastAPI's spans and request data come from its own handler: while its telemetry follows
    a request (it marks the scope), the lean route hands the request over."""
    app = make_app()

    async def followed(scope: dict, receive: Any, send: Any) -> None:
        scope["fastapi.telemetry"] = object()
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=followed)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/lean/rooms/a/notes/7", headers={**JSON, **OK}, content=NOTE)
    assert answer.status_code == 200
    assert solved == ["/lean/rooms/a/notes/7"]


@pytest.mark.asyncio
async def test_an_endpoint_of_another_shape_is_left_to_fastapi() -> None:
    assert plan_for(search, {"room"}) is None
    assert plan_for(twice, {"room"}) is None  # FastAPI runs a dependency named twice once
    # A parameter with a default carries what FastAPI must check or how it reads the body.
    assert plan_for(bounded, {"room", "note_id"}) is None
    assert plan_for(embedded, {"room"}) is None
    app = make_app()
    assert (await ask(app, "GET", "/lean/rooms/a/search", params={"q": "x"})).json() == {"q": "x"}
    assert (await ask(app, "GET", "/lean/rooms/a/search")).status_code == 422


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
