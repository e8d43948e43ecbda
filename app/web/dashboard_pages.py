"""The programme dashboard: what the peer assists an account may see add up to, as SVG charts
drawn on the server, each with its numbers in a table and as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..db import dashboard as rows
from ..domain import dashboard as rules
from ..domain.dates import filter_range, month_name
from ..domain.errors import Invalid, RuleError
from ..domain.invitations import UNIT_MAX
from ..exports.csv_export import rows_to_csv
from .account_deps import ACCOUNT_COOKIE, holds_a_seat, library_visibility
from .account_pages import account_context, page_account
from .deps import Services
from .pages import problem_page, render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Chart:
    """How one chart reads: its title, what each row is, and its series in drawing order."""

    title: str
    by: str
    series: tuple[tuple[str, str], ...]
    # Stacked: the series add up to one bar per row. Otherwise each series gets its own bar.
    stacked: bool = True
    unit: str = ""
    hint: str = ""


CHARTS: dict[str, Chart] = {
    "held": Chart("Peer assists held per month", "month", (("held", "Held"),)),
    "attendance": Chart(
        "Attendance per month",
        "month",
        (
            ("hosts", "Host team"),
            ("new_visitors", "New visitors"),
            ("returning_visitors", "Returning visitors"),
        ),
    ),
    "satisfaction": Chart(
        "Satisfaction per month (mean of 1 to 5)",
        "month",
        (("mean", "Mean satisfaction"), ("answers", "Answers")),
        stacked=False,
        hint="Each bar is the month's mean score out of 5; the number of answers is in brackets.",
    ),
    "actions": Chart(
        "Actions against the report-back date, by month held",
        "month",
        (
            ("done_by_date", "Done by the date"),
            ("done_late", "Done late"),
            ("overdue", "Not done, date passed"),
            ("open", "Open, not yet due"),
        ),
    ),
    "report_backs": Chart(
        "Report-backs, by month held",
        "month",
        (
            ("on_time", "On time"),
            ("late", "Late"),
            ("missing", "Missing, date passed"),
            ("not_yet_due", "Not yet due"),
            ("no_date", "No date set"),
        ),
    ),
    "phases": Chart(
        "Planned against actual minutes per phase (mean)",
        "phase",
        (("planned_min", "Planned"), ("actual_min", "Actual")),
        stacked=False,
        unit=" min",
        hint="Actual time runs from each phase change the app recorded to the next.",
    ),
}
assert tuple(CHARTS) == rules.CHARTS


def filters_of(request: Request) -> rules.Filters:
    query = request.query_params
    start, end = filter_range(query)
    unit = " ".join((query.get("unit") or "").split()) or None
    if unit and len(unit) > UNIT_MAX:
        raise Invalid(f"A unit is at most {UNIT_MAX} characters.", code="unit_too_long")
    return rules.Filters(start, end, unit)


def _figures(svc: Services, visible: Any, filters: rules.Filters) -> tuple[dict, list[str]]:
    with svc.db.reader() as session:
        found = rows.programme(session, visible=visible)
    figures = rules.figures(
        found.peer_assists,
        found.people,
        found.satisfaction,
        found.actions,
        filters=filters,
        today=svc.clock().date(),
    )
    return figures, rules.units(found.peer_assists)


def row_label(chart: Chart, row: dict) -> str:
    """What a row is called on the page: 'Dec 2026', 'Context'. The CSV keeps the raw value."""
    value = row[chart.by]
    return month_name(value) if chart.by == "month" else str(value).capitalize()


def drawn(name: str, data: list[dict]) -> dict:
    """A chart as the template draws it: bars scaled to the largest row."""
    chart = CHARTS[name]
    shown = chart.series if name != "satisfaction" else chart.series[:1]
    if chart.stacked:
        top = max([sum(r[k] or 0 for k, _ in shown) for r in data] + [1])
    elif name == "satisfaction":
        top = 5
    else:
        top = max([r[k] or 0 for r in data for k, _ in shown] + [1])
    bars = []
    for r in data:
        # None stays None: a figure not measured (a welcome never timed) is drawn as such, not 0.
        parts = [(i, k, r[k]) for i, (k, _) in enumerate(shown)]
        if name == "satisfaction":
            note = f"{r['mean']} ({r['answers']})" if r["answers"] else "no answers"
        elif chart.stacked:
            note = str(sum(v or 0 for _, _, v in parts))
        else:
            note = ""
        bars.append({"label": row_label(chart, r), "parts": parts, "note": note})
    return {"name": name, "chart": chart, "rows": data, "bars": bars, "top": top, "shown": shown}


def _query(filters: rules.Filters) -> str:
    parts = []
    if filters.start:
        parts.append(f"from={filters.start.isoformat()}")
    if filters.end:
        parts.append(f"to={filters.end.isoformat()}")
    if filters.unit:
        parts.append("unit=" + quote(filters.unit))
    return ("?" + "&".join(parts)) if parts else ""


async def _gate(request: Request) -> tuple[Any, Any] | Response:
    if not request.cookies.get(ACCOUNT_COOKIE) and holds_a_seat(request):
        return problem_page(
            "The dashboard is for accounts",
            "A participant's link reaches only its own peer assist. Sign in with an account "
            "to see the programme dashboard.",
            403,
        )
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    return signed, await library_visibility(request)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    """Every figure over the peer assists this account may see, filtered by dates and unit."""
    svc: Services = request.app.state.services
    gate = await _gate(request)
    if isinstance(gate, Response):
        return gate
    signed, visible = gate
    # Filters that do not work come back in the page's own form, with the sentence beside
    # them and what was typed, and no figures, rather than figures for other filters.
    error, status = None, 200
    try:
        filters = filters_of(request)
    except RuleError as exc:
        filters, error, status = rules.Filters(), exc.detail, exc.status
    figures, units = await run_in_threadpool(_figures, svc, visible, filters)
    return render(
        "pages/dashboard.html",
        status,
        error=error,
        typed=dict(request.query_params),
        charts=[drawn(name, figures[name]) for name in rules.CHARTS],
        totals=figures["totals"],
        peer_assists=figures["peer_assists"],
        report_labels=dict(CHARTS["report_backs"].series),
        units=units,
        filters=filters,
        query=_query(filters),
        **account_context(svc, signed),
    )


@router.get("/dashboard/{chart}.csv")
async def dashboard_csv(chart: str, request: Request) -> Response:
    """One chart's numbers as CSV, with the same filters as the page."""
    svc: Services = request.app.state.services
    if chart not in CHARTS:
        return problem_page("There is no such chart", "Choose a chart from the dashboard.", 404)
    gate = await _gate(request)
    if isinstance(gate, Response):
        return gate
    _, visible = gate
    try:
        filters = filters_of(request)
    except RuleError as exc:
        back = ("/dashboard", "Back to the dashboard")
        return problem_page("Those filters do not work", exc.detail, exc.status, back=back)
    figures, _ = await run_in_threadpool(_figures, svc, visible, filters)
    spec = CHARTS[chart]
    table = [
        ["Chart", spec.title],
        ["From", filters.start.isoformat() if filters.start else "the first"],
        ["To", filters.end.isoformat() if filters.end else "the last"],
        ["Unit", filters.unit or "every unit"],
        [],
        [spec.by.capitalize(), *(label for _, label in spec.series)],
    ]
    table += [
        [str(r[spec.by]), *("" if r[k] is None else str(r[k]) for k, _ in spec.series)]
        for r in figures[chart]
    ]
    return Response(
        rows_to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{chart}.csv"'},
    )
