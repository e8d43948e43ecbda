"""The event registry (app/domain/events.py): every type declared once, rendered by a template,
shown alike to everyone of one audience, and listed as API.md lists it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.events import EVENTS, Event, RecordEvent, contract_types, spec
from app.domain.rules import Actor, Role
from app.realtime.backends import backend_for
from app.realtime.hub import Hub, Subscriber
from app.realtime.json_stream import JsonRenderer
from app.web.html_stream import SEQ_ONLY, HtmlRenderer
from app.web.templating import TEMPLATES, VIEW_OF_ROLE, make_env
from tests.realtime.test_backends import Record

API_MD = Path("/work/shared/API.md")
# API.md, "Live events", word for word: the types every client may rely on.
CONTRACT = {
    "phase.changed",
    "timer.changed",
    "mute.changed",
    "card.added",
    "card.updated",
    "vote.changed",
    "action.added",
    "action.updated",
    "commitment.set",
    "participant.joined",
}
CAST = [
    Actor(i, role)
    for i, role in enumerate(
        [Role.facilitator, Role.host, Role.host, Role.visitor, Role.visitor, Role.projector], 1
    )
]
ENV = make_env()
RENDERERS = {view: HtmlRenderer(ENV, view) for view in VIEW_OF_ROLE.values()}
ids = st.sampled_from([c.id for c in CAST])
words = st.sampled_from(["the budget was cut twice", "<b>bold</b> & co", ""])
phases = st.sampled_from(["context", "questions", "analysis", "commitment"])
agenda = st.just(
    [{"phase": "context", "planned_s": 600, "actual_s": 0, "entered_at": None, "left_at": None}]
)


def card(author: int, **flags: bool) -> dict:
    return {
        "id": 7,
        "kind": "insight",
        "text": "the budget was cut twice",
        "evidence": "experience",
        "source_url": None,
        "theme": None,
        "votes": 2,
        "phase": "analysis",
        "created_at": "2026-11-23T09:00:00",
        "updated_at": "2026-11-23T09:05:00",
        "author_id": author,
        "author_name": f"person {author}",
        "author_role": CAST[author - 1].role.value,
        **flags,
    }


cards = st.builds(
    card,
    st.sampled_from([1, 2, 3, 4]),
    anonymous=st.booleans(),
    hidden=st.booleans(),
    private=st.booleans(),
)
participant = st.builds(
    lambda pid, signal: {"id": pid, "name": f"person {pid}", "role": "visitor", "signal": signal},
    ids,
    st.sampled_from([None, "hand", "done"]),
)
workshop = st.builds(
    lambda writing: {
        "id": "w1",
        "title": "Roll-out",
        "problem": "p",
        "private_writing": writing,
        "spotlight": None,
        "auto_admit": False,
        "room_code": "ABC123",
    },
    st.booleans(),
)
# One example of each type's data. A type declared without one fails
# test_every_type_has_examples: a new type must be tried here.
EXAMPLES: dict[str, st.SearchStrategy[dict]] = {
    "phase.changed": st.builds(
        lambda p, a: {"phase": p, "previous": "welcome", "agenda": a}, phases, agenda
    ),
    "agenda.changed": st.builds(lambda p, a: {"phase": p, "agenda": a}, phases, agenda),
    "timer.changed": st.builds(
        lambda s: {
            "status": s,
            "duration_s": 600,
            "ends_at": "2026-11-23T09:10:00+00:00" if s == "running" else None,
            "remaining_s": None if s == "running" else 600,
            "server_now": "2026-11-23T09:00:00+00:00",
            "phase": "context",
        },
        st.sampled_from(["running", "paused", "stopped"]),
    ),
    "mute.changed": st.builds(
        lambda m, s, p: {"host_team_muted": m, "speakers": s, "phase": p},
        st.booleans(),
        st.lists(st.sampled_from([2, 3]), unique=True),
        phases,
    ),
    "card.added": cards,
    "card.updated": cards,
    "vote.changed": st.builds(
        lambda voter, voted, left: {
            "card_id": 7,
            "votes": 3,
            "voter_id": voter,
            "voted": voted,
            "votes_left": left,
            "voted_card_ids": [7],
        },
        ids,
        st.booleans(),
        st.integers(0, 5),
    ),
    "action.added": st.builds(
        lambda title: {
            "id": 4,
            "title": title,
            "owner": None,
            "due_date": None,
            "status": "open",
            "card_ids": [],
            "created_at": "2026-11-23T09:00:00",
            "updated_at": "2026-11-23T09:00:00",
        },
        words,
    ),
    "commitment.set": st.builds(
        lambda note: {
            "report_back_by": "2027-03-01",
            "note": note,
            "set_at": "2026-11-23T09:00:00",
            "set_by": {"id": 2, "name": "person 2", "role": "host", "signal": None},
        },
        words,
    ),
    "participant.joined": participant,
    "participant.updated": participant,
    "lobby.changed": st.builds(
        lambda names: {"waiting": [{"id": i, "name": n, "at": ""} for i, n in enumerate(names)]},
        st.lists(words, max_size=3),
    ),
    "workshop.updated": workshop,
}
EXAMPLES["action.updated"] = EXAMPLES["action.added"]
theme = st.builds(lambda n: {"id": 3, "name": n}, st.one_of(words, st.none()))
EXAMPLES["theme.created"] = EXAMPLES["theme.renamed"] = theme
EXAMPLES["theme.merged"] = st.builds(lambda into: {"id": 2, "into": into}, theme)


def frame(event_type: str, data: dict) -> dict:
    return {"seq": 5, "type": event_type, "at": "", "data": data, "workshop_id": "w1"}


def test_every_type_has_examples_and_folds() -> None:
    assert set(EXAMPLES) == set(EVENTS)
    for cls in EVENTS.values():
        assert cls.fold is not Event.fold, f"{cls.type} does not say how it folds into a state"


def test_api_md_and_the_registry_list_the_same_contract_types() -> None:
    assert contract_types() == CONTRACT
    if API_MD.exists():  # the shared contract itself, where this tree sits beside it
        section = API_MD.read_text().split("## Live events", 1)[1].split("\n## ", 1)[0]
        listed = section.split("Types:", 1)[1].split(". One more type", 1)[0]
        assert set(re.findall(r"`([a-z]+\.[a-z]+)`", listed)) == contract_types()


def test_every_type_has_a_template() -> None:
    missing = [cls.type for cls in EVENTS.values() if not (TEMPLATES / cls.template()).is_file()]
    assert missing == [], f"no template under templates/stream/ for {missing}"


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_instances_carry_exactly_their_declared_fields(draw: st.DataObject) -> None:
    # The data an action emits is what the registry declares: nothing more, nothing less.
    cls = EVENTS[draw.draw(st.sampled_from(sorted(EVENTS)))]
    data = draw.draw(EXAMPLES[cls.type])
    if issubclass(cls, RecordEvent):
        assert cls(data).data() is data  # type: ignore[call-arg]
    else:
        assert cls(**data).data() == data


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_one_audience_sees_one_view_and_one_page(draw: st.DataObject) -> None:
    """Frames are rendered once per audience key: two viewers with one key must be sent the
    same bytes, on the JSON stream and in every browser view."""
    event_type = draw.draw(st.sampled_from(sorted(EVENTS)))
    event = frame(event_type, draw.draw(EXAMPLES[event_type]))
    json = JsonRenderer()
    for a, b in itertools.combinations(CAST, 2):
        if json.key(event, a) == json.key(event, b):
            assert json.render(event, a) == json.render(event, b), (event_type, a, b)
        for renderer in RENDERERS.values():
            if renderer.key(event, a) == renderer.key(event, b):
                assert renderer.render(event, a) == renderer.render(event, b), (
                    event_type,
                    renderer.view,
                    a,
                    b,
                )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_type_renders_in_every_view(draw: st.DataObject) -> None:
    event_type = draw.draw(st.sampled_from(sorted(EVENTS)))
    event = frame(event_type, draw.draw(EXAMPLES[event_type]))
    for renderer, viewer in itertools.product(RENDERERS.values(), CAST):
        assert 'data-seq="5"' in renderer.render(event, viewer)


@dataclass(frozen=True)
class Untemplated(Event):
    """A type someone declared without writing its template."""

    note: str

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        pass


def test_a_missing_template_still_moves_the_page_to_its_seq(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Untemplated, "type", "note.untemplated", raising=False)
    monkeypatch.setitem(EVENTS, "note.untemplated", Untemplated)
    page = RENDERERS["visitor"].render(frame("note.untemplated", {"note": "x"}), CAST[3])
    assert page == SEQ_ONLY.format(seq=5)


class Breaks:
    """A renderer that fails, as a view with a bug would."""

    name = "breaks"

    def key(self, event: dict, viewer: Actor) -> object:
        return None

    def render(self, event: dict, viewer: Actor) -> str:
        raise RuntimeError("a bug in one view")

    def render_presence(self, presence: dict) -> str:
        return "{}"


async def first_event(hub: Hub, sub: Subscriber) -> str:
    async for text in hub.frames(sub):
        if '"seq":null' not in text:  # presence news comes and goes
            return text
    raise AssertionError("the stream ended")


async def test_one_view_failing_costs_the_rest_of_the_room_nothing() -> None:
    backend, presence = backend_for("", presence_ttl_s=30)
    record = Record()
    hub = Hub(backend, presence, record.fetch, presence_ttl_s=30)
    await hub.start()
    broken = Subscriber("w-break", CAST[3], Breaks())  # type: ignore[arg-type]
    # The broken view joins first, so it is dispatched to before the others.
    healthy = [Subscriber("w-break", viewer, JsonRenderer()) for viewer in CAST]
    try:
        async with contextlib.AsyncExitStack() as stack:
            for sub in [broken, *healthy]:
                await stack.enter_async_context(hub.subscription(sub))
            event = frame("agenda.changed", {"agenda": [], "phase": "context"}) | {"seq": 1}
            record.events.append(event)
            await hub.publish("w-break", [event])
            for sub in healthy:
                assert '"seq":1' in await asyncio.wait_for(first_event(hub, sub), 5)
            assert broken.lost.is_set()
    finally:
        await hub.stop()


def test_spec_names_an_undeclared_type() -> None:
    with pytest.raises(KeyError, match="not a declared event type"):
        spec("card.teleported")
