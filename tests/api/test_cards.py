"""Cards: which kinds each role may add in each phase, sources, anonymity, edits and hiding."""

from __future__ import annotations

import json

import httpx

from tests.api.helpers import assert_error, card_id, seq_of, url
from tests.factories import Person, Room, add_card, create_room, join, move, state

PHASES = [
    "welcome",
    "context",
    "questions",
    "analysis",
    "feedback",
    "commitment",
    "reflection",
    "closed",
]
KINDS = [
    "context",
    "question",
    "surprise",
    "gap",
    "need",
    "insight",
    "option",
    "worked_elsewhere",
    "strength",
    "takeaway",
]
# API.md's table, word for word.
VISITORS_MAY_ADD = {
    "welcome": set(),
    "context": {"question"},
    "questions": {"surprise", "gap", "need", "question"},
    "analysis": {"insight", "option", "need"},
    "feedback": {"strength", "insight", "option", "worked_elsewhere"},
    "commitment": set(),
    "reflection": {"takeaway"},
    "closed": set(),
}
HOSTS_MAY_ADD: dict[str, set[str] | None] = {
    "welcome": set(),
    "context": {"context"},
    "questions": None,  # nothing while muted
    "analysis": None,
    "feedback": {"question"},
    "commitment": set(),
    "reflection": {"takeaway"},
    "closed": set(),
}


def expected(role: str, phase: str, kind: str) -> tuple[int, str | None]:
    allowed = VISITORS_MAY_ADD[phase] if role == "visitor" else HOSTS_MAY_ADD[phase]
    if allowed is None:
        return 403, "host_team_muted"
    return (201, None) if kind in allowed else (409, "not_allowed_in_phase")


async def room_with_people(client: httpx.AsyncClient) -> tuple[Room, Person, Person, Person]:
    room = await create_room(client)
    host = await join(client, room, "host", "Hana Host")
    visitor = await join(client, room, "visitor", "Vic Visitor")
    other = await join(client, room, "visitor", "Olga Other")
    return room, host, visitor, other


async def test_the_whole_phase_role_kind_table(client: httpx.AsyncClient) -> None:
    room, host, visitor, _ = await room_with_people(client)
    wrong: list[str] = []
    added = 0
    for phase in PHASES:
        if phase != "welcome":
            await move(client, room, phase)
        for who in (visitor, host):
            for kind in KINDS:
                seq = await seq_of(client, room) if kind == "context" else None
                response = await add_card(client, room, who, kind, f"{who.role} {kind} {phase}")
                status, code = expected(who.role, phase, kind)
                got = (response.status_code, response.json().get("code"))
                if got != (status, code):
                    wrong.append(f"{who.role} adds {kind} in {phase}: {got}, want {status} {code}")
                elif status != 201:
                    assert_error(response, status, code)
                    if seq is not None:
                        assert await seq_of(client, room) == seq  # a refusal adds no event
                else:
                    card = response.json()
                    assert (card["kind"], card["phase"]) == (kind, phase)
                    added += 1
    assert not wrong, "\n".join(wrong)
    board = await state(client, room, room.facilitator)
    assert (
        len(board["cards"])
        == added
        == sum(len(VISITORS_MAY_ADD[p]) + len(HOSTS_MAY_ADD[p] or ()) for p in PHASES)
    )


