"""A refused form speaks to the person filling it in: each field by the label it shows, what is
wrong in plain words, every problem at once, and what they typed kept. The JSON API goes on
naming fields for programs."""

from __future__ import annotations

import html
import re

import httpx

from tests.api.helpers import assert_error
from tests.api.test_forms import FORM, SAME_SITE
from tests.factories import API, admin, create_room, workshop_body

START = {**FORM, "length": "min:120"}
FIELD_NAMES = re.compile(r"\b(facilitator_name|decision_date|starts_at|duration_minutes)\b")


def problems(page: httpx.Response) -> list[str]:
    """The sentences of the page's error box."""
    one = re.search(r'<p class="error" role="alert">(.*?)</p>', page.text, re.S)
    if one:
        return [html.unescape(one.group(1))]
    box = re.search(r'<div class="error" role="alert">.*?<ul>(.*?)</ul>', page.text, re.S)
    assert box, page.text
    return [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", box.group(1), re.S)]


def shown_text(page: httpx.Response) -> str:
    """What a person reads: the page without its markup (the field names are in the markup)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


async def test_the_start_form_names_every_problem_by_its_label(
    client: httpx.AsyncClient,
) -> None:
    typed = {
        **START,
        "title": "T" * 250,
        "problem": "   ",
        "facilitator_name": "A" * 100,
        "decision_date": "31/01/2027",
        "unit": "U" * 300,
    }
    page = await client.post("/start", data=typed, headers=SAME_SITE)
    assert page.status_code == 422
    assert problems(page) == [
        "Title: too long; please keep it to 200 characters (it has 250).",
        "The problem the host team wants help with: please fill this in "
        "(spaces alone do not count).",
        "Your name: too long; please keep it to 80 characters (it has 100).",
        "Decision date: not a date we can read; pick a day, for example 31 January 2027.",
        "The host team's unit: too long; please keep it to 200 characters (it has 300).",
    ]
    text = shown_text(page)
    assert "Please correct these 5 things" in text
    assert not FIELD_NAMES.search(text) and "more)" not in text, text
    assert "Please correct the request" not in text
    # What was typed stays in the form.
    assert f'value="{"T" * 250}"' in page.text and f'value="{"A" * 100}"' in page.text


async def test_the_start_form_says_its_own_checks_with_the_fields_problems(
    client: httpx.AsyncClient,
) -> None:
    typed = {**START, "title": " ", "time_zone": "Mars/Olympus"}
    del typed["aim_is_learning"]
    page = await client.post("/start", data=typed, headers=SAME_SITE)
    assert page.status_code == 422
    assert problems(page) == [
        "Tick the box to confirm the aim is to learn, not to have a decision endorsed.",
        "Time zone: choose one from the list.",
        "Title: please fill this in (spaces alone do not count).",
    ]
    start = await client.post(
        "/start",
        data={**START, "starts_at": "2027-13-01T09:00", "length": "nonsense"},
        headers=SAME_SITE,
    )
    assert problems(start) == [
        "Length: choose one from the list; that choice is not one we offer.",
        "Starts: not a date and time we can read; pick a day and a time.",
    ]


async def test_the_join_forms_name_the_field_as_they_show_it(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    code = room.invites["visitor"]["url"].rsplit("/", 1)[-1]
    room_code = room.created["workshop"]["room_code"]
    for path in (f"/j/{code}", f"/r/{room_code}"):
        page = await client.post(path, data={"name": "N" * 81, "accept": "on"})
        assert page.status_code == 422, path
        assert problems(page) == [
            "Your name: too long; please keep it to 80 characters (it has 81)."
        ], path
        assert 'value="' + "N" * 81 + '"' in page.text


async def test_the_api_still_names_fields_for_programs(client: httpx.AsyncClient) -> None:
    made = await client.post(
        f"{API}/workshops", json=workshop_body(title="T" * 201), headers=admin()
    )
    body = assert_error(made, 422, "too_long")
    assert body["detail"] == (
        "Please correct the request: title: String should have at most 200 characters."
    )


async def test_a_start_the_clocks_skip_is_refused_where_it_is_typed(
    client: httpx.AsyncClient,
) -> None:
    skipped = {"starts_at": "2027-03-28T01:30", "time_zone": "Europe/London"}
    page = await client.post("/start", data={**START, **skipped}, headers=SAME_SITE)
    assert page.status_code == 422
    (problem,) = problems(page)
    assert problem.startswith("Starts: 01:30 on 28 March 2027 never shows on the clocks"), problem
    assert 'value="2027-03-28T01:30"' in page.text  # kept as typed, to be moved
    advice = await client.post("/start/advice", data=skipped, headers=SAME_SITE)
    assert advice.status_code == 200 and "never shows on the clocks" in advice.text
    # At the calendar's edges there is no hour to skip: the start's own range is said.
    for edge, zone in (
        ("9999-12-31T23:30", "America/New_York"),
        ("0001-01-01T00:10", "Asia/Tokyo"),
    ):
        page = await client.post(
            "/start", data={**START, "starts_at": edge, "time_zone": zone}, headers=SAME_SITE
        )
        assert page.status_code == 422 and "Starts:" in problems(page)[0], (edge, page.text)
        advice = await client.post(
            "/start/advice", data={"starts_at": edge, "time_zone": zone}, headers=SAME_SITE
        )
        assert advice.status_code == 200, (edge, advice.text)
    # An hour later is a time like any other.
    later = {**START, **skipped, "starts_at": "2027-03-28T02:30"}
    made = await client.post("/start", data=later, headers=SAME_SITE)
    assert made.status_code == 303, made.text
