"""Follow-up after the meeting: action statuses with a note, the report-back date falling due,
and the report back that gives the record its 'What happened next'."""

from __future__ import annotations

import csv
import html
import io
from datetime import timedelta

import httpx
from docx import Document
from openpyxl import load_workbook

from app.domain.record import SECTIONS
from tests.api.helpers import assert_error, url
from tests.api.record_room import reflection_room
from tests.conftest import Clock
from tests.factories import move


async def test_the_host_team_follows_up_and_reports_back(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    room, host = made.room, made.host
    response = await client.put(url(room, "/report-back"), json={"did": "x"}, headers=host.headers)
    assert_error(response, 409, "meeting_not_closed")
    await move(client, room, "closed")

    actions = (await client.get(url(room), headers=host.headers)).json()["actions"]
    first = actions[0]["id"]
    response = await client.patch(
        url(room, f"/actions/{first}"),
        json={"status": "in_progress", "note": "Two wards started"},
        headers=host.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["note"] == "Two wards started"
    # The follow-up page's form does the same, and a blank note clears it.
    page = await client.post(
        f"/w/{room.id}/follow-up/actions/{actions[1]['id']}",
        data={"status": "dropped", "note": "Pharmacy said no"},
        headers=host.headers,
    )
    assert page.status_code == 200 and "Saved." in page.text
    assert 'value="dropped" checked' in page.text

    record = (await client.get(url(room, "/record.json"), headers=host.headers)).json()
    listed = {s["id"]: s for s in record["sections"]}["actions"]["actions"]
    assert [(a["status"], a["note"]) for a in listed] == [
        ("in_progress", "Two wards started"),
        ("dropped", "Pharmacy said no"),
    ]
    assert record["report_back"]["status"] == "upcoming"
    assert "what_happened_next" not in [s["id"] for s in record["sections"]]
    # The action list's downloads carry the notes too, in a last column, as the record does.
    notes = ["Two wards started", "Pharmacy said no"]
    exported = await client.get(url(room, "/actions.csv"), headers=host.headers)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header = rows.index(["Action", "Owner", "Due date", "Status", "Linked cards", "Note"])
    assert [row[-1] for row in rows[header + 1 : header + 3]] == notes
    exported = await client.get(url(room, "/actions.xlsx"), headers=host.headers)
    sheet = load_workbook(io.BytesIO(exported.content))["Actions"]
    assert [sheet["F4"].value, sheet["F5"].value, sheet["F6"].value] == ["Note", *notes]
    exported = await client.get(url(room, "/actions.json"), headers=host.headers)
    assert [a["note"] for a in exported.json()["actions"]] == notes
    exported = await client.get(url(room, "/actions.md"), headers=host.headers)
    assert "| Linked cards | Note |" in exported.text
    assert all(f"| {note} |" in exported.text for note in notes)

    # Thirty days on, the date has come; a day later it has passed.
    clock.advance(86400 * 30)
    record = (await client.get(url(room, "/record.json"), headers=host.headers)).json()
    assert record["report_back"]["status"] == "due"
    clock.advance(86400)
    markdown = (await client.get(url(room, "/record.md"), headers=host.headers)).text
    assert f"**Report back by:** {made.report_back_by} (overdue)" in markdown

    visitor = made.visitors[0]
    body = {"did": "Booked transport at admission on two wards", "learned": "Porters matter"}
    assert_error(
        await client.put(url(room, "/report-back"), json=body, headers=visitor.headers), 403
    )
    response = await client.put(url(room, "/report-back"), json={"did": " "}, headers=host.headers)
    assert_error(response, 422, "report_back_empty")
    response = await client.put(url(room, "/report-back"), json=body, headers=host.headers)
    assert response.status_code == 200, response.text

    record = (await client.get(url(room, "/record.json"), headers=host.headers)).json()
    ids = [s["id"] for s in record["sections"]]
    assert ids == [s for s, _, _ in SECTIONS] + ["what_happened_next"]
    assert record["sections"][-1]["did"] == body["did"]
    assert record["report_back"]["status"] == "reported"
    markdown = (await client.get(url(room, "/record.md"), headers=host.headers)).text
    assert markdown.index("## Visitors' takeaways") < markdown.index("## What happened next")
    assert "Porters matter" in markdown
    word = await client.get(url(room, "/record.docx"), headers=host.headers)
    headings = [
        p.text for p in Document(io.BytesIO(word.content)).paragraphs if p.style.name == "Heading 1"
    ]
    assert headings[len(SECTIONS)] == "What happened next"


async def test_the_follow_up_page_is_for_the_host_team(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    page = await client.get(f"/w/{made.room.id}/follow-up", headers=made.host.headers)
    assert page.status_code == 200
    assert "Book transport at admission" in page.text and "In progress" in page.text
    assert "You report back here once the meeting has closed." in page.text
    visitor = await client.get(f"/w/{made.room.id}/follow-up", headers=made.visitors[0].headers)
    assert visitor.status_code == 403


async def test_the_follow_up_page_keeps_who_is_reminded(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    made = await reflection_room(client, clock)
    saved = await client.post(
        f"/w/{made.room.id}/follow-up/reminders",
        data={"emails": "hana@example.org, ada@example.org\n"},
        headers=made.host.headers,
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    page = await client.get(f"/w/{made.room.id}/follow-up", headers=made.host.headers)
    assert "hana@example.org\nada@example.org" in page.text
    wrong = await client.post(
        f"/w/{made.room.id}/follow-up/reminders", data={"emails": "nope"}, headers=made.host.headers
    )
    assert "do not look like email addresses" in wrong.text


async def test_the_follow_up_form_gives_an_action_its_owner_and_due_date(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    """An action that left the meeting with no owner or date got neither from any page: the
    follow-up form had only the status and a note."""
    made = await reflection_room(client, clock)
    room, host = made.room, made.host
    await move(client, room, "closed")
    actions = (await client.get(url(room), headers=host.headers)).json()["actions"]
    (orphan,) = [a for a in actions if a["owner"] is None and a["due_date"] is None]
    form_url = f"/w/{room.id}/follow-up/actions/{orphan['id']}"
    page = await client.get(f"/w/{room.id}/follow-up", headers=host.headers)
    assert f'hx-post="{form_url}"' in page.text
    form = page.text.split(f'hx-post="{form_url}"', 1)[1].split("</form>", 1)[0]
    assert 'name="owner"' in form and 'name="due_date"' in form

    # The rules and the sentence are the API's: a due date too far ahead is refused alike.
    far = str(clock().date() + timedelta(days=366 * 11))
    api = await client.patch(
        url(room, f"/actions/{orphan['id']}"), json={"due_date": far}, headers=host.headers
    )
    assert api.status_code == 422
    typed = {"status": "in_progress", "note": "", "owner": "Pharmacy lead", "due_date": far}
    refused = await client.post(form_url, data=typed, headers=host.headers)
    assert html.unescape(api.json()["detail"]) in html.unescape(refused.text)
    # What was typed stays, to be corrected rather than typed again.
    assert 'value="Pharmacy lead"' in refused.text and f'value="{far}"' in refused.text
    assert 'value="in_progress" checked' in refused.text
    long = await client.post(form_url, data={**typed, "owner": "x" * 81}, headers=host.headers)
    assert "Owner: too long; please keep it to 80 characters" in long.text
    assert f'value="{"x" * 81}"' in long.text
    unreadable = await client.post(
        form_url, data={**typed, "due_date": "next week"}, headers=host.headers
    )
    assert "not a date we can read" in unreadable.text and 'value="next week"' in unreadable.text
    state = (await client.get(url(room), headers=host.headers)).json()
    kept = next(a for a in state["actions"] if a["id"] == orphan["id"])
    assert (kept["owner"], kept["due_date"], kept["status"]) == (None, None, "open")

    due = str(clock().date() + timedelta(days=20))
    saved = await client.post(form_url, data={**typed, "due_date": due}, headers=host.headers)
    assert "Saved." in saved.text, saved.text
    state = (await client.get(url(room), headers=host.headers)).json()
    kept = next(a for a in state["actions"] if a["id"] == orphan["id"])
    assert (kept["owner"], kept["due_date"], kept["status"]) == (
        "Pharmacy lead",
        due,
        "in_progress",
    )
    # Left blank, they are cleared, as the note is (and as null clears them in the API).
    cleared = await client.post(
        form_url, data={"status": "in_progress", "owner": " ", "due_date": ""}, headers=host.headers
    )
    assert "Saved." in cleared.text
    state = (await client.get(url(room), headers=host.headers)).json()
    kept = next(a for a in state["actions"] if a["id"] == orphan["id"])
    assert (kept["owner"], kept["due_date"]) == (None, None)


async def test_a_follow_up_save_writes_only_what_its_page_changed(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    """A save sends back every field its page showed: what the person left alone must not
    undo a change someone made meanwhile, and a field the form did not send (a page from
    before it had one) is not cleared."""
    made = await reflection_room(client, clock)
    room, host = made.room, made.host
    await move(client, room, "closed")
    action = (await client.get(url(room), headers=host.headers)).json()["actions"][0]
    form_url = f"/w/{room.id}/follow-up/actions/{action['id']}"
    due = str(clock().date() + timedelta(days=20))
    first = {"owner": "Hank", "due_date": due, "note": "Booked"}
    await client.patch(url(room, f"/actions/{action['id']}"), json=first, headers=host.headers)
    page = await client.get(f"/w/{room.id}/follow-up", headers=host.headers)
    shown = page.text.split(f'hx-post="{form_url}"', 1)[1].split("</form>", 1)[0]
    assert 'name="owner_was" value="Hank"' in shown

    async def now() -> dict:
        state = (await client.get(url(room), headers=host.headers)).json()
        return next(a for a in state["actions"] if a["id"] == action["id"])

    # Someone else gives it to Ann and starts it meanwhile; the page, still showing Hank and
    # "open", saves its note as it was: nothing it left alone goes back.
    later = {"owner": "Ann", "note": "Ann books now", "status": "in_progress"}
    await client.patch(url(room, f"/actions/{action['id']}"), json=later, headers=host.headers)
    stale = {"status": "open", "status_was": "open", "owner": "Hank", "owner_was": "Hank"}
    stale |= {"due_date": due, "due_date_was": due, "note": "Booked", "note_was": "Booked"}
    assert "Saved." in (await client.post(form_url, data=stale, headers=host.headers)).text
    kept = await now()
    assert (kept["owner"], kept["note"], kept["status"]) == ("Ann", "Ann books now", "in_progress")
    # An old page's form: a status and a note, no owner or date, which stay.
    old_page = {"status": "done", "note": "Ann books now"}
    assert "Saved." in (await client.post(form_url, data=old_page, headers=host.headers)).text
    kept = await now()
    assert (kept["owner"], kept["due_date"], kept["status"]) == ("Ann", due, "done")
    # What the person did change is written.
    mine = {**stale, "owner": "Zed", "owner_was": "Hank"}
    assert "Saved." in (await client.post(form_url, data=mine, headers=host.headers)).text
    assert (await now())["owner"] == "Zed"
