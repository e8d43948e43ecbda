"""The programme dashboard over HTTP: who may open it, which peer assists it counts, its filters
and its CSV, on peer assists run through the API with figures worked out by hand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx

from app.security import session_cookie_name, sign_session
from tests.api.helpers import assert_error, url
from tests.conftest import SECRET_KEY, Clock
from tests.factories import Room, admin, create_room, join, make_account, move, workshop_body

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def table(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def figures(rows: list[list[str]]) -> list[list[str]]:
    """The CSV's table, after its header section and the blank row."""
    return rows[rows.index([]) + 2 :]


async def held(client: httpx.AsyncClient, room: Room, clock: Clock, context_min: int) -> None:
    """Run it on its planned day: a peer assist is dated by the day its room met."""
    clock.now = datetime.fromisoformat(room.created["workshop"]["starts_at"])
    await move(client, room, "context")
    clock.advance(context_min * 60)
    await move(client, room, "commitment")


async def programme(client: httpx.AsyncClient, clock: Clock) -> dict:
    """Three closed peer assists, one still open and one called off.

    W1, October, Cardiology: Hana hosts, Vera visits; context 20 min; one action done on the
    day it was due at the latest; answers 5 and 3; reported on time.
    W2, November, Surgery: "vera  visitor" (returning) and Nia (new); context 10 min; Nia
    answers 4; no report-back date.
    W3, November, restricted and owned by Rex: Olga visits; context 30 min.
    """
    w1 = await create_room(client, starts_at="2026-10-05T09:00:00+00:00", unit="Cardiology")
    assert w1.created["workshop"]["unit"] == "Cardiology"
    hana = await join(client, w1, "host", "Hana Host")
    vera = await join(client, w1, "visitor", "Vera Visitor")
    await held(client, w1, clock, 20)
    action = await client.post(
        url(w1, "/actions"), json={"title": "Book transport at admission"}, headers=hana.headers
    )
    assert action.status_code == 201, action.text
    promise = {"report_back_by": "2026-11-30"}
    assert (await client.put(url(w1, "/commitment"), json=promise, headers=hana.headers)).is_success
    await move(client, w1, "reflection")
    for who, score in ((vera, 5), (hana, 3)):
        answer = await client.post(
            url(w1, "/feedback"), json={"satisfaction": score}, headers=who.headers
        )
        assert answer.status_code == 201, answer.text
    await move(client, w1, "closed")
    done = await client.patch(
        url(w1, f"/actions/{action.json()['id']}"), json={"status": "done"}, headers=hana.headers
    )
    assert done.status_code == 200, done.text
    back = await client.put(url(w1, "/report-back"), json={"did": "Booked"}, headers=hana.headers)
    assert back.status_code == 200, back.text
    words = {"why_different": "Context ran short"}
    review = await client.put(url(w1, "/review"), json=words, headers=hana.headers)
    assert review.status_code == 200, review.text

    w2 = await create_room(client, starts_at="2026-11-20T09:00:00+00:00", unit="Surgery")
    await join(client, w2, "visitor", "vera  visitor")
    nia = await join(client, w2, "visitor", "Nia New")
    await held(client, w2, clock, 10)
    await move(client, w2, "reflection")
    answer = await client.post(url(w2, "/feedback"), json={"satisfaction": 4}, headers=nia.headers)
    assert answer.status_code == 201, answer.text
    await move(client, w2, "closed")

    rex = await make_account(client, "Rex Restricted")
    w3 = await create_room(
        client, owner=rex, starts_at="2026-11-21T09:00:00+00:00", visibility="restricted"
    )
    await join(client, w3, "visitor", "Olga Other")
    await held(client, w3, clock, 30)
    await move(client, w3, "closed")

    still_open = await create_room(client, starts_at="2026-11-22T09:00:00+00:00", unit="Surgery")
    # Called off: closed from its welcome, it was never held and counts nowhere.
    called_off = await create_room(client, starts_at="2026-11-23T09:00:00+00:00", unit="Surgery")
    await move(client, called_off, "closed")
    clock.now = TODAY
    return {"w1": w1, "vera": vera, "rex": rex, "open": still_open}


