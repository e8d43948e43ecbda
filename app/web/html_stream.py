"""The browsers' live socket: each event becomes out-of-band htmx swaps, rendered once per
view and audience, and the same text goes to every browser of that view."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket
from jinja2 import Environment

from ..domain.rules import Actor
from ..domain.visibility import audience, event_view
from .live import admit, follow, parse_since
from .templating import BOARD_VIEWER, VIEW_OF_ROLE, make_env

router = APIRouter()


class HtmlRenderer:
    def __init__(self, env: Environment, view: str) -> None:
        self.env = env
        self.view = view
        self.name = f"html:{view}"
        self._presence = env.get_template("stream/presence.html")

    def _viewer(self, viewer: Actor) -> Actor:
        return BOARD_VIEWER if self.view == "board" else viewer

    def key(self, event: dict, viewer: Actor) -> Hashable:
        viewer = self._viewer(viewer)
        speaker = None
        if self.view == "host" and event["type"] == "mute.changed":
            speaker = viewer.id in event["data"]["speakers"]
        return audience(event["type"], event["data"], viewer), speaker

    def render(self, event: dict, viewer: Actor) -> str:
        viewer = self._viewer(viewer)
        template = self.env.get_template(f"stream/{event['type']}.html")
        return template.render(
            event=event,
            data=event_view(event["type"], event["data"], viewer),
            view=self.view,
            viewer=viewer,
            oob=True,
        )

    def render_presence(self, presence: dict) -> str:
        return self._presence.render(
            presence=presence, view=self.view, oob=True, at=datetime.now(UTC).isoformat()
        )

    def render_snapshot(self, state: dict) -> str:
        from .pages import room_context

        viewer = Actor(state["me"]["id"], state["me"]["role"])
        context = room_context(state, self.view, self._viewer(viewer))
        return self.env.get_template("stream/snapshot.html").render(**context, oob=True)


class HtmlRenderers:
    """One renderer per view, shared by every connection of that view."""

    def __init__(self) -> None:
        env = make_env()
        self.by_view = {view: HtmlRenderer(env, view) for view in VIEW_OF_ROLE.values()}


@router.websocket("/w/{workshop_id}/live")
async def live(websocket: WebSocket, workshop_id: str) -> None:
    """Browsers only: a session cookie and an allowed Origin are required."""
    svc = websocket.app.state.services
    caller = await admit(websocket, svc, workshop_id)
    if caller is None:
        return
    view = websocket.query_params.get("view") or VIEW_OF_ROLE[caller.role]
    renderers: HtmlRenderers = websocket.app.state.html_renderers
    if view not in renderers.by_view or (view != VIEW_OF_ROLE[caller.role] and view != "board"):
        await websocket.close(1008, "no such view for your role")
        return
    await websocket.accept()
    renderer = renderers.by_view[view]
    try:
        since = parse_since(websocket.query_params.get("since"))
    except ValueError:
        since = None
    await follow(
        websocket,
        svc,
        workshop_id=workshop_id,
        viewer=caller.actor,
        renderer=renderer,
        snapshot=renderer.render_snapshot,
        since=since,
    )