async def test_the_facilitator_adds_any_kind_at_any_time(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    for phase in ("welcome", "questions", "closed"):
        if phase != "welcome":
            await move(client, room, phase)
        for kind in KINDS:
            response = await add_card(client, room, room.facilitator, kind, f"{kind} {phase}")
            assert response.status_code == 201, (phase, kind, response.text)
    assert len((await state(client, room, room.facilitator))["cards"]) == 3 * len(KINDS)


async def test_card_body_and_limits(client: httpx.AsyncClient) -> None:
    room, _, visitor, _ = await room_with_people(client)
    await move(client, room, "context")
    response = await add_card(
        client,
        room,
        visitor,
        "question",
        "q" * 2000,
        evidence="experience",
        source_url="https://example.org/a?b=c",
    )
    assert response.status_code == 201, response.text
    card = response.json()
    assert card["text"] == "q" * 2000 and card["kind"] == "question"
    assert card["evidence"] == "experience"
    assert card["source_url"] == "https://example.org/a?b=c"
    assert isinstance(card["id"], int) and card["anonymous"] is False
    seq = await seq_of(client, room)
    for text in ("q" * 2001, "", "   ", None, 42):
        assert_error(await add_card(client, room, visitor, "question", text), 422)
    for kind in ("riddle", "", None, "QUESTION"):
        assert_error(await add_card(client, room, visitor, kind, "What kind?"), 422)
    assert await seq_of(client, room) == seq


async def test_evidence_and_source_urls(client: httpx.AsyncClient) -> None:
    room, _, visitor, _ = await room_with_people(client)
    await move(client, room, "analysis")
    for evidence in ("experience", "research", "both"):
        response = await add_card(client, room, visitor, "insight", evidence, evidence=evidence)
        assert response.status_code == 201 and response.json()["evidence"] == evidence
    for source in ("http://example.org", "https://example.org/report.pdf#p3"):
        response = await add_card(client, room, visitor, "insight", "src", source_url=source)
        assert response.status_code == 201, response.text
        assert response.json()["source_url"] == source
    seq = await seq_of(client, room)
    assert_error(await add_card(client, room, visitor, "insight", "x", evidence="hearsay"), 422)
    for source in (
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "ftp://files.example.org/report.pdf",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@example.org",
        "file:///etc/passwd",
        "example.org/report",
        "",
        "https://",
        "vbscript:msgbox(1)",
    ):
        response = await add_card(client, room, visitor, "insight", "bad", source_url=source)
        assert_error(response, 422)
    assert await seq_of(client, room) == seq


def author_free(card: dict, author: Person) -> None:
    """Nothing in this card names or identifies its author."""
    assert card.get("author") is None, card
    for key, value in card.items():
        if "author" in key or key in ("by", "created_by", "participant_id"):
            assert value is None, (key, card)
    assert author.name not in json.dumps(card), card


async def test_anonymous_cards_hide_their_author_from_everyone_else(
    client: httpx.AsyncClient,
) -> None:
    room, host, visitor, other = await room_with_people(client)
    projector = await join(client, room, "projector", "Wall")
    await move(client, room, "context")
    response = await add_card(client, room, visitor, "question", "Who is asking?", anonymous=True)
    assert response.status_code == 201
    cid = response.json()["id"]
    assert response.json()["anonymous"] is True
    named = await card_id(client, room, other, "question", "Named question")
    for viewer in (other, room.facilitator, host, projector):
        cards = {c["id"]: c for c in (await state(client, room, viewer))["cards"]}
        assert cards[cid]["text"] == "Who is asking?"
        author_free(cards[cid], visitor)
        assert cards[named]["author"]["name"] == "Olga Other"
    # The facilitator's moderation answers do not reveal the author either.
    edited = await client.patch(
        url(room, f"/cards/{cid}"), json={"theme": "Logistics"}, headers=room.facilitator.headers
    )
    assert edited.status_code == 200
    author_free(edited.json(), visitor)
    # The author still sees it as their own.
    mine = next(c for c in (await state(client, room, visitor))["cards"] if c["id"] == cid)
    assert mine["author"]["id"] == visitor.id


async def test_authors_and_the_facilitator_edit_cards(client: httpx.AsyncClient) -> None:
    room, host, visitor, other = await room_with_people(client)
    await move(client, room, "context")
    cid = await card_id(client, room, visitor, "question", "First words")
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"text": "Better words"}, headers=visitor.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["text"] == "Better words" and response.json()["kind"] == "question"
    response = await client.patch(
        url(room, f"/cards/{cid}"),
        json={"text": "Moderated words"},
        headers=room.facilitator.headers,
    )
    assert response.status_code == 200 and response.json()["text"] == "Moderated words"
    seq = await seq_of(client, room)
    for who in (other, host):
        response = await client.patch(
            url(room, f"/cards/{cid}"), json={"text": "Not yours"}, headers=who.headers
        )
        assert_error(response, 403)
    for change in ({"theme": "Mine"}, {"hidden": True}):
        response = await client.patch(
            url(room, f"/cards/{cid}"), json=change, headers=visitor.headers
        )
        assert_error(response, 403)
    for change in (
        {"text": ""},
        {"text": "t" * 2001},
        {"kind": "riddle"},
        {"hidden": None},
        {"votes": 99},
        {"author": None},
    ):
        response = await client.patch(
            url(room, f"/cards/{cid}"), json=change, headers=room.facilitator.headers
        )
        assert_error(response, 422)
    # An author cannot turn a card into a kind the phase does not give them.
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"kind": "insight"}, headers=visitor.headers
    )
    assert_error(response, 409, "not_allowed_in_phase")
    assert await seq_of(client, room) == seq
    card = next(c for c in (await state(client, room, other))["cards"] if c["id"] == cid)
    assert (card["text"], card["kind"], card["theme"], card["hidden"]) == (
        "Moderated words",
        "question",
        None,
        False,
    )


