"""A stateful fuzzer: hypothesis drives the real API with random commands from random people,
and every answer must be the one the pure domain model (app/domain) gives for the same command
in the same state: the same refusal (status and code), or the same result (body).

The model keeps its own meeting (phase, agenda, timer, mute), cards, votes, actions and
commitment, and changes them only through the domain's functions, never by copying an answer.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from app.domain import meeting as domain
from app.domain.errors import NotFound, RuleError
from app.domain.phases import ORDER, Phase, agenda_from_dicts, met
from app.domain.rules import (
    VOTES_PER_VISITOR,
    ActionStatus,
    Actor,
    CardKind,
    Mute,
    Role,
    allowed_kinds,
    check_action_list,
    check_add_card,
    check_edit_card,
    check_held,
    check_report_back_by,
    check_unvote,
    check_vote,
    check_writer,
)
from app.domain.timer import MAX_TIMER_S, from_fields
from app.domain.visibility import card_view
from tests.conftest import Clock, make_settings
from tests.factories import API, Person, create_room_sync, join_sync

REFUSED = object()
MISSING = 10**6  # an id no card or action has
STRANGER_AT = 60
# An index into everyone, modulo their number; 60 is a stranger whose token is no one's.
PEOPLE = st.integers(min_value=0, max_value=STRANGER_AT)
# The facilitator half the time: the meeting then moves through its phases within a run.
MOSTLY_FACILITATOR = st.one_of(st.just(0), PEOPLE)
STRANGER = Person(0, "Stranger", "visitor", "not-a-token-of-anyone")
PICK = st.one_of(st.integers(min_value=0, max_value=60), st.just(-1))  # -1: a missing id
TEXTS = st.sampled_from(["Who books transport?", "Weekend discharges", "ß & <b>", "  padded  "])
RUNS = settings(
    max_examples=40,
    stateful_step_count=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TALLY: collections.Counter[str] = collections.Counter()


def actor(person: Person) -> Actor:
    return Actor(person.id, Role(person.role))


def when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


class Blocking:
    """The async httpx client of tests/api, called from synchronous code through a portal."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.portal, self.client = portal, client

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(functools.partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


class MeetingMachine(RuleBasedStateMachine):
    client: Blocking
    clock: Clock

    def __init__(self) -> None:
        super().__init__()
        self.room = create_room_sync(self.client)
        self.people: list[Person] = [self.room.facilitator]
        state = self.client.get(f"{API}/workshops/{self.room.id}", headers=self.fac.headers)
        data = state.json()
        timer = data["timer"]
        self.meeting = domain.Meeting(
            phase=Phase(data["phase"]),
            agenda=agenda_from_dicts(data["agenda"]),
            timer=from_fields(
                timer["status"], timer["duration_s"], when(timer["ends_at"]), timer["remaining_s"]
            ),
            mute=Mute(data["mute"]["host_team_muted"], tuple(data["mute"]["speakers"])),
        )
        self.cards: dict[int, dict] = {}
        self.votes: dict[int, list[int]] = collections.defaultdict(list)
        self.actions: dict[int, dict] = {}
        self.commitment: dict | None = None
        self.entered: list[str] = []  # the phases the meeting has entered (phases.met)

    @property
    def fac(self) -> Person:
        return self.room.facilitator

    def person(self, index: int) -> Person:
        return STRANGER if index == STRANGER_AT else self.people[index % len(self.people)]

    def pick(self, index: int, ids: dict[int, dict]) -> int:
        return MISSING if index < 0 or not ids else sorted(ids)[index % len(ids)]

    def now(self) -> datetime:
        return self.clock()

    def send(self, who: Person, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(
            method, f"{API}/workshops/{self.room.id}{path}", json=body, headers=who.headers
        )

    def expect(
        self, name: str, who: Person, response: httpx.Response, verdict: Callable[[], Any]
    ) -> Any:
        """The domain's verdict on the command; the answer must agree with it."""
        try:
            if who is STRANGER:
                raise RuleError("not a participant", status=401, code="unauthorized")
            outcome = verdict()
        except RuleError as refusal:
            TALLY[f"{name} refused {refusal.status} {refusal.code}"] += 1
            assert response.status_code == refusal.status, (name, refusal.code, response.text)
            body = response.json()
            assert set(body) == {"detail", "code"}, body
            assert body["code"] == refusal.code, (name, body)
            assert len(body["detail"].strip()) >= 8, body
            return REFUSED
        TALLY[f"{name} ok"] += 1
        assert response.status_code in (200, 201), (name, response.status_code, response.text)
        return outcome

    # The facilitator's controls

    @rule(who=MOSTLY_FACILITATOR, to=st.sampled_from(["next", "previous", *ORDER, "nowhere"]))
    def change_phase(self, who: int, to: str) -> None:
        person, now = self.person(who), self.now()
        response = self.send(person, "POST", "/phase", {"to": str(to)})

        def verdict() -> domain.Meeting:
            check_writer(actor(person), (Role.facilitator,), "change the phase")
            return domain.change_phase(self.meeting, str(to), now)[0]

        after = self.expect("phase", person, response, verdict)
        if after is REFUSED:
            return
        self.meeting = after
        self.entered.append(after.phase.value)
        body = response.json()
        assert body["phase"] == after.phase.value
        assert body["mute"] == after.mute.as_dict()
        assert body["timer"] == after.timer_dict(now)
        assert body["agenda"] == after.agenda_dicts()

    @rule(to=st.sampled_from([*ORDER[1:], "next", "next"]))
    def facilitator_moves_on(self, to: str) -> None:
        """The facilitator's usual move, so that runs reach voting and the action list."""
        self.change_phase(0, to)

    @rule(
        who=MOSTLY_FACILITATOR,
        action=st.sampled_from(["start", "pause", "resume", "extend", "reset"]),
        seconds=st.sampled_from([None, 1, 60, 900, MAX_TIMER_S]),
    )
    def command_timer(self, who: int, action: str, seconds: int | None) -> None:
        person, now = self.person(who), self.now()
        body = {"action": action} if seconds is None else {"action": action, "seconds": seconds}
        response = self.send(person, "POST", "/timer", body)

        def verdict() -> domain.Meeting:
            check_writer(actor(person), (Role.facilitator,), "run the timer")
            return domain.command_timer(self.meeting, action, seconds, now)[0]

        after = self.expect("timer", person, response, verdict)
        if after is not REFUSED:
            self.meeting = after
            assert response.json() == after.timer_dict(now)

    @rule(who=MOSTLY_FACILITATOR, muted=st.booleans(), speakers=st.lists(PEOPLE, max_size=3))
    def set_mute(self, who: int, muted: bool, speakers: list[int]) -> None:
        person = self.person(who)
        ids = [self.people[i % len(self.people)].id for i in speakers]
        response = self.send(person, "PUT", "/mute", {"host_team_muted": muted, "speakers": ids})

        def verdict() -> domain.Meeting:
            check_writer(actor(person), (Role.facilitator,), "mute or unmute the host team")
            hosts = {p.id for p in self.people if p.role == "host"}
            return domain.set_mute(self.meeting, muted, ids, hosts)[0]

        after = self.expect("mute", person, response, verdict)
        if after is not REFUSED:
            self.meeting = after
            assert response.json() == after.mute.as_dict()

    @rule(seconds=st.integers(min_value=0, max_value=900))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)

    # People

    @precondition(lambda self: len(self.people) < 8)
    @rule(role=st.sampled_from(["host", "visitor", "projector"]))
    def someone_joins(self, role: str) -> None:
        TALLY["join ok"] += 1
        self.people.append(join_sync(self.client, self.room, role, f"{role} {len(self.people)}"))

    # Cards and votes

    @rule(who=PEOPLE, kind=st.sampled_from(list(CardKind)), anonymous=st.booleans(), text=TEXTS)
    def add_card(self, who: int, kind: CardKind, anonymous: bool, text: str) -> None:
        person, now = self.person(who), self.now()
        body = {"kind": kind.value, "text": text, "anonymous": anonymous}
        response = self.send(person, "POST", "/cards", body)

        def verdict() -> None:
            check_add_card(self.meeting.phase, actor(person), self.meeting.mute, kind)

        if self.expect("card", person, response, verdict) is REFUSED:
            return
        answer = response.json()
        assert answer["id"] not in self.cards
        record = {
            "id": answer["id"],
            "kind": kind.value,
            "text": text.strip(),
            "evidence": None,
            "source_url": None,
            "anonymous": anonymous,
            "theme": None,
            "hidden": False,
            "private": False,
            "votes": 0,
            "phase": self.meeting.phase.value,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
            "author_id": person.id,
            "author_name": person.name,
            "author_role": person.role,
        }
        self.cards[record["id"]] = record
        assert response.status_code == 201
        assert answer == card_view(record, actor(person))

    @precondition(lambda self: any(p.role == "visitor" for p in self.people))
    @rule(data=st.data(), pick=PICK)
    def a_visitor_writes_and_votes(self, data: st.DataObject, pick: int) -> None:
        """The room's usual moves: a card of a kind the phase offers, then a vote."""
        visitors = [i for i, p in enumerate(self.people) if p.role == "visitor"]
        who = data.draw(st.sampled_from(visitors))
        kinds = sorted(
            allowed_kinds(self.meeting.phase, actor(self.people[who]), self.meeting.mute)
        )
        if kinds:
            self.add_card(who, data.draw(st.sampled_from(kinds)), False, "On the board")
        self.vote(who, pick, True)

    @rule(
        who=PEOPLE,
        pick=PICK,
        change=st.sampled_from(
            [
                {"text": "Reworded"},
                {"kind": "question"},
                {"kind": "insight"},
                {"theme": "Timing"},
                {"theme": None},
                {"hidden": True},
                {"hidden": False},
            ]
        ),
    )
    def edit_card(self, who: int, pick: int, change: dict) -> None:
        person, now = self.person(who), self.now()
        card_id = self.pick(pick, self.cards)
        response = self.send(person, "PATCH", f"/cards/{card_id}", change)

        def verdict() -> dict:
            if card_id not in self.cards:
                raise NotFound("no such card", code="card_not_found")
            card = self.cards[card_id]
            check_edit_card(
                self.meeting.phase,
                actor(person),
                self.meeting.mute,
                author_id=card["author_id"],
                new_kind=CardKind(change["kind"]) if "kind" in change else None,
                moderates="theme" in change or "hidden" in change,
            )
            return {**card, **change, "updated_at": now.isoformat()}

        after = self.expect("edit card", person, response, verdict)
        if after is not REFUSED:
            self.cards[card_id] = after
            assert response.json() == card_view(after, actor(person))

    @rule(who=PEOPLE, pick=PICK, up=st.booleans())
    def vote(self, who: int, pick: int, up: bool) -> None:
        person = self.person(who)
        card_id = self.pick(pick, self.cards)
        response = self.send(person, "POST" if up else "DELETE", f"/cards/{card_id}/vote")
        mine = self.votes[person.id]

        def verdict() -> list[int]:
            if card_id not in self.cards:
                raise NotFound("no such card", code="card_not_found")
            card, phase = self.cards[card_id], self.meeting.phase
            if up:
                on_board = not (card["hidden"] or card["private"])
                check_vote(
                    phase,
                    actor(person),
                    already_voted=card_id in mine,
                    votes_used=len(mine),
                    on_board=on_board,
                )
                return [*mine, card_id]
            check_unvote(phase, actor(person), has_voted=card_id in mine)
            return [i for i in mine if i != card_id]

        after = self.expect("vote" if up else "unvote", person, response, verdict)
        if after is REFUSED:
            return
        self.votes[person.id] = after
        self.cards[card_id]["votes"] += 1 if up else -1
        assert response.json() == {
            "card_id": card_id,
            "votes": self.cards[card_id]["votes"],
            "votes_left": VOTES_PER_VISITOR - len(after),
        }

    # The action list and the commitment

    @rule(
        who=PEOPLE,
        picks=st.lists(PICK, max_size=3),
        owner=st.sampled_from([None, "Hana"]),
        due_in=st.sampled_from([None, 3, 40]),
    )
    def add_action(self, who: int, picks: list[int], owner: str | None, due_in: int | None):  # type: ignore[no-untyped-def]
        person, now = self.person(who), self.now()
        card_ids = list(dict.fromkeys(self.pick(p, self.cards) for p in picks))
        due = (now.date() + timedelta(days=due_in)).isoformat() if due_in else None
        body = {"title": "Book transport", "owner": owner, "due_date": due, "card_ids": card_ids}
        response = self.send(person, "POST", "/actions", body)

        def verdict() -> None:
            check_action_list(self.meeting.phase, actor(person), self.meeting.mute)
            check_held(self.meeting.phase, lambda: met(self.entered))
            if any(i not in self.cards for i in card_ids):
                raise NotFound("no such card", code="card_not_found")

        if self.expect("action", person, response, verdict) is REFUSED:
            return
        answer = response.json()
        expected = {"title": "Book transport", "owner": owner, "due_date": due}
        assert {k: answer[k] for k in expected} == expected
        assert (answer["status"], answer["card_ids"]) == ("open", card_ids)
        self.actions[answer["id"]] = answer

    @rule(who=PEOPLE, pick=PICK, status=st.sampled_from(list(ActionStatus)))
    def edit_action(self, who: int, pick: int, status: ActionStatus) -> None:
        person = self.person(who)
        action_id = self.pick(pick, self.actions)
        response = self.send(person, "PATCH", f"/actions/{action_id}", {"status": status.value})

        def verdict() -> None:
            check_action_list(self.meeting.phase, actor(person), self.meeting.mute)
            check_held(self.meeting.phase, lambda: met(self.entered))
            if action_id not in self.actions:
                raise NotFound("no such action", code="action_not_found")

        if self.expect("edit action", person, response, verdict) is not REFUSED:
            assert response.json()["status"] == status.value
            self.actions[action_id] = response.json()

    @rule(who=PEOPLE, days=st.sampled_from([-5, 1, 20, 60]))
    def commit(self, who: int, days: int) -> None:
        person, now = self.person(who), self.now()
        day = now.date() + timedelta(days=days)
        response = self.send(person, "PUT", "/commitment", {"report_back_by": day.isoformat()})

        def verdict() -> None:
            check_action_list(self.meeting.phase, actor(person), self.meeting.mute)
            check_held(self.meeting.phase, lambda: met(self.entered))
            check_report_back_by(day, now.date())

        if self.expect("commitment", person, response, verdict) is not REFUSED:
            answer = response.json()
            assert (answer["report_back_by"], answer["set_by"]["id"]) == (
                day.isoformat(),
                person.id,
            )
            self.commitment = answer

    # What everyone sees

    @rule(who=PEOPLE)
    def look(self, who: int) -> None:
        person, now = self.person(who), self.now()
        response = self.client.get(f"{API}/workshops/{self.room.id}", headers=person.headers)
        if self.expect("look", person, response, lambda: None) is REFUSED:
            return
        state = response.json()
        assert state["phase"] == self.meeting.phase.value
        assert state["mute"] == self.meeting.mute.as_dict()
        assert state["timer"] == self.meeting.timer_dict(now)
        assert state["agenda"] == self.meeting.agenda_dicts()
        viewer = actor(person)
        assert state["cards"] == [card_view(self.cards[i], viewer) for i in sorted(self.cards)]
        assert [a["id"] for a in state["actions"]] == sorted(self.actions)
        assert state["commitment"] == self.commitment
        votes_left = (
            VOTES_PER_VISITOR - len(self.votes[person.id]) if person.role == "visitor" else 0
        )
        assert state["me"]["votes_left"] == votes_left
        assert sorted(state["me"]["voted_card_ids"]) == sorted(self.votes[person.id])


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[tuple[Blocking, Clock]]:
    """The real app through httpx, on a clock the fuzzer moves that starts now, so the dates
    it sends sit where the schema's bounds expect them."""
    from app.main import create_app

    clock = Clock()
    clock.now = datetime.now(UTC).replace(microsecond=0)
    application = create_app(make_settings(tmp_path, database_url), clock=clock)
    with start_blocking_portal() as portal:
        lifespan = application.router.lifespan_context(application)
        with portal.wrap_async_context_manager(lifespan):
            transport = httpx.ASGITransport(app=application)
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            try:
                yield Blocking(portal, client), clock
            finally:
                portal.call(client.aclose)


def test_the_api_agrees_with_the_domain_model(api: tuple[Blocking, Clock]) -> None:
    MeetingMachine.client, MeetingMachine.clock = api
    TALLY.clear()
    run_state_machine_as_test(MeetingMachine, settings=RUNS)
    refused = sum(n for k, n in TALLY.items() if " refused " in k)
    print(f"\nfuzzer: {sum(TALLY.values())} commands, {refused} refused as the model said")
    for name, count in sorted(TALLY.items()):
        print(f"  {count:5d}  {name}")
    assert refused and sum(TALLY.values()) > refused, "the fuzzer never reached both outcomes"