async def test_the_dashboard_counts_what_the_account_may_see(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await programme(client, clock)
    fay = await make_account(client, "Fay Facilitator")

    page = await client.get("/dashboard", headers=fay.headers)
    assert page.status_code == 200, page.text
    for chart in ("held", "attendance", "satisfaction", "actions", "report_backs", "phases"):
        assert f'href="/dashboard/{chart}.csv"' in page.text
    # Each chart: an SVG and its numbers in a table for screen readers.
    assert page.text.count("<svg") == 6 and page.text.count('<details class="numbers">') == 6
    assert "Olga" not in page.text
    # Months read as words on the page, in the charts and their tables; the CSV below keeps
    # them ISO, for a machine.
    assert page.text.count(">Oct 2026</text>") == 5
    assert page.text.count('<th scope="row"><time datetime="2026-11">Nov 2026</time></th>') == 5
    assert ">2026-10<" not in page.text and ">2026-11<" not in page.text
    counted = page.text[page.text.index('id="counted"') :]
    assert counted.count(f'href="/w/{made["w1"].id}/record"') == 1
    assert counted.count("<tr>") == 1 + 2  # the header row, W2 and W1
    assert "written" in counted and "not yet" in counted

    # Fay may not see W3 (restricted, Rex's); W4 is not closed.
    assert figures(table(await client.get("/dashboard/held.csv", headers=fay.headers))) == [
        ["2026-10", "1"],
        ["2026-11", "1"],
    ]
    assert figures(table(await client.get("/dashboard/attendance.csv", headers=fay.headers))) == [
        ["2026-10", "1", "1", "0"],
        ["2026-11", "0", "1", "1"],
    ]
    satisfaction = await client.get("/dashboard/satisfaction.csv", headers=fay.headers)
    assert figures(table(satisfaction)) == [["2026-10", "4.0", "2"], ["2026-11", "4.0", "1"]]
    assert figures(table(await client.get("/dashboard/actions.csv", headers=fay.headers))) == [
        ["2026-10", "1", "0", "0", "0"],
        ["2026-11", "0", "0", "0", "0"],
    ]
    backs = await client.get("/dashboard/report_backs.csv", headers=fay.headers)
    assert figures(table(backs)) == [
        ["2026-10", "1", "0", "0", "0", "0"],
        ["2026-11", "0", "0", "0", "0", "1"],
    ]
    phases = figures(table(await client.get("/dashboard/phases.csv", headers=fay.headers)))
    # 120 minutes: core phases planned at 22.5 each; context ran 20 and 10 minutes.
    assert ["Context", "22.5", "15.0"] in [[r[0].capitalize(), *r[1:]] for r in phases]
    # Nobody ran a welcome's timer: it was not timed, which the chart says rather than draw 0.
    assert ["Welcome", "", ""] in [[r[0].capitalize(), *r[1:]] for r in phases]
    page = await client.get("/dashboard", headers=fay.headers)
    chart = page.text.split('id="chart-phases"', 1)[1].split("</svg>", 1)[0]
    assert "Actual: not timed" in chart and "Actual: 0<" not in chart

    # The admin and Rex, W3's owner, see it too.
    for headers in (admin(), made["rex"].headers):
        rows = figures(table(await client.get("/dashboard/held.csv", headers=headers)))
        assert rows == [["2026-10", "1"], ["2026-11", "2"]]


async def test_the_filters(client: httpx.AsyncClient, clock: Clock) -> None:
    await programme(client, clock)
    surgery = await client.get("/dashboard/attendance.csv?unit=SURGERY", headers=admin())
    # W2 alone: vera came back, Nia is new (the history counts W1, outside the filter).
    assert figures(table(surgery)) == [["2026-11", "0", "1", "1"]]
    november = await client.get(
        "/dashboard/held.csv?from=2026-11-01&to=2026-11-30", headers=admin()
    )
    assert figures(table(november)) == [["2026-11", "2"]]
    page = await client.get("/dashboard?unit=Surgery", headers=admin())
    assert page.status_code == 200
    assert "<option selected>Surgery</option>" in page.text
    assert "<option>Cardiology</option>" in page.text
    assert 'href="/dashboard/held.csv?unit=Surgery"' in page.text

    # What a reader types comes back in the CSV's header, never as a formula.
    risky = await client.get("/dashboard/held.csv?unit=%3DHYPERLINK(1)", headers=admin())
    assert ["Unit", "'=HYPERLINK(1)"] in table(risky)
    assert figures(table(risky)) == []

    too_long = await client.post(
        "/api/v1/workshops", json=workshop_body(unit="x" * 201), headers=admin()
    )
    assert_error(too_long, 422)

    wrong = await client.get("/dashboard?from=yesterday", headers=admin())
    assert wrong.status_code == 422 and "should look like 2027-03-01" in wrong.text
    backwards = await client.get("/dashboard?from=2026-12-01&to=2026-11-01", headers=admin())
    assert backwards.status_code == 422
    assert (await client.get("/dashboard/nothing.csv", headers=admin())).status_code == 404


async def test_participants_and_strangers_are_kept_out(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await programme(client, clock)
    vera = made["vera"]
    for path in ("/dashboard", "/dashboard/held.csv"):
        assert_error(await client.get(path, headers=vera.headers), 403, "participant_token")
        client.cookies.set(session_cookie_name(made["w1"].id), sign_session(SECRET_KEY, vera.token))
        refused = await client.get(path)
        assert refused.status_code == 403 and "Vera" not in refused.text
        client.cookies.clear()
        stranger = await client.get(path)
        assert stranger.status_code == 303
        assert stranger.headers["location"] == "/signin?next=" + path
