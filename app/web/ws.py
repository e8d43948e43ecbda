"""`WS /api/v1/workshops/{id}/events`: the public JSON event stream."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from ..realtime.json_stream import JsonRenderer, dumps
from .live import POLICY_VIOLATION, admit, close_quietly, follow, parse_since

router = APIRouter()
RENDERER = JsonRenderer()


@router.websocket("/api/v1/workshops/{workshop_id}/events")
async def events(websocket: WebSocket, workshop_id: str) -> None:
    svc = websocket.app.state.services
    caller = await admit(websocket, svc, workshop_id)
    if caller is None:
        return
    await websocket.accept()
    try:
        since = parse_since(websocket.query_params.get("since"))
    except ValueError as exc:
        await websocket.send_text(dumps({"type": "error", "code": "bad_since",
                                         "detail": f"{exc}, for example since=42."}))
        await close_quietly(websocket, POLICY_VIOLATION, "bad since")
        return
    await follow(websocket, svc, workshop_id=workshop_id, viewer=caller.actor,
                 renderer=RENDERER, snapshot=RENDERER.render_snapshot, since=since)
