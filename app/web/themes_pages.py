"""The grouped-by-theme section of a room page, fetched again whenever the live stream says
cards, votes or themes changed (partials/_themes.html, static/themes.js)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .pages import _room_state, render, room_context
from .templating import BOARD_VIEWER, VIEW_OF_ROLE

router = APIRouter()


@router.get("/w/{workshop_id}/themes", response_class=HTMLResponse, include_in_schema=False)
async def themes_section(workshop_id: str, request: Request, view: str = "") -> Response:
    found = await _room_state(request, workshop_id)
    if isinstance(found, Response):
        return found
    caller, state = found
    own = VIEW_OF_ROLE[caller.role]
    view = "board" if view == "board" else own
    viewer = BOARD_VIEWER if view == "board" else caller.actor
    return render("partials/_themes.html", **room_context(state, view, viewer))
