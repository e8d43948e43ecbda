"""Who may add, edit and vote, checked against the table in /work/shared/API.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.errors import (
    Forbidden,
    HostTeamMuted,
    Invalid,
    NotAllowedInPhase,
    NoVotesLeft,
    RuleError,
    listed,
)
from app.domain.phases import ORDER, Phase
from app.domain.rules import (
    VOTES_PER_VISITOR,
    Actor,
    CardKind,
    Mute,
    Role,
    Signal,
    allowed_kinds,
    check_action_list,
    check_add_card,
    check_edit_card,
    check_report_back_by,
    check_signal,
    check_speakers,
    check_unvote,
    check_vote,
    mute_on_entering,
    signals_to_clear,
)

P, K = Phase, CardKind
# Transcribed from API.md, "The default rules": (visitors may add, host team may add).
# None for the host team means "nothing while muted" (the phase mutes it on entry).
CONTRACT: dict[Phase, tuple[set[CardKind], set[CardKind] | None]] = {
    P.welcome: (set(), set()),
    P.context: ({K.question}, {K.context}),
    P.questions: ({K.surprise, K.gap, K.need, K.question}, None),
    P.analysis: ({K.insight, K.option, K.need}, None),
    P.feedback: ({K.strength, K.insight, K.option, K.worked_elsewhere}, {K.question}),
    P.commitment: (set(), set()),
    P.reflection: ({K.takeaway}, {K.takeaway}),
    P.closed: (set(), set()),
}
FACILITATOR, HOST, SPEAKER, VISITOR, PROJECTOR = (
    Actor(1, Role.facilitator),
    Actor(2, Role.host),
    Actor(3, Role.host),
    Actor(4, Role.visitor),
    Actor(5, Role.projector),
)
ACTORS = {
    Role.facilitator: FACILITATOR,
    Role.host: HOST,
    Role.visitor: VISITOR,
    Role.projector: PROJECTOR,
}
MUTED = Mute(True, (SPEAKER.id,))


def test_the_contract_names_every_phase_and_kind() -> None:
    assert set(CONTRACT) == set(Phase)
    assert [k.value for k in CardKind] == [
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


@pytest.mark.parametrize("kind", list(CardKind))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("phase", ORDER)
def test_card_rules_match_the_contract(phase: Phase, role: Role, kind: CardKind) -> None:
    """Each phase with the mute that entering it sets, as in a meeting left to run."""
    actor, mute = ACTORS[role], mute_on_entering(phase)
    visitors, hosts = CONTRACT[phase]
    if role is Role.projector:
        with pytest.raises(Forbidden):
            check_add_card(phase, actor, mute, kind)
        assert allowed_kinds(phase, actor, mute) == frozenset()
        return
    if role is Role.host and hosts is None:
        with pytest.raises(HostTeamMuted) as caught:
            check_add_card(phase, actor, mute, kind)
        assert (caught.value.status, caught.value.code) == (403, "host_team_muted")
        return
    allowed = role is Role.facilitator or kind in (visitors if role is Role.visitor else hosts)
    if allowed:
        check_add_card(phase, actor, mute, kind)
    else:
        with pytest.raises(NotAllowedInPhase) as caught:
            check_add_card(phase, actor, mute, kind)
        assert (caught.value.status, caught.value.code) == (409, "not_allowed_in_phase")
    assert (kind in allowed_kinds(phase, actor, mute)) is allowed


@pytest.mark.parametrize("mute", [Mute(False), Mute(True), Mute(True, (1, 2, 3))])
@pytest.mark.parametrize("phase", ORDER)
def test_facilitator_adds_any_kind_any_time(phase: Phase, mute: Mute) -> None:
    for kind in CardKind:
        check_add_card(phase, FACILITATOR, mute, kind)


@pytest.mark.parametrize("phase", ORDER)
def test_a_muted_host_is_refused_for_mute_before_the_phase_check(phase: Phase) -> None:
    for kind in CardKind:
        with pytest.raises(HostTeamMuted):
            check_add_card(phase, HOST, MUTED, kind)


@pytest.mark.parametrize("phase", [P.context, P.questions, P.analysis, P.feedback])
def test_a_speaker_may_add_context_and_questions_while_muted(phase: Phase) -> None:
    for kind in CardKind:
        if kind in (K.context, K.question):
            check_add_card(phase, SPEAKER, MUTED, kind)
        else:
            with pytest.raises(NotAllowedInPhase):
                check_add_card(phase, SPEAKER, MUTED, kind)


@pytest.mark.parametrize("phase", [P.welcome, P.closed])
def test_a_speaker_adds_nothing_before_the_start_or_after_the_end(phase: Phase) -> None:
    for kind in CardKind:
        with pytest.raises(NotAllowedInPhase):
            check_add_card(phase, SPEAKER, MUTED, kind)


def test_the_mute_does_not_touch_visitors() -> None:
    for phase in ORDER:
        assert allowed_kinds(phase, VISITOR, MUTED) == frozenset(CONTRACT[phase][0])


def test_mute_on_entering() -> None:
    for phase in ORDER:
        assert mute_on_entering(phase) == Mute(phase in (P.questions, P.analysis), ())


@pytest.mark.parametrize("phase", ORDER)
def test_voting_only_in_analysis_and_feedback(phase: Phase) -> None:
    if phase in (P.analysis, P.feedback):
        check_vote(phase, VISITOR, already_voted=False, votes_used=0)
        check_unvote(phase, VISITOR, has_voted=True)
        return
    with pytest.raises(NotAllowedInPhase):
        check_vote(phase, VISITOR, already_voted=False, votes_used=0)
    with pytest.raises(NotAllowedInPhase):
        check_unvote(phase, VISITOR, has_voted=True)


@pytest.mark.parametrize("actor", [FACILITATOR, HOST, PROJECTOR])
def test_only_visitors_vote(actor: Actor) -> None:
    with pytest.raises(Forbidden) as caught:
        check_vote(P.analysis, actor, already_voted=False, votes_used=0)
    assert (caught.value.status, caught.value.code) == (403, "forbidden")
    with pytest.raises(Forbidden):
        check_unvote(P.analysis, actor, has_voted=True)


def test_one_vote_per_card() -> None:
    with pytest.raises(NotAllowedInPhase) as caught:
        check_vote(P.feedback, VISITOR, already_voted=True, votes_used=1)
    assert caught.value.code == "already_voted"
    with pytest.raises(NotAllowedInPhase) as caught:
        check_unvote(P.feedback, VISITOR, has_voted=False)
    assert caught.value.code == "not_voted"


@pytest.mark.parametrize("used", range(VOTES_PER_VISITOR + 3))
def test_five_votes_per_visitor(used: int) -> None:
    assert VOTES_PER_VISITOR == 5
    if used < 5:
        check_vote(P.analysis, VISITOR, already_voted=False, votes_used=used)
        return
    with pytest.raises(NoVotesLeft) as caught:
        check_vote(P.analysis, VISITOR, already_voted=False, votes_used=used)
    assert (caught.value.status, caught.value.code) == (409, "no_votes_left")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("phase", ORDER)
def test_the_action_list_opens_at_commitment(phase: Phase, role: Role) -> None:
    actor = ACTORS[role]
    if role in (Role.visitor, Role.projector):
        with pytest.raises(Forbidden):
            check_action_list(phase, actor, Mute())
    elif phase in (P.commitment, P.reflection, P.closed):
        check_action_list(phase, actor, Mute())
    else:
        with pytest.raises(NotAllowedInPhase) as caught:
            check_action_list(phase, actor, Mute())
        assert (caught.value.status, caught.value.code) == (409, "not_allowed_in_phase")


def test_a_muted_host_cannot_write_the_action_list() -> None:
    with pytest.raises(HostTeamMuted):
        check_action_list(P.commitment, HOST, MUTED)
    check_action_list(P.commitment, SPEAKER, MUTED)
    check_action_list(P.commitment, FACILITATOR, MUTED)


def edit(
    phase: Phase,
    actor: Actor,
    mute: Mute = Mute(),
    *,
    author: int | None = 4,
    kind: CardKind | None = None,
    moderates: bool = False,
) -> None:
    check_edit_card(phase, actor, mute, author_id=author, new_kind=kind, moderates=moderates)


@pytest.mark.parametrize("phase", ORDER)
def test_facilitator_edits_and_moderates_any_card(phase: Phase) -> None:
    edit(phase, FACILITATOR, MUTED, author=4, kind=K.takeaway, moderates=True)
    edit(phase, FACILITATOR, author=None, moderates=True)


@pytest.mark.parametrize("actor", [HOST, PROJECTOR, Actor(6, Role.visitor)])
def test_only_the_author_edits(actor: Actor) -> None:
    with pytest.raises(Forbidden):
        edit(P.analysis, actor, author=VISITOR.id)


@pytest.mark.parametrize("actor", [VISITOR, HOST])
def test_only_the_facilitator_moderates(actor: Actor) -> None:
    with pytest.raises(Forbidden) as caught:
        edit(P.feedback, actor, author=actor.id, moderates=True)
    assert "facilitator" in caught.value.detail


def test_author_edits_within_the_phase_rules() -> None:
    edit(P.analysis, VISITOR, author=VISITOR.id)
    edit(P.analysis, VISITOR, author=VISITOR.id, kind=K.option)
    with pytest.raises(NotAllowedInPhase):
        edit(P.analysis, VISITOR, author=VISITOR.id, kind=K.strength)
    for phase in (P.welcome, P.closed):
        with pytest.raises(NotAllowedInPhase):
            edit(phase, VISITOR, author=VISITOR.id)
    with pytest.raises(HostTeamMuted):
        edit(P.questions, HOST, MUTED, author=HOST.id)
    edit(P.questions, SPEAKER, MUTED, author=SPEAKER.id, kind=K.question)


def test_report_back_date_may_not_be_in_the_past() -> None:
    today = date(2026, 11, 23)
    check_report_back_by(today, today)
    check_report_back_by(today + timedelta(days=30), today)
    with pytest.raises(Invalid) as caught:
        check_report_back_by(today - timedelta(days=1), today)
    assert (caught.value.status, caught.value.code) == (422, "date_in_past")


def test_check_speakers_keeps_order_and_drops_repeats() -> None:
    assert check_speakers([3, 2, 3, 2], {2, 3}) == (3, 2)
    assert check_speakers([], set()) == ()
    with pytest.raises(RuleError) as caught:
        check_speakers([2, 7, 8], {2, 3})
    assert caught.value.code == "speaker_not_host"
    assert caught.value.detail.endswith("these are not: 7, 8.")  # not "[7, 8]"
    assert caught.value.status == 409


def test_a_card_off_the_board_cannot_be_voted_for() -> None:
    with pytest.raises(NotAllowedInPhase) as refused:
        check_vote(Phase.analysis, VISITOR, already_voted=False, votes_used=0, on_board=False)
    assert refused.value.code == "card_not_on_board"
    check_vote(Phase.analysis, VISITOR, already_voted=False, votes_used=0, on_board=True)


def test_a_phase_change_lowers_every_hand_and_every_done() -> None:
    signals = {1: Signal.hand, 2: Signal.done, 3: Signal.none}
    assert sorted(signals_to_clear(signals)) == [1, 2]
    assert signals_to_clear({4: Signal.none}) == []


@pytest.mark.parametrize("phase", [P.welcome, P.commitment])
def test_done_writing_needs_something_to_write(phase: Phase) -> None:
    with pytest.raises(NotAllowedInPhase) as refused:
        check_signal(phase, VISITOR, Mute(), Signal.done)
    assert refused.value.status == 409 and phase.value in refused.value.detail
    check_signal(phase, VISITOR, Mute(), Signal.hand)
    check_signal(phase, VISITOR, Mute(), Signal.none)


def test_a_listening_host_may_ask_to_speak_but_has_written_nothing_to_be_done_with() -> None:
    muted = mute_on_entering(P.questions)
    check_signal(P.questions, HOST, muted, Signal.hand)
    with pytest.raises(NotAllowedInPhase):
        check_signal(P.questions, HOST, muted, Signal.done)
    speaking = Mute(host_team_muted=True, speakers=(SPEAKER.id,))
    check_signal(P.questions, SPEAKER, speaking, Signal.done)
    check_signal(P.questions, VISITOR, muted, Signal.done)


def test_nobody_signals_in_a_closed_meeting() -> None:
    for signal in Signal:
        with pytest.raises(NotAllowedInPhase):
            check_signal(P.closed, VISITOR, Mute(), signal)


@pytest.mark.parametrize(
    ("refuse", "sentence"),
    [
        (
            lambda: check_vote(P.analysis, Actor(2, Role.host), **FREE_VOTE),
            "Only visitors may vote; you joined as part of the host team.",
        ),
        (
            lambda: check_action_list(P.commitment, Actor(4, Role.visitor), Mute()),
            "Only the host team or the facilitator may write the action list; "
            "you joined as a visitor.",
        ),
        (
            lambda: check_add_card(P.analysis, Actor(5, Role.projector), Mute(), K.insight),
            "Only the host team, visitors or the facilitator may add cards; "
            "you joined as the projector.",
        ),
    ],
)
def test_a_refused_role_is_told_in_plain_words(refuse, sentence: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden) as caught:
        refuse()
    assert caught.value.detail == sentence


FREE_VOTE = {"already_voted": False, "votes_used": 0, "on_board": True}


def test_a_refusal_lists_what_it_refused_as_a_sentence_would() -> None:
    assert listed([7, 8]) == "7, 8"
    assert listed(["lunch"], quoted=True) == '"lunch"'
    assert listed(range(8)) == "0, 1, 2, 3, 4 (and 3 more)"
    assert listed(["x" * 100]) == "x" * 39 + "…"
