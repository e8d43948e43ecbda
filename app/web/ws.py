"""`WS /api/v1/workshops/{id}/events`: the public JSON event stream."""

from __future__ import annotations

from fastapi import APIRouter, Depends, WebSocket

from ..compact_json import dumps
from ..realtime.json_stream import JsonRenderer
from .account_deps import workshop_exists
from .json_response import JSONResponse
from .live import POLICY_VIOLATION, admit, close_quietly, follow, parse_since
from .schemas import ErrorBody

router = APIRouter()
RENDERER = JsonRenderer()


EVENTS_DOC = """Live events of a workshop, as a websocket (this plain GET only describes it).

Upgrade to a websocket at this address, authenticated like HTTP (`Authorization: Bearer`, or
a browser's session cookie with an allowed `Origin`). Frames are JSON text:

- without `?since=N`, first `{"type": "snapshot", "seq", "data": <state>}`, then events;
- with `?since=N`, every event after N in order, exactly once (a snapshot first when N is
  older than the kept history or newer than the head), then live ones;
- events are `{"seq", "type", "at", "data"}`, `seq` rising by 1 with no gaps;
- `presence.changed` has `seq: null` and is never replayed.

Refused before the upgrade with an HTTP answer and the usual error body (`detail`, `code`):
403 for a refused origin; for credentials, the status HTTP gives them (401 for none or a token
nobody was given, a session cookie without an `Origin` counting as none; 403 for another
workshop's token, an account's token or the seat of a deactivated account); 404 when the
workshop does not exist or was deleted; 503 with Retry-After while the database is not
answering.

Close codes: 1008 the person was removed, the workshop deleted, or `since` is no number;
1013 fell too far behind (reconnect with `since`); 1001 the server is going away (reconnect
with `since`).
"""


@router.get(
    "/api/v1/workshops/{workshop_id}/events",
    status_code=426,
    summary="Live events (websocket)",
    description=EVENTS_DOC,
    dependencies=[Depends(workshop_exists)],
    responses={
        401: {"model": ErrorBody, "description": "No credentials, or a token nobody was given."},
        403: {
            "model": ErrorBody,
            "description": "A refused Origin, another workshop's token, an account's token, or "
            "the seat of a deactivated account.",
        },
        404: {"model": ErrorBody, "description": "No such workshop (or it was deleted)."},
        426: {"model": ErrorBody, "description": "Upgrade to a websocket."},
        503: {
            "model": ErrorBody,
            "description": "The database is not answering; try again after Retry-After.",
        },
    },
    tags=["live"],
)
async def events_described(workshop_id: str) -> JSONResponse:
    return JSONResponse(
        {
            "detail": "This address is a websocket: connect with a websocket client.",
            "code": "upgrade_required",
        },
        status_code=426,
        headers={"Upgrade": "websocket"},
    )


async def events(websocket: WebSocket, workshop_id: str) -> None:
    svc = websocket.app.state.services
    caller = await admit(websocket, svc, workshop_id)
    if caller is None:
        return
    await websocket.accept()
    try:
        since = parse_since(websocket.query_params.get("since"))
    except ValueError as exc:
        await websocket.send_text(
            dumps({"type": "error", "code": "bad_since", "detail": f"{exc}, for example since=42."})
        )
        await close_quietly(websocket, POLICY_VIOLATION, "bad since")
        return
    await follow(
        websocket,
        svc,
        workshop_id=workshop_id,
        viewer=caller.actor,
        renderer=RENDERER,
        snapshot=RENDERER.render_snapshot,
        since=since,
    )
