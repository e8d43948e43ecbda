"""The browsers' live socket: each event becomes out-of-band htmx swaps, rendered once per
view and audience, and the same text goes to every browser of that view."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import UTC, datetime

from fastapi import WebSocket
from jinja2 import Environment, TemplateNotFound

from ..domain.events import spec
from ..domain.rules import Actor
from .errors import error_response
from .live import admit, follow, parse_since, refuse
from .templating import BOARD_VIEWER, VIEW_OF_ROLE, make_env

log = logging.getLogger(__name__)
# Sent for an event whose template is missing: the page still learns the seq it has reached,
# so it resumes from the right place, and nothing else on it changes.
SEQ_ONLY = '<div id="live-seq" hx-swap-oob="true" data-seq="{seq}"></div>'


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
        kind = spec(event["type"])
        return kind.audience(event["data"], viewer), kind.html_audience(event["data"], viewer)

    def render(self, event: dict, viewer: Actor) -> str:
        viewer = self._viewer(viewer)
        kind = spec(event["type"])
        try:
            template = self.env.get_template(kind.template())
        except TemplateNotFound:
            log.error("no template %s for %s events: sending the seq only", kind.template(), kind)
            return SEQ_ONLY.format(seq=int(event["seq"]))
        return template.render(
            event=event,
            data=kind.view(event["data"], viewer),
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


async def live(websocket: WebSocket, workshop_id: str) -> None:
    """Browsers only: a session cookie and an allowed Origin are required."""
    svc = websocket.app.state.services
    caller = await admit(websocket, svc, workshop_id)
    if caller is None:
        return
    view = websocket.query_params.get("view") or VIEW_OF_ROLE[caller.role]
    renderers: HtmlRenderers = websocket.app.state.html_renderers
    if view not in renderers.by_view or (view != VIEW_OF_ROLE[caller.role] and view != "board"):
        await refuse(
            websocket, error_response(403, "There is no such live view for your role.", "forbidden")
        )
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
