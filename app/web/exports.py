"""Downloads of the action list with its commitment: CSV, Markdown, JSON and iCalendar."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import Response

from .. import exports
from .deps import CallerDep, ServicesDep, participant_state
from .schemas import ErrorBody

router = APIRouter()

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
}


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return (words[:60].rstrip("-") or "peer-assist") + "-actions"


@router.get(
    "/workshops/{workshop_id}/actions.{fmt}",
    responses={
        200: {
            "content": {t: {} for t in MEDIA_TYPES.values()},
            "description": "The action list with the commitment.",
        },
        **{code: {"model": ErrorBody} for code in (401, 403, 404, 422)},
    },
)
async def export_actions(
    workshop_id: str,
    fmt: Literal["csv", "md", "json", "ics"],
    caller: CallerDep,
    svc: ServicesDep,
) -> Response:
    """Download the action list and the report-back commitment."""

    state = await participant_state(svc, workshop_id, caller.actor)
    parts = (state["workshop"], state["actions"], state["commitment"], state["cards"])
    if fmt == "ics":
        body = exports.to_ics(
            *parts, uid_domain=urlsplit(svc.settings.base_url).hostname or "peer-assist.local"
        )
    else:
        body = {"csv": exports.to_csv, "md": exports.to_markdown, "json": exports.to_json}[fmt](
            *parts
        )
    filename = f"{slug(state['workshop']['title'])}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
