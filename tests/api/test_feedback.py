"""The survey after the meeting: when it opens, what it accepts, and who reads the answers."""

from __future__ import annotations

import io

import httpx
from docx import Document

from tests.api.helpers import assert_error, count_rows, url
from tests.factories import create_room, join, make_account, move

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def readable(answer: httpx.Response) -> str:
    """The text of an answer as a reader sees it: a Word file's own words, not its zip."""
    if answer.headers["content-type"].startswith(DOCX):
        return "\n".join(p.text for p in Document(io.BytesIO(answer.content)).paragraphs)
    return answer.text


async def give(client: httpx.AsyncClient, room, who, **body: object) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post(url(room, "/feedback"), json=body, headers=who.headers)


async def test_feedback_opens_at_reflection_and_a_second_answer_replaces_the_first(
    app: object, client: httpx.AsyncClient
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Visitor")
    hana = await join(client, room, "host", "Hana Host")
    board = await join(client, room, "projector", "Board")
    for phase in ("welcome", "analysis", "commitment"):
        if phase != "welcome":
            await move(client, room, phase)
        assert_error(await give(client, room, vera, satisfaction=4), 409, "feedback_not_open")
    await move(client, room, "reflection")
    for bad in (0, 6, -1):
        response = await give(client, room, vera, satisfaction=bad)
        assert_error(response, 422, "satisfaction_out_of_range")
    assert_error(await give(client, room, vera, satisfaction="lots"), 422)
    assert_error(await give(client, room, vera, most_valuable="no score"), 422)
    assert_error(await give(client, room, board, satisfaction=3), 403)
    # NUL is refused with a sentence on both databases (PostgreSQL cannot store it; SQLite
    # kept it and served it back), as in every other text.
    nul = await give(client, room, vera, satisfaction=4, most_valuable="nul\u0000here")
    assert "NUL" in assert_error(nul, 422, "invalid")["detail"]
    assert count_rows(app, "feedback") == 0

    first = await give(client, room, vera, satisfaction=2, most_valuable="The questions")
    assert first.status_code == 201, first.text
    assert first.json()["satisfaction"] == 2
    await move(client, room, "closed")
    second = await give(
        client, room, vera, satisfaction=5, will_do_differently="Ask before advising"
    )
    assert second.status_code == 201
    assert second.json()["most_valuable"] is None
    assert (await give(client, room, hana, satisfaction=4, ideas="  ")).status_code == 201
    assert count_rows(app, "feedback", workshop_id=room.id) == 2

    summary = (await client.get(url(room, "/feedback"), headers=room.facilitator.headers)).json()
    assert summary["count"] == 2
    assert summary["average"] == 4.5
    assert summary["satisfaction"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert summary["most_valuable"] == []
    assert summary["will_do_differently"] == ["Ask before advising"]
    assert summary["ideas"] == []
    assert "answers" not in summary and "Vera" not in str(summary)
    named = await client.get(url(room, "/feedback?names=true"), headers=room.facilitator.headers)
    assert {a["name"] for a in named.json()["answers"]} == {"Vera Visitor", "Hana Host"}
    assert_error(await client.get(url(room, "/feedback"), headers=vera.headers), 403)

    # The record's appendix carries the answers, without names, for the facilitator.
    facilitator = room.facilitator.headers
    record = (await client.get(url(room, "/record.json"), headers=facilitator)).json()
    assert record["appendix"]["feedback"]["will_do_differently"] == ["Ask before advising"]
    assert record["appendix"]["words_shown"] is True
    assert "answers" not in record["appendix"]["feedback"]
    markdown = (await client.get(url(room, "/record.md"), headers=facilitator)).text
    assert "- Ask before advising" in markdown
    word = await client.get(url(room, "/record.docx"), headers=facilitator)
    assert "Ask before advising" in readable(word)  # the check below can see into a .docx
    assert "2 answered; average satisfaction 4.5 out of 5." in markdown
    # Anyone else who reads the record gets the counts, not what people wrote: the feedback
    # is the facilitator's to read, and with few answers the words would say who wrote them.
    for reader in (vera, hana):
        record = (await client.get(url(room, "/record.json"), headers=reader.headers)).json()
        assert record["appendix"]["feedback"]["count"] == 2
        assert record["appendix"]["words_shown"] is False
        for form in ("json", "md", "docx"):
            answer = await client.get(url(room, f"/record.{form}"), headers=reader.headers)
            assert answer.status_code == 200
            assert "Ask before advising" not in readable(answer)
        markdown = (await client.get(url(room, "/record.md"), headers=reader.headers)).text
        assert "What they wrote is for the facilitator" in markdown
        page = await client.get(f"/w/{room.id}/record", headers=reader.headers)
        assert "Ask before advising" not in page.text and "2 answered" in page.text
    page = await client.get(f"/w/{room.id}/record", headers=facilitator)
    assert "Ask before advising" in page.text
    shared = await client.post(url(room, "/record/links"), headers=facilitator)
    link = shared.json()["url"].replace("http://testserver", "")
    for path in ("", "/print", "/record.md", "/record.json", "/record.docx"):
        outside = await client.get(link + path)
        assert outside.status_code == 200 and "Ask before advising" not in readable(outside)


async def test_the_survey_page_saves_an_answer_from_a_form(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "reflection")
    page = await client.get(f"/w/{room.id}/survey", headers=vera.headers)
    assert page.status_code == 200 and 'name="satisfaction"' in page.text
    # Before anyone writes, the survey says who will read the words.
    assert "Everyone else who reads the record sees only the scores" in page.text
    sent = await client.post(
        f"/w/{room.id}/survey",
        data={"satisfaction": "4", "most_valuable": "Hearing Ward 3"},
        headers=vera.headers,
    )
    assert sent.status_code == 200 and "Thank you" in sent.text
    again = await client.get(f"/w/{room.id}/survey", headers=vera.headers)
    assert "Hearing Ward 3" in again.text and "checked" in again.text
    panel = await client.get(f"/w/{room.id}/feedback-panel", headers=room.facilitator.headers)
    assert "Hearing Ward 3" in panel.text and "Vera" not in panel.text
    named = await client.get(
        f"/w/{room.id}/feedback-panel?names=1", headers=room.facilitator.headers
    )
    assert "Vera Visitor" in named.text


async def test_the_survey_opened_on_its_own_is_a_whole_page(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "reflection")
    fetched = await client.get(
        f"/w/{room.id}/survey", headers={**vera.headers, "HX-Request": "true"}
    )
    assert fetched.status_code == 200 and "<html" not in fetched.text
    opened = await client.get(f"/w/{room.id}/survey", headers=vera.headers)
    assert opened.status_code == 200
    assert "<html" in opened.text and "/static/app.css" in opened.text
    assert f'href="/w/{room.id}">Back to the meeting' in opened.text
    assert 'id="survey"' in opened.text and 'name="satisfaction"' in opened.text
    stranger = await client.get(f"/w/{room.id}/survey")
    assert stranger.status_code == 401 and 'href="/r"' in stranger.text


async def test_a_page_refused_for_a_role_leads_back_to_the_meeting(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "closed")
    for page in ("review", "follow-up", "before"):
        refused = await client.get(f"/w/{room.id}/{page}", headers=vera.headers)
        assert refused.status_code == 403, page
        assert f'href="/w/{room.id}">Back to the meeting' in refused.text, page
        assert "Start a new peer assist" not in refused.text, page
        assert 'href="/r"' in refused.text and 'href="/signin"' in refused.text, page


async def test_owners_read_the_words_in_the_record_and_other_accounts_the_counts(
    client: httpx.AsyncClient,
) -> None:
    fay, gus = await make_account(client, "Fay"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay)
    vera = await join(client, room, "visitor", "Vera Visitor")
    await move(client, room, "reflection")
    said = {"satisfaction": 4, "ideas": "Shorter context, please"}
    given = await client.post(url(room, "/feedback"), json=said, headers=vera.headers)
    assert given.status_code == 201
    mine = (await client.get(url(room, "/record.json"), headers=fay.headers)).json()
    assert mine["appendix"]["feedback"]["ideas"] == ["Shorter context, please"]
    # Gus may see the peer assist (it is the organisation's) but does not run it.
    theirs = await client.get(url(room, "/record.json"), headers=gus.headers)
    assert theirs.status_code == 200
    assert theirs.json()["appendix"]["feedback"] == {**mine["appendix"]["feedback"], "ideas": []}
