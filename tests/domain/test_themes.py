"""The rules for themes: names, who may change them, merging, and grouping cards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import Forbidden, Invalid, NotFound, RuleError
from app.domain.phases import Phase
from app.domain.rules import Actor, Role
from app.domain.themes import (
    NAME_MAX,
    THEMED_KINDS,
    ThemeExists,
    check_merge,
    check_new_name,
    check_theming,
    clean_name,
    group_cards,
)

FACILITATOR = Actor(1, Role.facilitator)
THEMES = [{"id": 1, "name": "Transport"}, {"id": 2, "name": "Medicines"}]


def card(cid: int, theme: str | None, votes: int, **extra: object) -> dict:
    return {
        "id": cid,
        "kind": "option",
        "text": f"card {cid}",
        "theme": theme,
        "votes": votes,
        **extra,
    }


def test_names_are_tidied_and_bounded() -> None:
    assert clean_name("  Out   of hours ") == "Out of hours"
    for bad in ("", "   ", "x" * (NAME_MAX + 1)):
        with pytest.raises(Invalid):
            clean_name(bad)


def test_a_name_is_one_theme_whatever_its_case_or_spacing() -> None:
    with pytest.raises(ThemeExists, match="Transport"):
        check_new_name(THEMES, " transport ")
    assert check_new_name(THEMES, "TRANSPORT", renaming=1) == "TRANSPORT"  # its own name
    assert check_new_name(THEMES, "Staffing") == "Staffing"


@pytest.mark.parametrize("role", [Role.host, Role.visitor, Role.projector])
def test_only_the_facilitator_shapes_themes(role: Role) -> None:
    with pytest.raises(Forbidden):
        check_theming(Phase.analysis, Actor(5, role))


@pytest.mark.parametrize("phase", [Phase.welcome, Phase.context, Phase.closed])
def test_themes_wait_for_something_to_group(phase: Phase) -> None:
    with pytest.raises(RuleError) as raised:
        check_theming(phase, FACILITATOR)
    assert raised.value.code == "not_allowed_in_phase"


def test_merging_needs_two_different_themes_of_this_workshop() -> None:
    check_merge(THEMES, 1, 2)
    with pytest.raises(RuleError) as caught:
        check_merge(THEMES, 1, 1)
    assert (caught.value.status, caught.value.code) == (409, "merge_into_itself")
    with pytest.raises(NotFound):
        check_merge(THEMES, 1, 9)


def test_groups_are_most_voted_first_and_loose_cards_come_last() -> None:
    cards = [
        card(1, "Transport", 1),
        card(2, "Medicines", 4),
        card(3, None, 9),
        card(4, "transport", 2),  # one theme, however typed
        card(5, "Medicines", 0, hidden=True),
        {"id": 6, "redacted": True, "hidden": True},
    ]
    groups = group_cards(cards, THEMES)
    assert [(g.name, g.votes, [c["id"] for c in g.cards]) for g in groups] == [
        ("Medicines", 4, [2]),
        ("Transport", 3, [4, 1]),
        (None, 9, [3]),
    ]


@given(st.lists(st.tuples(st.sampled_from(["A", "a", "B", None]), st.integers(0, 5)), max_size=12))
def test_grouping_keeps_every_visible_card_once_and_adds_the_votes(
    specs: list[tuple[str | None, int]],
) -> None:
    cards = [card(i, theme, votes) for i, (theme, votes) in enumerate(specs, 1)]
    groups = group_cards(cards)
    ids = sorted(c["id"] for g in groups for c in g.cards)
    assert ids == [c["id"] for c in cards]
    assert sum(g.votes for g in groups) == sum(v for _, v in specs)


def test_themes_group_only_the_sense_making_kinds() -> None:
    assert {"insight", "option", "need", "strength", "worked_elsewhere"} == THEMED_KINDS
    cards = [
        {"id": 1, "kind": "context", "text": "Welcome", "votes": 0},
        {"id": 2, "kind": "question", "text": "How many?", "votes": 0},
        {"id": 3, "kind": "option", "text": "Book early", "votes": 2},
    ]
    groups = group_cards(cards, kinds=THEMED_KINDS)
    assert [[c["id"] for c in g.cards] for g in groups] == [[3]]
