"""The library: every peer assist the signed-in account may see, with filters and the search.

One GET form: without JavaScript it reloads the page; with htmx a change swaps only the
results and the response's HX-Push-Url keeps the address in step, so a filtered library can be
bookmarked and shared.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..db import account_queries as aq
from ..db import library
from ..domain import library as rules
from ..domain.accounts import Viewer
from ..domain.errors import RuleError
from ..domain.record import REPORT_BACK_LABELS, ReportBackStatus, report_back_status
from ..search import semantic
from .account_deps import holds_a_seat, signed_in
from .account_pages import account_context, sign_in_url
from .accounts_api import workshop_items
from .deps import Services
from .json_response import JSONResponse
from .pages import problem_page, render

router = APIRouter(include_in_schema=False)
# A page a person reads: past this many, the filters narrow it better than scrolling.
SHOWN = 100
# "In other words" adds at most this many: a nudge, not a second library.
SEMANTIC_LIMIT = 5


def _every(svc: Services, viewer: Viewer, q: str | None) -> list[dict]:
    """Each peer assist this account may see (matching `q`, best first), as the page shows it."""
    items = workshop_items(svc, viewer, q=q, status=None, marked=True)
    with svc.db.reader() as session:
        about = library.summaries(session, workshop_ids=[i["id"] for i in items])
    today = svc.clock().date()
    every = []
    for item in items:
        info = about.get(item["id"])
        if info is None:  # deleted between the two reads
            continue
        status = ReportBackStatus(
            report_back_status(info["report_back_by"], today, reported=info["reported"])
        )
        every.append(
            {**item, **info, "report_back": status, "report_back_label": REPORT_BACK_LABELS[status]}
        )
    return every


def _in_other_words(
    svc: Services, viewer: Viewer, wanted: rules.LibraryFilter, shown: list[dict]
) -> list[dict]:
    """Peer assists the words missed that mean much the same (the semantic extra)."""
    visible = aq.visible_to(viewer)
    with svc.db.reader() as session:
        near = semantic.search(session, wanted.q, visible=visible, limit=SEMANTIC_LIMIT)
    seen = {e["id"] for e in shown}
    hits = [h for h in near if h.workshop_id not in seen]
    if not hits:
        return []
    by_id = {e["id"]: e for e in _every(svc, viewer, None)}
    unsearched = replace(wanted, q="")
    # No word matched, so the problem itself says why each is here.
    return [
        {**by_id[h.workshop_id], "snippet_html": h.snippet_html}
        for h in hits
        if h.workshop_id in by_id and rules.keeps(by_id[h.workshop_id], unsearched)
    ]


def entries(svc: Services, viewer: Viewer, wanted: rules.LibraryFilter) -> dict[str, Any]:
    """The library as the page shows it: the entries that pass, and what the filters offer."""
    every = _every(svc, viewer, wanted.q or None)
    with svc.db.reader() as session:
        themes = library.theme_names(session, visible=aq.visible_to(viewer))
    kept = rules.ordered([e for e in every if rules.keeps(e, wanted)], wanted)
    searching_meaning = bool(wanted.q) and semantic.available()
    return {
        "entries": kept[:SHOWN],
        "matched": len(kept),
        "total": len(every),
        "themes": rules.theme_choices(themes),
        "also": _in_other_words(svc, viewer, wanted, kept) if searching_meaning else [],
        "semantic_missing": bool(wanted.q) and not searching_meaning,
        "install_hint": semantic.INSTALL_HINT,
    }


@router.get("/library", response_class=HTMLResponse)
async def library_page(request: Request) -> Response:
    """Every peer assist this account may see; filters and search narrow it (htmx or plain)."""
    svc: Services = request.app.state.services
    try:
        signed = await signed_in(request)
    except RuleError as exc:  # a participant's bearer token
        return problem_page("The library is for accounts", exc.detail, exc.status)
    if signed is None:
        if holds_a_seat(request):
            return problem_page(
                "The library is for accounts",
                "Your invite opens only its own peer assist. Sign in with an account to "
                "search the library.",
                403,
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(sign_in_url(target), status_code=303)
    params = dict(request.query_params)
    # htmx asks for the results alone, except when it restores a page from history.
    partial = request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )
    context: dict[str, Any] = {"params": params, "error": None, **account_context(svc, signed)}
    try:
        wanted = rules.parse(params)
    except RuleError as exc:
        if partial:  # htmx keeps the results on screen and shows the sentence (app.js)
            return JSONResponse({"detail": exc.detail, "code": exc.code}, exc.status)
        wanted, context["error"], status = rules.LibraryFilter(), exc.detail, exc.status
    else:
        status = 200
    found = await run_in_threadpool(entries, svc, signed.viewer, wanted)
    if context["error"]:
        found.update(entries=[], matched=0, also=[])
    if not partial:
        return render("pages/library.html", status, wanted=wanted, **context, **found)
    page = render("partials/_library_results.html", status, wanted=wanted, **context, **found)
    # The address bar keeps the filters in use, without the empty ones a form sends.
    chosen = urlencode({k: v for k, v in params.items() if v.strip()})
    page.headers["HX-Push-Url"] = "/library" + (f"?{chosen}" if chosen else "")
    return page
