"""Random meetings: commands from random roles go through the domain, and the rules hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from app.domain import meeting as m
from app.domain.errors import HostTeamMuted, RuleError
from app.domain.phases import ORDER, Phase, default_agenda, planned_s
from app.domain.rules import (
    VOTES_PER_VISITOR,
    Actor,
    CardKind,
    Role,
    check_add_card,
    check_unvote,
    check_vote,
    check_writer,
)
from app.domain.timer import TimerStatus

CAST = [
    Actor(1, Role.facilitator),
    Actor(2, Role.host),
    Actor(3, Role.host),
    Actor(4, Role.visitor),
    Actor(5, Role.visitor),
    Actor(6, Role.visitor),
    Actor(7, Role.projector),
]
HOST_IDS = {a.id for a in CAST if a.role is Role.host}
# What visitors may add per phase, from API.md; the mute never changes it.
VISITOR_KINDS = {
    Phase.context: {"question"},
    Phase.questions: {"surprise", "gap", "need", "question"},
    Phase.analysis: {"insight", "option", "need"},
    Phase.feedback: {"strength", "insight", "option", "worked_elsewhere"},
    Phase.reflection: {"takeaway"},
}
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

actors = st.sampled_from(CAST)
# Facilitator-only commands come from the facilitator half the time, so meetings move on.
commanders = st.just(CAST[0]) | actors
# Votes only count from visitors, so they vote more often than the others try to.
voters = st.sampled_from(CAST) | st.sampled_from([a for a in CAST if a.role is Role.visitor])
moves = st.sampled_from(["next", "previous", "nowhere", *(p.value for p in ORDER)]) | (
    st.sampled_from(["analysis", "feedback"])
)
timer_actions = st.sampled_from(["start", "pause", "resume", "extend", "reset", "stop"])
seconds = st.none() | st.integers(-5, 90_000)


class MeetingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.meeting = m.opening(default_agenda(60))
        self.cards: list[int] = []
        self.votes: set[tuple[int, int]] = set()  # (visitor id, card id)
        self.counts: dict[int, int] = {}

    @initialize(minutes=st.integers(30, 4320))
    def open_meeting(self, minutes: int) -> None:
        self.meeting = m.opening(default_agenda(minutes))

    def apply(self, command) -> bool:  # type: ignore[no-untyped-def]
        try:
            self.meeting, _ = command()
        except RuleError:
            return False
        return True

    @rule(actor=commanders, to=moves)
    def move(self, actor: Actor, to: str) -> None:
        before = self.meeting

        def command():  # type: ignore[no-untyped-def]
            check_writer(actor, (Role.facilitator,), "change the phase")
            return m.change_phase(before, to, self.now)

        if not self.apply(command):
            assert self.meeting == before
            return
        assert actor.role is Role.facilitator
        after = self.meeting
        assert after.phase is not before.phase
        assert after.mute.speakers == ()
        assert after.mute.host_team_muted is (after.phase in (Phase.questions, Phase.analysis))
        length = planned_s(after.agenda, after.phase)
        assert after.timer.duration_s == length
        if after.timer.status is TimerStatus.running:
            assert after.timer.ends_at == self.now + timedelta(seconds=length)
        else:
            assert after.phase is Phase.closed or length == 0

    @rule(actor=commanders, action=timer_actions, secs=seconds)
    def timer(self, actor: Actor, action: str, secs: int | None) -> None:
        def command():  # type: ignore[no-untyped-def]
            check_writer(actor, (Role.facilitator,), "run the timer")
            return m.command_timer(self.meeting, action, secs, self.now)

        self.apply(command)

    @rule(
        actor=commanders,
        muted=st.booleans(),
        speakers=st.lists(st.sampled_from([a.id for a in CAST]), max_size=3),
    )
    def mute(self, actor: Actor, muted: bool, speakers: list[int]) -> None:
        def command():  # type: ignore[no-untyped-def]
            check_writer(actor, (Role.facilitator,), "mute the host team")
            return m.set_mute(self.meeting, muted, speakers, HOST_IDS)

        accepted = self.apply(command)
        assert accepted is (actor.role is Role.facilitator and set(speakers) <= HOST_IDS)

    @rule(actor=commanders, phase=st.sampled_from(ORDER), secs=st.integers(0, 259_200))
    def replan(self, actor: Actor, phase: Phase, secs: int) -> None:
        def command():  # type: ignore[no-untyped-def]
            check_writer(actor, (Role.facilitator,), "change the agenda")
            return m.edit_agenda(self.meeting, {phase.value: secs}, self.now)

        self.apply(command)

    @rule(secs=st.integers(0, 4000))
    def wait(self, secs: int) -> None:
        self.now += timedelta(seconds=secs)

    @rule(actor=actors, kind=st.sampled_from(list(CardKind)), copies=st.integers(1, 6))
    def add_card(self, actor: Actor, kind: CardKind, copies: int) -> None:
        phase, mute = self.meeting.phase, self.meeting.mute
        silenced = (
            actor.role is Role.host and mute.host_team_muted and (actor.id not in mute.speakers)
        )
        try:
            check_add_card(phase, actor, mute, kind)
        except HostTeamMuted:
            assert silenced
            return
        except RuleError:
            assert not silenced, "a muted host must be refused for the mute, first"
            return
        assert not silenced
        assert actor.role is not Role.projector
        if actor.role is Role.visitor:
            assert kind.value in VISITOR_KINDS.get(phase, set())
        if actor.role is Role.host and mute.host_team_muted:
            assert kind in (CardKind.context, CardKind.question, CardKind.takeaway)
        for _ in range(copies):
            card_id = len(self.cards) + 1
            self.cards.append(card_id)
            self.counts[card_id] = 0

    @rule(actor=voters, picks=st.lists(st.integers(0, 10_000), min_size=1, max_size=10))
    def vote(self, actor: Actor, picks: list[int]) -> None:
        """One voter votes on a few cards in a row (repeats included)."""
        for pick in picks if self.cards else []:
            card_id = self.cards[pick % len(self.cards)]
            used = sum(1 for voter, _ in self.votes if voter == actor.id)
            try:
                check_vote(
                    self.meeting.phase,
                    actor,
                    already_voted=(actor.id, card_id) in self.votes,
                    votes_used=used,
                )
            except RuleError:
                continue
            assert self.meeting.phase in (Phase.analysis, Phase.feedback)
            self.votes.add((actor.id, card_id))
            self.counts[card_id] += 1

    @rule(actor=voters, pick=st.integers(0, 10_000))
    def unvote(self, actor: Actor, pick: int) -> None:
        if not self.cards:
            return
        card_id = self.cards[pick % len(self.cards)]
        try:
            check_unvote(self.meeting.phase, actor, has_voted=(actor.id, card_id) in self.votes)
        except RuleError:
            return
        self.votes.remove((actor.id, card_id))
        self.counts[card_id] -= 1

    @invariant()
    def phase_is_valid(self) -> None:
        assert isinstance(self.meeting.phase, Phase) and self.meeting.phase in ORDER

    @invariant()
    def timer_is_sane(self) -> None:
        timer = self.meeting.timer
        for later in (0, 1, 3600, 200_000):
            assert timer.remaining(self.now + timedelta(seconds=later)) >= 0
        if timer.status is TimerStatus.running:
            assert timer.ends_at is not None and timer.remaining_s is None
        else:
            assert timer.ends_at is None and timer.remaining_s is not None
            assert timer.remaining_s >= 0

    @invariant()
    def agenda_times_are_not_negative(self) -> None:
        assert [item.phase for item in self.meeting.agenda] == list(ORDER)
        assert all(item.actual_s >= 0 and item.planned_s >= 0 for item in self.meeting.agenda)
        open_items = [item.phase for item in self.meeting.agenda if item.entered_at is not None]
        assert open_items in ([], [self.meeting.phase])

    @invariant()
    def votes_respect_the_budget(self) -> None:
        visitors = {a.id for a in CAST if a.role is Role.visitor}
        for voter in {v for v, _ in self.votes}:
            assert voter in visitors
            assert sum(1 for v, _ in self.votes if v == voter) <= VOTES_PER_VISITOR
        for card_id, count in self.counts.items():
            assert count == sum(1 for _, c in self.votes if c == card_id) >= 0

    @invariant()
    def speakers_are_hosts(self) -> None:
        assert set(self.meeting.mute.speakers) <= HOST_IDS


VOTE_COMMANDS = st.lists(
    st.tuples(
        st.sampled_from(["vote", "vote", "vote", "unvote"]),
        st.sampled_from(CAST[3:5]) | st.sampled_from(CAST),
        st.integers(1, 8),
        st.sampled_from([Phase.analysis, Phase.feedback, Phase.reflection]),
    ),
    min_size=10,
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(commands=VOTE_COMMANDS)
def test_votes_stay_within_the_budget(commands: list[tuple[str, Actor, int, Phase]]) -> None:
    """Many votes on eight cards, mostly in the voting phases: the checks keep the model sane."""
    votes: set[tuple[int, int]] = set()
    for command, actor, card_id, phase in commands:
        mine = {c for v, c in votes if v == actor.id}
        try:
            if command == "vote":
                check_vote(phase, actor, already_voted=card_id in mine, votes_used=len(mine))
                assert (actor.id, card_id) not in votes
                votes.add((actor.id, card_id))
            else:
                check_unvote(phase, actor, has_voted=card_id in mine)
                votes.remove((actor.id, card_id))  # KeyError if the check let a non-vote by
        except RuleError:
            continue
        assert actor.role is Role.visitor and phase in (Phase.analysis, Phase.feedback)
        for voter in {a.id for a in CAST}:
            assert sum(1 for v, _ in votes if v == voter) <= VOTES_PER_VISITOR


TestMeeting = MeetingMachine.TestCase
TestMeeting.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
