"""The library page: every peer assist an account may see, its filters and its search, on
SQLite and PostgreSQL (through `client`). Everything here is written through the API."""

from __future__ import annotations

import re

import httpx
import pytest

from app.security import session_cookie_name, sign_session
from tests.api.helpers import add_action, url
from tests.conftest import SECRET_KEY, Clock
from tests.factories import API, Room, add_card, admin, create_room, join, make_account, move

HTMX = {"HX-Request": "true"}


def listed(page: httpx.Response) -> list[str]:
    """The titles on a library page, top to bottom."""
    assert page.status_code == 200, page.text
    return re.findall(r'<a class="title" href="/w/[\w-]+/record">([^<]+)</a>', page.text)


async def library(client: httpx.AsyncClient, headers: dict | None = None, **params: str):
    return await client.get("/library", params=params, headers=headers or admin())


async def decided(client: httpx.AsyncClient, room: Room, *, by: str, note: str) -> None:
    await move(client, room, "commitment")
    response = await client.put(
        url(room, "/commitment"),
        json={"report_back_by": by, "note": note},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200, response.text


async def test_each_entry_shows_who_when_what_was_decided_and_the_report_back(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    room = await create_room(
        client,
        title="Night-time falls",
        problem="Frail patients fall at night.",
        starts_at="2026-11-23T09:00:00Z",
    )
    await join(client, room, "host", "Hana Host")
    await decided(client, room, by="2026-11-25", note="Trial low beds on two bays")
    done = await add_action(client, room, room.facilitator, title="Buy floor mats")
    await client.patch(
        url(room, f"/actions/{done.json()['id']}"),
        json={"status": "done"},
        headers=room.facilitator.headers,
    )
    await add_action(client, room, room.facilitator, title="Audit falls", due_date="2026-11-24")
    page = await library(client)
    assert '<span class="report-back due">due soon</span>' in page.text
    assert 'overdue">Overdue actions</span>' not in page.text
    clock.advance(8 * 86400)
    page = await library(client)
    assert listed(page) == ["Night-time falls"]
    entry = page.text
    assert "Hana Host" in entry and "facilitated by Ada Facilitator" in entry
    assert '<time datetime="2026-11-23">23 Nov 2026</time>' in entry
    assert "Trial low beds on two bays" in entry
    assert "1 done, 1 open" in entry
    # A week on, the report-back date has passed with an action still open.
    assert '<time datetime="2026-11-25">25 Nov 2026</time>' in entry
    assert '<span class="report-back overdue">overdue</span>' in entry
    assert '<span class="status-badge overdue">Overdue actions</span>' in entry
    assert 'href="/library"' in (await client.get("/my", headers=admin())).text
    record = await client.get(f"/w/{room.id}/record", headers=admin())
    assert '<a href="/library">Back to the library</a>' in record.text
    # The record calls the line what it is in the library: what this peer assist decided.
    assert "<strong>Decided:</strong> Trial low beds on two bays" in record.text


async def test_status_filter(client: httpx.AsyncClient) -> None:
    await create_room(client, title="Later on", starts_at="2027-01-10T09:00:00Z")
    live = await create_room(client, title="Happening now")
    await move(client, live, "context")
    closed = await create_room(client, title="All done")
    await move(client, closed, "closed")
    assert listed(await library(client, status="upcoming")) == ["Later on"]
    assert listed(await library(client, status="live")) == ["Happening now"]
    assert listed(await library(client, status="closed")) == ["All done"]
    assert sorted(listed(await library(client))) == ["All done", "Happening now", "Later on"]


async def test_date_range_filter(client: httpx.AsyncClient) -> None:
    for title, day in (
        ("October", "2026-10-05"),
        ("November", "2026-11-05"),
        ("May", "2027-05-01"),
    ):
        await create_room(client, title=title, starts_at=f"{day}T09:00:00Z")
    assert sorted(listed(await library(client, **{"from": "2026-11-01"}))) == ["May", "November"]
    assert listed(await library(client, to="2026-10-31")) == ["October"]
    assert listed(await library(client, **{"from": "2026-10-05", "to": "2026-11-05"})) == [
        "November",
        "October",
    ]


async def test_a_date_nobody_could_mean_is_a_sentence(client: httpx.AsyncClient) -> None:
    await create_room(client, title="Anything")
    page = await library(client, **{"from": "2026-13-40"})
    assert page.status_code == 422
    assert "The from date should look like 2027-03-01." in page.text
    backwards = await library(client, **{"from": "2026-12-01", "to": "2026-11-01"})
    assert backwards.status_code == 422 and "comes after the to date" in backwards.text
    swapped = await client.get("/library", params={"status": "soon"}, headers=admin() | HTMX)
    assert swapped.status_code == 422
    assert swapped.json() == {
        "detail": "Status is upcoming, live or closed.",
        "code": "invalid_status",
    }


async def test_overdue_actions_only(client: httpx.AsyncClient, clock: Clock) -> None:
    late = await create_room(client, title="Late actions")
    await move(client, late, "commitment")
    await add_action(client, late, late.facilitator, title="Overdue one", due_date="2026-11-25")
    on_time = await create_room(client, title="On time")
    await move(client, on_time, "commitment")
    await add_action(client, on_time, on_time.facilitator, title="Later", due_date="2027-01-01")
    await create_room(client, title="No actions")
    assert listed(await library(client, overdue="on")) == []
    clock.advance(5 * 86400)
    assert listed(await library(client, overdue="on")) == ["Late actions"]
    assert len(listed(await library(client))) == 3


async def test_theme_filter(client: httpx.AsyncClient) -> None:
    themed = await create_room(client, title="Themed")
    await move(client, themed, "analysis")
    made = await client.post(
        url(themed, "/themes"), json={"name": "Transport"}, headers=themed.facilitator.headers
    )
    assert made.status_code == 201, made.text
    await create_room(client, title="Unthemed")
    page = await library(client)
    assert "<option >Transport</option>" in page.text
    # Names are one theme whatever their case or spacing.
    assert listed(await library(client, theme="  transport ")) == ["Themed"]
    assert listed(await library(client, theme="Staffing")) == []


async def test_search_is_ranked_highlighted_and_combines_with_filters(
    client: httpx.AsyncClient,
) -> None:
    in_card = await create_room(client, title="Clinic letters", problem="Letters are late.")
    response = await add_card(
        client, in_card, in_card.facilitator, "option", "Dictation software cut the backlog"
    )
    assert response.status_code == 201, response.text
    in_title = await create_room(client, title="Faster dictation", problem="Typed letters wait.")
    await create_room(client, title="Theatre lists", problem="Lists overrun.")
    page = await library(client, q="dictation")
    assert listed(page) == ["Faster dictation", "Clinic letters"]
    assert "<mark>Dictation</mark> software" in page.text
    assert "best match first" in page.text
    await move(client, in_title, "closed")
    assert listed(await library(client, q="dictation", status="closed")) == ["Faster dictation"]
    assert listed(await library(client, q="zebra")) == []


async def test_htmx_gets_the_results_alone(client: httpx.AsyncClient) -> None:
    await create_room(client, title="Faster dictation", problem="Typed letters wait.")
    full = await library(client)
    assert 'hx-get="/library"' in full.text and 'method="get"' in full.text
    part = await client.get("/library", params={"q": "dictation"}, headers=admin() | HTMX)
    assert part.status_code == 200
    assert "<form" not in part.text and "Faster dictation" in part.text
    assert "HX-Request" in part.headers["vary"]
    assert part.headers["hx-push-url"] == "/library?q=dictation"
    restore = HTMX | {"HX-History-Restore-Request": "true"}
    assert "<form" in (await client.get("/library", headers=admin() | restore)).text


async def test_restricted_and_hidden_stay_out_of_sight(client: httpx.AsyncClient) -> None:
    owner = await make_account(client, "Olu Owner")
    peer = await make_account(client, "Pat Peer")
    secret = await create_room(
        client,
        owner=owner,
        title="Sterile supply shortages",
        problem="Sterile trays run short.",
        visibility="restricted",
    )
    open_room = await create_room(client, owner=owner, title="Open room", problem="Beds.")
    card = await add_card(
        client, open_room, open_room.facilitator, "option", "Borrow zebras from the zoo"
    )
    hidden = await client.patch(
        f"{API}/workshops/{open_room.id}/cards/{card.json()['id']}",
        json={"hidden": True},
        headers=open_room.facilitator.headers,
    )
    assert hidden.status_code == 200, hidden.text
    both = ["Open room", "Sterile supply shortages"]
    assert sorted(listed(await library(client, owner.headers))) == both
    assert sorted(listed(await library(client, admin()))) == both
    page = await library(client, peer.headers)
    assert listed(page) == ["Open room"]
    assert "Sterile" not in page.text and secret.id not in page.text
    assert listed(await library(client, peer.headers, q="sterile")) == []
    for who in (owner.headers, peer.headers, admin()):
        found = await library(client, who, q="zebras")
        assert listed(found) == [] and "Borrow" not in found.text


async def test_participants_are_refused_and_strangers_sent_to_sign_in(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client, title="Anything")
    visitor = await join(client, room, "visitor", "Vera")
    by_token = await client.get("/library", headers=visitor.headers)
    assert by_token.status_code == 403
    assert "is for taking part in its peer assist only" in by_token.text
    client.cookies.set(session_cookie_name(room.id), sign_session(SECRET_KEY, visitor.token))
    by_cookie = await client.get("/library")
    assert by_cookie.status_code == 403 and "Sign in with an account" in by_cookie.text
    client.cookies.clear()
    stranger = await client.get("/library", params={"status": "closed"})
    assert stranger.status_code == 303
    assert stranger.headers["location"] == "/signin?next=/library%3Fstatus%3Dclosed"


async def test_without_semantic_search_the_page_says_so(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.search import semantic

    monkeypatch.setattr(semantic, "available", lambda: False)
    await create_room(client, title="Faster dictation", problem="Typed letters wait.")
    page = await library(client, q="voice typing")
    assert "Finding peer assists that say the same in other words needs" in page.text
    assert semantic.INSTALL_HINT in page.text.replace("&#39;", "'")
    assert "In other words" not in page.text
    assert "semantic-missing" not in (await library(client)).text
