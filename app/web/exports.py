"""Downloads of the action list with its commitment: CSV, Excel, Markdown, JSON, iCalendar."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import Response

from .. import exports
from .deps import CallerDep, ServicesDep, participant_state
from .export_schemas import ACTIONS_JSON, file_content
from .schemas import ErrorBody

router = APIRouter()

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "ics": "text/calendar; charset=utf-8",
    "xlsx": exports.xlsx_export.MEDIA_TYPE,
}


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return (words[:60].rstrip("-") or "peer-assist") + "-actions"


@router.get(
    "/workshops/{workshop_id}/actions.{fmt}",
    responses={
        200: {
            "content": file_content(MEDIA_TYPES.values(), ACTIONS_JSON),
            "description": "The action list with the commitment.",
        },
        **{code: {"model": ErrorBody} for code in (401, 403, 404, 422)},
    },
)
async def export_actions(
    workshop_id: str,
    fmt: Literal["csv", "xlsx", "md", "json", "ics"],
    caller: CallerDep,
    svc: ServicesDep,
) -> Response:
    """Download the action list and the report-back commitment.

    `xlsx` is the one to open in Excel: every cell is text, so nothing in it can run as a
    formula. `csv` neutralises formulas as OWASP advises, which shows an apostrophe before
    risky text.
    """

    state = await participant_state(svc, workshop_id, caller.actor)
    parts = (state["workshop"], state["actions"], state["commitment"], state["cards"])
    if fmt == "ics":
        body = exports.to_ics(
            *parts, uid_domain=urlsplit(svc.settings.base_url).hostname or "peer-assist.local"
        )
    else:
        render = {
            "csv": exports.to_csv,
            "xlsx": exports.to_xlsx,
            "md": exports.to_markdown,
            "json": exports.to_json,
        }[fmt]
        body = render(*parts)
    filename = f"{slug(state['workshop']['title'])}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
