"""Small things a facilitator hits: the icon, dates people read, the room's own time zone."""

from __future__ import annotations

import math
import re

import httpx
import pytest
from pydantic import ValidationError

from app.domain.dates import clock_time, long_date, time_on
from app.security import session_cookie_name, sign_session
from app.settings import load_settings
from app.web.templating import planned_minutes
from tests.factories import API, add_card, admin, create_room, join, move


def test_the_agenda_shows_planned_minutes_that_save_back_to_the_same_second() -> None:
    # app.js sends Math.round(parseFloat(shown) * 60); every plan up to the 72-hour cap must
    # come back as itself, so saving the form unchanged changes nothing.
    assert (planned_minutes(1350), planned_minutes(1320), planned_minutes(1)) == (
        "22.5",
        "22",
        "0.02",
    )
    for seconds in range(0, 4320 * 60 + 1):
        assert math.floor(float(planned_minutes(seconds)) * 60 + 0.5) == seconds


async def test_favicon_ico_is_the_app_icon(client: httpx.AsyncClient) -> None:
    answer = await client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.content == (await client.get("/static/favicon.svg")).content


def test_dates_and_times_read_the_way_people_say_them() -> None:
    assert long_date("2027-03-01") == "1 March 2027"
    assert clock_time("2027-07-01T08:30:00+00:00", "Europe/London") == "1 July 2027, 09:30 BST"
    assert clock_time("2027-01-15T14:00:00+00:00", "Asia/Tokyo").startswith(
        "15 January 2027, 23:00"
    )


def test_time_zone_setting_defaults_to_london_and_refuses_nonsense(tmp_path: object) -> None:
    assert load_settings(secret_key="x" * 32).time_zone == "Europe/London"
    assert load_settings(secret_key="x" * 32, time_zone="Asia/Tokyo").time_zone == "Asia/Tokyo"
    with pytest.raises(ValidationError):
        load_settings(secret_key="x" * 32, time_zone="Mars/Olympus")


async def test_the_start_form_keeps_the_chosen_zone(client: httpx.AsyncClient) -> None:
    # Starting a peer assist takes an account.
    form = await client.get("/", headers=admin())
    assert 'name="aim_is_learning" required' in form.text
    assert "<option selected>Europe/London</option>" in form.text
    # The account's own name is offered as the facilitator's: most often they facilitate.
    name = (await client.get("/api/v1/account", headers=admin())).json()["name"]
    assert f'name="facilitator_name" required maxlength="80" value="{name}"' in form.text
    made = await client.post(
        "/start",
        data={
            "title": "Cutting discharge delays on Ward 7",
            "problem": "Patients wait a day for transport.",
            "aim_is_learning": "on",
            "length": "min:90",
            "starts_at": "2027-03-01T09:30",
            "time_zone": "America/New_York",
            "facilitator_name": "Ada",
        },
        headers=admin(),
    )
    assert made.status_code == 303, made.text
    printed = await client.get(made.headers["location"] + "/print")
    assert f'<a href="{made.headers["location"]}">Back to the meeting</a>' in printed.text
    # 09:30 on the wall in New York, said as such, not shifted to UTC.
    assert "Facilitated by Ada, 1 March 2027, 09:30 Eastern Standard Time" in printed.text, (
        re.findall(r"Facilitated[^<]*", printed.text)
    )


async def test_no_vote_button_on_a_hidden_card_for_its_author(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Walt")
    await move(client, room, "analysis")
    shown = await add_card(client, room, vera, "option", "Pharmacy prepares medicines early.")
    hidden = await add_card(client, room, vera, "option", "Something rude.")
    answer = await client.patch(
        f"{API}/workshops/{room.id}/cards/{hidden.json()['id']}",
        json={"hidden": True},
        headers=room.facilitator.headers,
    )
    assert answer.status_code == 200, answer.text
    # Walt, the author, opens his room through the page with his own cookie.
    client.cookies.clear()
    client.cookies.set(session_cookie_name(room.id), sign_session("test-secret-key", vera.token))
    page = (await client.get(f"/w/{room.id}")).text
    article = re.compile(r'<article id="card-(\d+)".*?</article>', re.S)
    cards = {m.group(1): m.group(0) for m in article.finditer(page)}
    assert 'class="vote"' in cards[str(shown.json()["id"])]
    assert 'class="vote"' not in cards[str(hidden.json()["id"])]


async def test_the_way_to_the_report_back_date_is_on_screens_not_on_paper(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    hana = await join(client, room, "host", "Hana")
    await move(client, room, "commitment")
    link = '<a href="#commitment-form">commit to one</a>'
    assert link in (await client.get(f"/w/{room.id}", headers=hana.headers)).text
    printed = (await client.get(f"/w/{room.id}/print", headers=hana.headers)).text
    assert "No report-back date yet" in printed and link not in printed


async def test_head_is_answered_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    got = await client.get("/r")  # the room-code page: open to anyone, signed in or not
    head = await client.head("/r")
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))
    assert (await client.head("/no-such-page")).status_code == 404


def test_a_time_beside_others_of_its_day_says_only_the_time() -> None:
    day = "2026-12-03T09:00:00+00:00"
    assert time_on("2026-12-03T14:19:00+00:00", day) == "14:19"
    # In the workshop's own zone: 23:30 in London is already the 4th in Auckland.
    assert time_on("2026-12-03T23:30:00+00:00", day, "Pacific/Auckland") == "4 Dec, 12:30"
    assert time_on("2026-12-02T16:05:00+00:00", day) == "2 Dec, 16:05"
    assert time_on(None, day) == ""
