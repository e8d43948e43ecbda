"""Accounts: creating a workshop needs one, tokens and sessions, one-time links, the list."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.api.helpers import assert_error, count_rows, db_of, dump_tables, url
from tests.conftest import Clock
from tests.factories import (
    ACCOUNT_COOKIE,
    API,
    add_card,
    admin,
    bearer,
    cookie_csrf,
    create_room,
    join,
    make_account,
    move,
    sign_in_link,
    workshop_body,
)


async def test_creating_a_workshop_needs_an_account(client: httpx.AsyncClient, app: object) -> None:
    assert_error(
        await client.post(f"{API}/workshops", json=workshop_body()), 401, "sign_in_required"
    )
    assert_error(
        await client.post(f"{API}/workshops", json=workshop_body(), headers=bearer("x" * 40)),
        401,
    )
    assert count_rows(app, "workshop") == 0
    fay = await make_account(client, "Fay")
    room = await create_room(client, owner=fay, visibility="restricted")
    assert set(room.created) >= {"workshop", "facilitator_token", "invites"}
    assert room.created["workshop"]["visibility"] == "restricted"
    owners = await client.get(url(room, "/owners"), headers=fay.headers)
    assert [(o["name"], o["kind"]) for o in owners.json()["owners"]] == [("Fay", "owner")]
    # A participant's token is not an account.
    assert_error(
        await client.post(
            f"{API}/workshops", json=workshop_body(), headers=room.facilitator.headers
        ),
        403,
        "participant_token",
    )


async def test_tokens_are_hashed_listed_and_revoked_at_once(
    client: httpx.AsyncClient, app: object
) -> None:
    fay = await make_account(client, "Fay")
    assert (await client.get(f"{API}/account", headers=fay.headers)).json()["name"] == "Fay"
    made = await client.post(f"{API}/account/tokens", json={"name": "Reports"}, headers=fay.headers)
    assert made.status_code == 201, made.text
    second = made.json()["token"]
    assert len(second) >= 40  # 256 random bits, URL-safe
    listed = (await client.get(f"{API}/account/tokens", headers=fay.headers)).json()["items"]
    assert sorted(t["name"] for t in listed) == ["Reports", "tests"]
    assert all("token" not in t for t in listed)
    tables = "\n".join(dump_tables(app).values())
    assert second not in tables and fay.token not in tables
    revoked = await client.delete(f"{API}/account/tokens/{made.json()['id']}", headers=fay.headers)
    assert revoked.status_code == 204
    assert_error(await client.get(f"{API}/account", headers=bearer(second)), 401)
    # A revoked or made-up token is no account: creating a peer assist needs one (API.md).
    for token in (second, "pat_" + "x" * 43, "no-such-token"):
        refused = await client.post(f"{API}/workshops", json=workshop_body(), headers=bearer(token))
        assert_error(refused, 401, "sign_in_required")
    # Another account cannot revoke Fay's token; the admin can, and sees every one in use.
    gus = await make_account(client, "Gus")
    fay_token_id = listed[-1]["id"] if listed[-1]["name"] == "tests" else listed[0]["id"]
    assert_error(
        await client.delete(f"{API}/account/tokens/{fay_token_id}", headers=gus.headers), 404
    )
    in_use = (await client.get(f"{API}/tokens", headers=admin())).json()["items"]
    assert {t["account"]["name"] for t in in_use} == {"Fay", "Gus"}
    assert_error(await client.get(f"{API}/tokens", headers=fay.headers), 403, "admin_only")
    assert (
        await client.delete(f"{API}/account/tokens/{fay_token_id}", headers=admin())
    ).status_code == 204
    assert_error(await client.get(f"{API}/account", headers=fay.headers), 401)


async def test_one_time_links_work_once_and_expire(
    client: httpx.AsyncClient, clock: Clock, app: object
) -> None:
    invited = await client.post(
        f"{API}/accounts", json={"email": "Hana@Example.org", "name": "Hana"}, headers=admin()
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["account"]["email"] == "hana@example.org"
    link = invited.json()["link"]
    path = "/" + link.split("/", 3)[3]
    short = await client.post(path, data={"password": "short"})
    assert short.status_code == 422
    cookie = await sign_in_link(client, link)
    assert (await client.post(path, data={"password": "another long one"})).status_code == 410
    # The admin hands out a reset link; it dies after two days unused.
    hana_id = invited.json()["account"]["id"]
    reset = await client.post(f"{API}/accounts/{hana_id}/reset-link", headers=admin())
    assert reset.status_code == 201
    clock.advance(timedelta(days=3).total_seconds())
    reset_path = "/" + reset.json()["link"].split("/", 3)[3]
    assert (
        await client.post(reset_path, data={"password": "a new long password"})
    ).status_code == 410
    assert "pages" not in str(count_rows(app, "one_time_link"))
    assert cookie


async def test_password_sign_in_sessions_and_sign_out(client: httpx.AsyncClient) -> None:
    fay = await make_account(client, "Fay")
    wrong = await client.post("/signin", data={"email": fay.email, "password": "not it at all"})
    assert wrong.status_code == 401
    signed = await client.post(
        "/signin", data={"email": fay.email.upper(), "password": fay.password, "next": "/my"}
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/my"
    set_cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    cookie = signed.cookies[ACCOUNT_COOKIE]
    client.cookies.delete(ACCOUNT_COOKIE)
    jar = {"Cookie": f"{ACCOUNT_COOKIE}={cookie}"}
    assert (await client.get("/my", headers=jar)).status_code == 200
    # A write by cookie needs the page's CSRF token.
    no_csrf = await client.post(f"{API}/account/tokens", json={"name": "x"}, headers=jar)
    assert_error(no_csrf, 403, "csrf_failed")
    # Never to another site through `next`.
    away = await client.post(
        "/signin", data={"email": fay.email, "password": fay.password, "next": "//evil.example"}
    )
    assert away.headers["location"] == "/my"
    client.cookies.delete(ACCOUNT_COOKIE)
    out = await client.post("/signout", data={"csrf": cookie_csrf(cookie)}, headers=jar)
    assert out.status_code == 303
    # The same cookie, replayed after signing out, is dead on the server.
    client.cookies.delete(ACCOUNT_COOKIE)
    again = await client.get("/my", headers=jar)
    assert again.status_code == 303 and again.headers["location"].startswith("/signin")
    assert_error(await client.get(f"{API}/account", headers=jar), 401, "sign_in_required")


async def test_sign_in_attempts_are_limited_per_account(client: httpx.AsyncClient) -> None:
    fay = await make_account(client, "Fay")
    answers = [
        (await client.post("/signin", data={"email": fay.email, "password": "wrong guess!"}))
        for _ in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    # Even the right password waits now; another account is not held up.
    right = await client.post("/signin", data={"email": fay.email, "password": fay.password})
    assert right.status_code == 429
    gus = await make_account(client, "Gus")
    ok = await client.post("/signin", data={"email": gus.email, "password": gus.password})
    assert ok.status_code == 303


async def test_admin_manages_accounts_and_keeps_one_admin(client: httpx.AsyncClient) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    assert_error(
        await client.post(
            f"{API}/accounts", json={"email": "x@y.org", "name": "X"}, headers=fay.headers
        ),
        403,
        "admin_only",
    )
    dup = await client.post(
        f"{API}/accounts", json={"email": fay.email, "name": "F"}, headers=admin()
    )
    assert_error(dup, 409, "account_exists")
    promoted = await client.patch(
        f"{API}/accounts/{fay.id}", json={"role": "admin"}, headers=admin()
    )
    assert promoted.json()["role"] == "admin"
    me = (await client.get(f"{API}/account", headers=admin())).json()
    # Fay demotes the first admin, then cannot deactivate herself as the last admin.
    demoted = await client.patch(
        f"{API}/accounts/{me['id']}", json={"role": "facilitator"}, headers=fay.headers
    )
    assert demoted.status_code == 200
    assert_error(
        await client.patch(f"{API}/accounts/{fay.id}", json={"active": False}, headers=fay.headers),
        409,
        "last_admin",
    )
    off = await client.patch(
        f"{API}/accounts/{gus.id}", json={"active": False}, headers=fay.headers
    )
    assert off.json()["active"] is False
    assert_error(await client.get(f"{API}/account", headers=gus.headers), 401, "account_inactive")


async def test_the_list_shows_what_each_account_may_see(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    open_room = await create_room(client, owner=fay, title="Discharge delays on Ward 7")
    secret = await create_room(
        client,
        owner=fay,
        title="Confidential merger",
        problem="Staff ward 7 changes",
        visibility="restricted",
    )
    await create_room(client, owner=gus, title="Theatre lists", problem="Late starts")

    async def titles(who: dict, query: str = "") -> list[str]:
        answer = await client.get(f"{API}/workshops{query}", headers=who)
        assert answer.status_code == 200, answer.text
        return [item["title"] for item in answer.json()["items"]]

    assert sorted(await titles(fay.headers)) == [
        "Confidential merger",
        "Discharge delays on Ward 7",
        "Theatre lists",
    ]
    assert "Confidential merger" not in await titles(gus.headers)
    assert len(await titles(admin())) == 3
    # q matches the title and the problem, title matches first; snippet shows the match.
    found = (await client.get(f"{API}/workshops?q=ward%207", headers=fay.headers)).json()["items"]
    assert [i["title"] for i in found] == ["Discharge delays on Ward 7", "Confidential merger"]
    assert "ward 7" in found[1]["snippet"].lower()
    assert await titles(gus.headers, "?q=merger") == []
    # Status, progress and the overdue badge.
    host = await join(client, open_room, "host", "Hana")
    await move(client, open_room, "commitment")
    await client.post(
        url(open_room, "/actions"),
        json={"title": "Book transport", "due_date": "2026-11-30"},
        headers=host.headers,
    )
    done = await client.post(
        url(open_room, "/actions"), json={"title": "Ring pharmacy"}, headers=host.headers
    )
    await client.patch(
        url(open_room, f"/actions/{done.json()['id']}"),
        json={"status": "done"},
        headers=host.headers,
    )
    await client.put(
        url(open_room, "/commitment"), json={"report_back_by": "2026-12-20"}, headers=host.headers
    )
    items = {
        i["id"]: i
        for i in (await client.get(f"{API}/workshops", headers=fay.headers)).json()["items"]
    }
    item = items[open_room.id]
    assert set(item) >= {
        "id",
        "title",
        "problem",
        "status",
        "starts_at",
        "owner",
        "report_back_by",
        "overdue",
        "actions_open",
        "actions_done",
        "snippet",
    }
    assert (item["status"], item["actions_open"], item["actions_done"]) == ("live", 1, 1)
    assert item["owner"]["name"] == "Fay" and item["report_back_by"] == "2026-12-20"
    assert item["overdue"] is False
    # Her own page says the date the way every other page does.
    signed = await client.post("/signin", data={"email": fay.email, "password": fay.password})
    jar = {"Cookie": f"{ACCOUNT_COOKIE}={signed.cookies[ACCOUNT_COOKIE]}"}
    client.cookies.delete(ACCOUNT_COOKIE)
    await join(client, open_room, "projector", "Projector")
    mine = await client.get("/my", headers=jar)
    assert "20 December 2026" in mine.text and "2026-12-20" not in mine.text
    # The facilitator and Hana are the people; the projector is a screen.
    entry = mine.text.split(f"/w/{open_room.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>People</dt><dd>2</dd>" in entry
    clock.advance(timedelta(days=8).total_seconds())  # past the action's due date
    items = {
        i["id"]: i
        for i in (await client.get(f"{API}/workshops?status=live", headers=fay.headers)).json()[
            "items"
        ]
    }
    assert items[open_room.id]["overdue"] is True
    assert secret.id not in items  # still upcoming
    upcoming = (await client.get(f"{API}/workshops?status=upcoming", headers=fay.headers)).json()[
        "items"
    ]
    assert secret.id in {i["id"] for i in upcoming}
    assert_error(await client.get(f"{API}/workshops?status=soon", headers=fay.headers), 422)
    await move(client, open_room, "closed")
    # Once the host team reports back, her page says so rather than the date it promised.
    back = await client.put(
        url(open_room, "/report-back"), json={"did": "Booked"}, headers=host.headers
    )
    assert back.status_code == 200, back.text
    mine = await client.get("/my", headers=jar)
    entry = mine.text.split(f"/w/{open_room.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>Reported back</dt><dd>" in entry and "Report back by" not in entry


async def test_my_peer_assists_says_the_start_in_the_room_s_own_time(
    client: httpx.AsyncClient,
) -> None:
    # 08:00 UTC in July is 09:00 in London, where the peer assist is planned.
    room = await create_room(client, title="Summer", starts_at="2027-07-10T08:00:00Z")
    item = next(
        i
        for i in (await client.get(f"{API}/workshops", headers=admin())).json()["items"]
        if i["id"] == room.id
    )
    assert item["time_zone"] == "Europe/London"
    mine = await client.get("/my", headers=admin())
    entry = mine.text.split(f"/w/{room.id}/open", 1)[1].split("</li>", 1)[0]
    assert "<dt>Starts</dt><dd>10 July 2027, 09:00 BST</dd>" in entry, entry
    assert "UTC" not in entry


async def test_live_means_begun_and_what_is_to_come_comes_soonest_first(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    missed = await create_room(
        client, title="Missed start", starts_at=(clock() - timedelta(days=30)).isoformat()
    )
    later = await create_room(client, title="In March", starts_at="2027-03-10T09:00:00Z")
    undated = await create_room(client, title="No date yet")
    sooner = await create_room(client, title="In December", starts_at="2026-12-11T09:00:00Z")
    begun = await create_room(client, title="Under way")
    await move(client, begun, "context")
    greeting = await create_room(
        client, title="Welcoming", starts_at=(clock() - timedelta(minutes=10)).isoformat()
    )
    listed = (await client.get(f"{API}/workshops", headers=admin())).json()["items"]
    status = {i["id"]: i["status"] for i in listed}
    # The API and the page agree: a planned time long gone does not make it live; a room
    # in its welcome at its time is.
    assert (status[missed.id], status[begun.id], status[greeting.id]) == (
        "upcoming",
        "live",
        "live",
    )
    mine = await client.get("/my", headers=admin())
    live, upcoming = (
        mine.text.split(f"<h2>{label}</h2>", 1)[1].split("<h2>", 1)[0]
        for label in ("Live", "Upcoming")
    )
    assert f"/w/{begun.id}/open" in live and f"/w/{greeting.id}/open" in live
    assert f"/w/{missed.id}/open" not in live
    order = [missed.id, sooner.id, later.id, undated.id]
    assert sorted(order, key=lambda i: upcoming.index(f"/w/{i}/open")) == order
    entries = {i: upcoming.split(f"/w/{i}/open", 1)[1].split("</li>", 1)[0] for i in order}
    assert "Not begun: its start time has passed" in entries[missed.id]
    assert not any("Not begun" in entries[i] for i in order[1:])


async def test_owners_visibility_and_the_console_from_any_browser(
    client: httpx.AsyncClient, app: object
) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    assert_error(await client.post(url(room, "/console"), headers=gus.headers), 403)
    again = await client.post(url(room, "/console"), headers=fay.headers)
    assert again.status_code == 200
    # Fay's own seat again: the same facilitator, from a token derived anew.
    assert again.json()["token"] == room.facilitator.token
    added = await client.post(url(room, "/owners"), json={"email": gus.email}, headers=fay.headers)
    assert added.status_code == 201, added.text
    seat = await client.post(url(room, "/console"), headers=gus.headers)
    state = await client.get(url(room), headers=bearer(seat.json()["token"]))
    assert state.json()["me"]["role"] == "facilitator"
    hidden = await client.put(
        url(room, "/visibility"), json={"visibility": "restricted"}, headers=gus.headers
    )
    assert hidden.json()["visibility"] == "restricted"
    # A committed write adds an event (API.md): the state's workshop says who finds it now,
    # and open screens and replays learn of it as of that seq.
    after = (await client.get(url(room), headers=bearer(seat.json()["token"]))).json()
    assert after["workshop"]["visibility"] == "restricted"
    assert after["seq"] == state.json()["seq"] + 1
    # The same again changes nothing, and adds nothing.
    again = await client.put(
        url(room, "/visibility"), json={"visibility": "restricted"}, headers=gus.headers
    )
    assert again.status_code == 200
    assert (await client.get(url(room), headers=bearer(seat.json()["token"]))).json()[
        "seq"
    ] == after["seq"]
    ida = await make_account(client, "Ida")
    assert room.id not in {
        i["id"] for i in (await client.get(f"{API}/workshops", headers=ida.headers)).json()["items"]
    }
    assert_error(await client.get(url(room, "/owners"), headers=ida.headers), 404)
    assert count_rows(app, "workshop_owners", workshop_id=room.id) == 2
    assert db_of(app) is not None


async def test_templates_belong_to_accounts(client: httpx.AsyncClient) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    saved = await client.post(
        url(room, "/agenda/templates"),
        json={"name": "Fay's half day"},
        headers=room.facilitator.headers,
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["created_by"] == fay.id
    assert_error(await client.get(f"{API}/agenda-templates"), 401, "sign_in_required")
    visitor = await join(client, room, "visitor", "Vera")
    assert_error(await client.get(f"{API}/agenda-templates", headers=visitor.headers), 403)
    listed = (await client.get(f"{API}/agenda-templates", headers=gus.headers)).json()
    assert "Fay's half day" in [t["name"] for t in listed]
    template_id = saved.json()["id"]
    assert_error(
        await client.delete(f"{API}/agenda-templates/{template_id}", headers=gus.headers), 403
    )
    assert (
        await client.delete(f"{API}/agenda-templates/{template_id}", headers=fay.headers)
    ).status_code == 204
    assert (await add_card(client, room, room.facilitator, "context", "x")).status_code == 201


async def test_owners_share_from_my_peer_assists(client: httpx.AsyncClient) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    signed = await client.post("/signin", data={"email": fay.email, "password": fay.password})
    cookie = signed.cookies[ACCOUNT_COOKIE]
    page = await client.get("/my")
    assert room.created["workshop"]["title"] in page.text
    csrf = cookie_csrf(cookie)
    shared = await client.post(f"/my/{room.id}/owners", data={"email": gus.email, "csrf": csrf})
    assert shared.status_code == 303
    hidden = await client.post(
        f"/my/{room.id}/visibility", data={"visibility": "restricted", "csrf": csrf}
    )
    assert hidden.status_code == 303
    forged = await client.post(f"/my/{room.id}/visibility", data={"visibility": "organisation"})
    assert forged.status_code == 403
    client.cookies.clear()
    owners = (await client.get(url(room, "/owners"), headers=gus.headers)).json()["owners"]
    assert [(o["name"], o["kind"]) for o in owners] == [("Fay", "owner"), ("Gus", "co_owner")]
    listed = (await client.get(f"{API}/workshops", headers=gus.headers)).json()["items"]
    assert [i["visibility"] for i in listed if i["id"] == room.id] == ["restricted"]


async def test_first_run_link_and_admin_token(tmp_path, sqlite_url: str, clock: Clock) -> None:
    from app.cli import first_run_link
    from app.main import create_app
    from tests.conftest import make_settings

    fresh = create_app(make_settings(tmp_path, sqlite_url, admin_token=""), clock=clock)
    link = first_run_link(fresh.state.services)
    assert link is not None and "/setup/" in link
    transport = httpx.ASGITransport(app=fresh)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        path = "/" + link.split("/", 3)[3]
        made = await web.post(
            path, data={"name": "Alex", "email": "alex@example.org", "password": "long enough pw"}
        )
        assert made.status_code == 303 and made.headers["location"] == "/admin"
        again = await web.post(
            path, data={"name": "Eve", "email": "eve@example.org", "password": "long enough pw"}
        )
        assert again.status_code == 410
    assert first_run_link(fresh.state.services) is None  # an account exists now
    # ADMIN_TOKEN given later acts as that same first admin.
    later = create_app(make_settings(tmp_path, sqlite_url), clock=clock)
    transport = httpx.ASGITransport(app=later)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        me = await api.get(f"{API}/account", headers=admin())
        assert me.json()["email"] == "alex@example.org"


async def test_pages_opened_with_a_seat_keep_the_account_links_in_their_header(
    client: httpx.AsyncClient,
) -> None:
    fay = await make_account(client, "Fay")
    room = await create_room(client, owner=fay)
    signed = await client.post("/signin", data={"email": fay.email, "password": fay.password})
    cookie = signed.cookies[ACCOUNT_COOKIE]
    client.cookies.delete(ACCOUNT_COOKIE)
    both = {**room.facilitator.headers, "Cookie": f"{ACCOUNT_COOKIE}={cookie}"}
    vera = await join(client, room, "visitor", "Vera")
    await move(client, room, "closed")
    for page in ("before", "record", "follow-up", "review"):
        seen = await client.get(f"/w/{room.id}/{page}", headers=both)
        assert seen.status_code == 200, (page, seen.text)
        assert 'href="/my">My peer assists</a>' in seen.text, page
        # Its sign-out form carries the account's token, not the seat's.
        assert f'name="csrf" value="{cookie_csrf(cookie)}"' in seen.text, page
    # Someone in the room without an account gets no account links.
    record = await client.get(f"/w/{room.id}/record", headers=vera.headers)
    assert record.status_code == 200 and "My peer assists" not in record.text
    jar = {"Cookie": f"{ACCOUNT_COOKIE}={cookie}"}
    out = await client.post("/signout", data={"csrf": cookie_csrf(cookie)}, headers=jar)
    assert out.status_code == 303
