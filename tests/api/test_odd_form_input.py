"""What a person (or a script) can put in a form that the form never offers: a digit that is
not 0-9, thousands of digits, an id past what the database can hold, a file in a date's
place, words where a number goes. Each gets a sentence or a 404, never a 500, and nothing
typed is dropped without a word."""

from __future__ import annotations

import html

import httpx

from tests.api.helpers import assert_error
from tests.api.test_form_errors import START
from tests.api.test_forms import SAME_SITE
from tests.factories import Room, admin, create_room, join, make_account, move, sign_in

NOT_DIGITS = ("²", "9" * 5000)
PAST_THE_DATABASE = ("99999999999999999999", "9223372036854775808")


async def invitee(client: httpx.AsyncClient, room: Room, **form: str) -> httpx.Response:
    fields = {"name": "Yan", "email": "yan@example.org", "role": "visitor", **form}
    return await client.post(
        f"/w/{room.id}/before/invitees", data=fields, headers=room.facilitator.headers
    )


async def test_years_that_are_not_a_number_are_refused_with_a_sentence(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    for years in (*NOT_DIGITS, "abc", "-3", "3.5"):
        answer = await invitee(client, room, years=years)
        assert answer.status_code == 200, (years, answer.text[:200])
        assert "Years of experience are a whole number from 0 to 70." in answer.text
        assert "yan@example.org" in answer.text  # what was typed stays in the form
        assert "/before/invitees/" not in answer.text  # and nobody was added
    added = await invitee(client, room, years="12")
    assert "/before/invitees/" in added.text and "Years of experience" not in added.text


async def test_an_invitee_id_past_the_database_is_404(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    for invitee_id in PAST_THE_DATABASE:
        base = f"/w/{room.id}/before/invitees/{invitee_id}"
        who = room.facilitator.headers
        for reply in (
            await client.get(f"{base}/text", headers=who),
            await client.get(f"{base}/invite.ics", headers=who),
        ):
            assert reply.status_code == 404, reply.text[:200]
        removed = await client.post(f"{base}/remove", headers=who)
        assert removed.status_code < 500
        assert "not on this invitation list" in html.unescape(removed.text)


async def test_a_satisfaction_that_is_not_a_number_gets_the_rules_sentence(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera")
    await move(client, room, "reflection")
    for score in NOT_DIGITS:
        sent = await client.post(
            f"/w/{room.id}/survey", data={"satisfaction": score}, headers=vera.headers
        )
        # Answered in place, as the survey's other refusals are (htmx swaps it in).
        assert sent.status_code == 200, sent.text[:200]
        assert "Satisfaction is a whole number from 1 to 5" in sent.text
        assert "Thank you" not in sent.text


async def test_the_admins_subject_access_with_an_odd_account_id(
    client: httpx.AsyncClient,
) -> None:
    lead = await make_account(client, "Lead", role="admin")
    await sign_in(client, lead)
    for account_id in NOT_DIGITS:
        got = await client.get("/admin/subject-access", params={"account_id": account_id})
        assert got.status_code == 422, got.text[:200]
        assert "Give a participant's name" in html.unescape(got.text)


async def test_a_file_in_a_dates_place_is_a_date_not_given(client: httpx.AsyncClient) -> None:
    upload = {"starts_at": ("starts.txt", b"2027-01-05T10:00", "text/plain")}
    advice = await client.post("/start/advice", files=upload, data={"title": "x"})
    assert advice.status_code == 200, advice.text[:200]
    started = await client.post("/start", data=START, files=upload, headers=SAME_SITE)
    assert started.status_code == 303, started.text[:300]


async def test_the_before_pages_dates_say_what_is_wrong_in_the_forms_words(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    who = room.facilitator.headers
    for typed in ("abc", "2027-02-30T10:00"):
        answer = await client.post(
            f"/w/{room.id}/before/schedule", data={"starts_at": typed}, headers=who
        )
        said = html.unescape(answer.text)
        assert "Starts: not a date and time we can read; pick a day and a time." in said
        assert "Please correct the request" not in said and "Input should be" not in said


async def test_a_name_of_invisible_characters_is_nobody(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    code = room.invites["visitor"]["code"]
    for name in ("\u200b\u200b", "\ufeff", "\u00ad \u2060", "\u200e\u202e", "\u3164", "\u2800"):
        joined = await client.post(
            f"/api/v1/join/{code}", json={"name": name, "accept_ground_rules": True}
        )
        assert joined.status_code == 422, joined.text
        page = await client.post(f"/j/{code}", data={"name": name, "accept": "on"})
        assert page.status_code == 422
        assert "Your name: please fill this in" in html.unescape(page.text)
    named = await client.post(
        f"/api/v1/join/{code}", json={"name": "Zoë\u200b", "accept_ground_rules": True}
    )
    assert named.status_code == 201  # a visible letter with it is a name
    emoji = await client.post(
        f"/api/v1/join/{code}",
        json={"name": "\U0001f469\u200d\u2695\ufe0f", "accept_ground_rules": True},
    )
    assert emoji.status_code == 201  # a joined emoji shows


async def test_account_and_token_names_refuse_nul_on_every_database(
    client: httpx.AsyncClient,
) -> None:
    invited = await client.post(
        "/api/v1/accounts",
        json={"email": "nul@example.org", "name": "Nu\x00ll", "role": "facilitator"},
        headers=admin(),
    )
    assert_error(invited, 422, "invalid_name")
    fay = await make_account(client, "Fay")
    token = await client.post("/api/v1/account/tokens", json={"name": "t\x00"}, headers=fay.headers)
    assert_error(token, 422, "invalid_name")
    assert "(NUL)" in token.json()["detail"]