async def test_hidden_cards_are_stubs_to_others_and_themes_group_cards(
    client: httpx.AsyncClient,
) -> None:
    room, host, visitor, other = await room_with_people(client)
    await move(client, room, "context")
    secret = "Names a patient by name"
    cid = await card_id(client, room, visitor, "question", secret, anonymous=False)
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"hidden": True}, headers=room.facilitator.headers
    )
    assert response.status_code == 200 and response.json()["hidden"] is True
    for viewer in (other, host):
        cards = (await state(client, room, viewer))["cards"]
        stub = next(c for c in cards if c["id"] == cid)
        assert stub["hidden"] is True
        assert "text" not in stub or stub["text"] is None
        assert secret not in json.dumps(cards)
        assert "Vic Visitor" not in json.dumps(stub)
    for viewer in (visitor, room.facilitator):
        card = next(c for c in (await state(client, room, viewer))["cards"] if c["id"] == cid)
        assert card["text"] == secret and card["hidden"] is True
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"hidden": False}, headers=room.facilitator.headers
    )
    assert response.status_code == 200
    card = next(c for c in (await state(client, room, other))["cards"] if c["id"] == cid)
    assert card["text"] == secret
    # Themes are the facilitator's too.
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"theme": "Transport"}, headers=room.facilitator.headers
    )
    assert response.status_code == 200 and response.json()["theme"] == "Transport"
    card = next(c for c in (await state(client, room, other))["cards"] if c["id"] == cid)
    assert card["theme"] == "Transport"
    response = await client.patch(
        url(room, f"/cards/{cid}"), json={"theme": None}, headers=room.facilitator.headers
    )
    assert response.status_code == 200 and response.json()["theme"] is None


async def test_an_unknown_card_is_404(client: httpx.AsyncClient) -> None:
    room, _, visitor, _ = await room_with_people(client)
    elsewhere = await create_room(client)
    await move(client, elsewhere, "context")
    foreign = await card_id(client, elsewhere, elsewhere.facilitator, "context", "Not yours")
    await move(client, room, "analysis")
    for cid in (999_999, foreign):
        for who in (room.facilitator, visitor):
            response = await client.patch(
                url(room, f"/cards/{cid}"), json={"text": "x"}, headers=who.headers
            )
            assert_error(response, 404)
        assert_error(
            await client.post(url(room, f"/cards/{cid}/vote"), headers=visitor.headers), 404
        )
    card = (await state(client, elsewhere, elsewhere.facilitator))["cards"][0]
    assert card["text"] == "Not yours" and card["votes"] == 0


async def test_an_answer_holds_no_markup(client: httpx.AsyncClient) -> None:
    # htmx reads any answer as HTML for its out-of-band swaps, so typed markup must not come
    # back as a tag; it must still come back as the same text (web/json_response.py).
    markup = "<i hx-swap-oob=beforeend:body>Tom & Jerry</i>"
    room = await create_room(client)
    visitor = await join(client, room, "visitor", markup)
    await move(client, room, "context")
    answers = [
        await add_card(client, room, visitor, "question", markup),
        await client.post(
            url(room, "/phase"), json={"to": "next"}, headers=room.facilitator.headers
        ),
        await client.get(url(room), headers=room.facilitator.headers),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.text
        assert answer.headers["content-type"] == "application/json"
        assert not {"<", ">", "&"} & set(answer.text), answer.text
    state_now = answers[-1].json()
    assert [c["text"] for c in state_now["cards"]] == [markup]
    assert markup in [p["name"] for p in state_now["participants"]]
