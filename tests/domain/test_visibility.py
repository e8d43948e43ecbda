"""What each viewer sees of cards and votes, and the audience keys that share renderings."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.events import audience, event_view
from app.domain.rules import Actor, Role
from app.domain.visibility import CARD_FIELDS, card_view, vote_view

FACILITATOR, HOST, VISITOR, OTHER_VISITOR, PROJECTOR = (
    Actor(1, Role.facilitator),
    Actor(2, Role.host),
    Actor(3, Role.visitor),
    Actor(4, Role.visitor),
    Actor(5, Role.projector),
)
PEOPLE = (FACILITATOR, HOST, VISITOR, OTHER_VISITOR, PROJECTOR)
SECRET = "the budget was cut twice"


def card(
    author: Actor = VISITOR, *, anonymous: bool = False, hidden: bool = False, private: bool = False
) -> dict:
    return {
        "id": 7,
        "kind": "insight",
        "text": SECRET,
        "evidence": "experience",
        "source_url": None,
        "anonymous": anonymous,
        "theme": None,
        "hidden": hidden,
        "private": private,
        "votes": 2,
        "phase": "analysis",
        "created_at": "2026-11-23T09:00",
        "updated_at": "2026-11-23T09:05",
        "author_id": author.id,
        "author_name": f"person {author.id}",
        "author_role": author.role.value,
    }


def shows_author(view: dict) -> bool:
    return view.get("author") is not None


@pytest.mark.parametrize("author", [FACILITATOR, HOST, VISITOR])
@pytest.mark.parametrize("viewer", PEOPLE)
def test_an_anonymous_author_is_shown_only_to_the_author(author: Actor, viewer: Actor) -> None:
    view = card_view(card(author, anonymous=True), viewer)
    assert shows_author(view) is (viewer == author)
    assert view["text"] == SECRET and view["mine"] is (viewer == author)
    assert "author_id" not in view and "author_name" not in view


def test_a_named_author_is_shown_to_everyone() -> None:
    for viewer in PEOPLE:
        view = card_view(card(HOST), viewer)
        assert view["author"] == {"id": HOST.id, "name": "person 2", "role": "host"}
        assert set(view) == {*CARD_FIELDS, "author", "mine"}


@pytest.mark.parametrize(("hidden", "private"), [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("viewer", PEOPLE)
def test_hidden_and_private_cards_are_stubs_for_others(
    viewer: Actor, hidden: bool, private: bool
) -> None:
    view = card_view(card(VISITOR, hidden=hidden, private=private, anonymous=True), viewer)
    if viewer in (VISITOR, FACILITATOR):
        assert view["text"] == SECRET
        assert shows_author(view) is (viewer == VISITOR)
    else:
        assert view == {"id": 7, "hidden": hidden, "private": private, "redacted": True}
        assert SECRET not in repr(view)


def test_votes_show_the_budget_only_to_the_voter() -> None:
    data = {
        "card_id": 7,
        "votes": 3,
        "voter_id": VISITOR.id,
        "voted": True,
        "votes_left": 2,
        "voted_card_ids": [7, 9],
    }
    assert vote_view(data, VISITOR) == {
        "card_id": 7,
        "votes": 3,
        "voted": True,
        "votes_left": 2,
        "voted_card_ids": [7, 9],
    }
    for viewer in (FACILITATOR, HOST, OTHER_VISITOR, PROJECTOR):
        assert vote_view(data, viewer) == {"card_id": 7, "votes": 3}


def test_other_events_are_the_same_for_everyone() -> None:
    data = {"phase": "questions", "previous": "context"}
    for viewer in PEOPLE:
        assert event_view("phase.changed", data, viewer) is data
        assert audience("phase.changed", data, viewer) is None


def test_mute_events_carry_only_the_contract_fields() -> None:
    data = {"host_team_muted": True, "speakers": [2], "phase": "questions"}
    for viewer in PEOPLE:
        assert event_view("mute.changed", data, viewer) == {
            "host_team_muted": True,
            "speakers": [2],
        }


def test_only_the_facilitator_sees_who_waits_in_the_lobby() -> None:
    data = {"waiting": [{"id": 9, "name": "Ann"}, {"id": 10, "name": "Bo"}]}
    assert event_view("lobby.changed", data, FACILITATOR) == {
        "waiting": data["waiting"],
        "count": 2,
    }
    for viewer in PEOPLE[1:]:
        assert event_view("lobby.changed", data, viewer) == {"count": 2}
        assert "Ann" not in repr(event_view("lobby.changed", data, viewer))


def test_the_audience_splits_author_facilitator_and_the_rest() -> None:
    data = card(VISITOR, hidden=True)
    keys = {viewer: audience("card.added", data, viewer) for viewer in PEOPLE}
    assert keys[HOST] == keys[OTHER_VISITOR] == keys[PROJECTOR]
    assert len({keys[FACILITATOR], keys[VISITOR], keys[HOST]}) == 3


# A fixed cast, so one id is always one participant with one role.
CAST = [
    Actor(i, role)
    for i, role in enumerate(
        [Role.facilitator, Role.host, Role.host, Role.visitor, Role.visitor, Role.projector], 1
    )
]
EVENT_TYPES = [
    "card.added",
    "card.updated",
    "vote.changed",
    "phase.changed",
    "mute.changed",
    "lobby.changed",
    "participant.updated",
]


@st.composite
def events(draw: st.DrawFn) -> tuple[str, dict]:
    event_type = draw(st.sampled_from(EVENT_TYPES))
    if event_type.startswith("card."):
        author = draw(st.sampled_from(CAST[:5]))
        return event_type, card(
            author,
            anonymous=draw(st.booleans()),
            hidden=draw(st.booleans()),
            private=draw(st.booleans()),
        )
    if event_type == "vote.changed":
        return event_type, {
            "card_id": 7,
            "votes": draw(st.integers(0, 20)),
            "voter_id": draw(st.sampled_from(CAST)).id,
            "voted": draw(st.booleans()),
            "votes_left": draw(st.integers(0, 5)),
            "voted_card_ids": draw(st.lists(st.integers(1, 9), max_size=5)),
        }
    if event_type == "mute.changed":
        return event_type, {
            "host_team_muted": draw(st.booleans()),
            "speakers": [2],
            "phase": draw(st.sampled_from(["questions", "context"])),
        }
    if event_type == "lobby.changed":
        return event_type, {"waiting": draw(st.lists(st.integers(10, 20), max_size=3))}
    if event_type == "participant.updated":
        return event_type, {"id": draw(st.sampled_from(CAST)).id, "signal": "hand"}
    return event_type, {"value": draw(st.integers())}


@settings(max_examples=200, deadline=None)
@given(event=events())
def test_same_audience_key_means_same_rendering(event: tuple[str, dict]) -> None:
    event_type, data = event
    for a, b in itertools.combinations(CAST, 2):
        if audience(event_type, data, a) == audience(event_type, data, b):
            assert event_view(event_type, data, a) == event_view(event_type, data, b), (a, b)


@settings(max_examples=200, deadline=None)
@given(event=events())
def test_no_one_but_the_author_learns_an_anonymous_author(event: tuple[str, dict]) -> None:
    event_type, data = event
    for viewer in CAST:
        view = event_view(event_type, data, viewer)
        if event_type.startswith("card.") and data["anonymous"] and viewer.id != data["author_id"]:
            assert view.get("author") is None
            assert f"person {data['author_id']}" not in repr(view)
