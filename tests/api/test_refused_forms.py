"""A form the server refuses comes back as the person left it: what they typed (never the words
saved before), the sentence beside the field it is about, and nothing saved."""

from __future__ import annotations

import html

import httpx

from tests.api.helpers import url
from tests.factories import create_room, join, move


def text_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


async def test_a_refused_briefing_keeps_what_was_typed_and_saves_nothing(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    headers = room.facilitator.headers
    before = f"/w/{room.id}/before"
    saved = await client.post(
        f"{before}/briefing",
        data={"purpose": "Old purpose", "background": "Old background", "links": ""},
        headers=headers,
    )
    assert "Saved." in saved.text
    typed = {
        "purpose": "Learn how other wards book transport",
        "background": "We tried a discharge lounge in 2024.",
        "links": "https://example.org/audit\nexample.org/no-scheme",
        "ground_rules": "Phones down.",
        "recorded": "on",
    }
    refused = text_of(await client.post(f"{before}/briefing", data=typed, headers=headers))
    sentence = "Links must start with http:// or https://: example.org/no-scheme."
    assert sentence in refused and "Saved." not in refused
    for value in (typed["purpose"], typed["background"], typed["links"], typed["ground_rules"]):
        assert value in refused
    assert "Old background" not in refused and 'name="recorded" checked' in refused
    # The sentence stands under the links it is about, not above the whole form.
    links_at = refused.index('name="links"')
    assert links_at < refused.index(sentence) < refused.index('name="ground_rules"')
    assert 'inputmode="url" aria-invalid="true"' in refused
    page = text_of(await client.get(before, headers=headers))
    assert "Old background" in page and typed["background"] not in page


async def test_refused_forms_after_the_meeting_keep_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana Host")
    vera = await join(client, room, "visitor", "Vera Visitor")
    # Before reflection the survey is not open: the score and the words chosen stay chosen.
    answer = {"satisfaction": "4", "most_valuable": "Hearing Ward 3", "ideas": "Shorter"}
    survey = text_of(await client.post(f"/w/{room.id}/survey", data=answer, headers=vera.headers))
    assert "Feedback opens at reflection" in survey
    assert 'value="4" required checked' in survey
    assert "Hearing Ward 3" in survey and "Shorter" in survey
    assert ">Send</button>" in survey  # nothing was saved to update

    await move(client, room, "commitment")
    made = await client.post(
        url(room, "/actions"), json={"title": "Book transport"}, headers=host.headers
    )
    action = made.json()["id"]
    # A note typed with no status chosen is not thrown away. (A status not sent at all is a
    # status left as it was, as for every field of this form: after_pages._changed.)
    follow_up = f"/w/{room.id}/follow-up/actions/{action}"
    unchosen = {"status": "", "note": "Rang pharmacy"}
    refused = text_of(await client.post(follow_up, data=unchosen, headers=host.headers))
    assert "Choose a status." in refused and "Rang pharmacy" in refused
    assert refused.index("</fieldset>") > refused.index("Choose a status.")
    long_note = {"status": "done", "note": "x" * 2001}
    refused = text_of(await client.post(follow_up, data=long_note, headers=host.headers))
    assert "The note is longer than 2000 characters." in refused
    assert 'value="done" checked' in refused and long_note["note"] in refused
    state = (await client.get(url(room), headers=host.headers)).json()
    assert [(a["status"], a.get("note")) for a in state["actions"]] == [("open", None)]

    # Reporting back before the meeting has closed: the words stay, and no report exists.
    typed = {"did": "Booked transport at admission", "learned": "Porters matter"}
    report = text_of(
        await client.post(f"/w/{room.id}/follow-up/report-back", data=typed, headers=host.headers)
    )
    assert "after the meeting has closed" in report
    assert typed["did"] in report and typed["learned"] in report
    assert ">Report back</button>" in report
