"""Every live event type, declared once.

Each type is a small frozen dataclass: its name, its fields (the data it carries), who may see
what of it (its audience and its view) and the template that renders it for browsers. Actions
emit instances; the event table stores `data()`; the JSON stream, the HTML stream, visibility
and the tests' state fold all look the type up in `EVENTS`. Adding a type here, with its
template under `templates/stream/`, is the whole job: a test fails if either is missing.

The model is Zulip's event schemas and Datasette's event dataclasses (see STYLE.md).
Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import ClassVar, TypeVar

from .rules import Actor, Role
from .visibility import card_view, lobby_view, vote_view


@dataclass(frozen=True)
class Latest:
    """What a replayed event is shown against: the records as they are now (issue: a replay
    shows what the viewer may see now, never old words). Missing maps are not consulted."""

    cards: dict[int, dict] = field(default_factory=dict)
    actions: dict[int, dict] = field(default_factory=dict)
    themes: dict[int, dict] = field(default_factory=dict)
    commitment: dict | None = None
    waiting: list[dict] | None = None
    workshop: dict | None = None


@dataclass(frozen=True)
class Event:
    """The base of every event type. A subclass's dataclass fields are its data."""

    type: ClassVar[str]
    # Listed under "Live events" in API.md; the others are this app's extras, which clients
    # must ignore when they do not know them.
    in_contract: ClassVar[bool] = False
    # Which current record a replay shows instead of the stored one (see `Latest`).
    current_of: ClassVar[str | None] = None

    @classmethod
    def template(cls) -> str:
        return f"stream/{cls.type}.html"

    def data(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @staticmethod
    def audience(data: dict, viewer: Actor) -> Hashable:
        """Viewers with equal keys see equal views (and equal HTML)."""
        return None

    @staticmethod
    def view(data: dict, viewer: Actor) -> dict:
        return data

    @staticmethod
    def html_audience(data: dict, viewer: Actor) -> Hashable:
        """What else, beyond `audience`, changes this event's HTML for a viewer."""
        return None

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        """The stored data brought up to date for a replay; unchanged by default."""
        return data

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        """Apply this event's view to a participant's state (`GET /workshops/{id}`) in place.
        A snapshot and the events after it fold to a fresh read (Zulip's apply_event)."""
        raise NotImplementedError


@dataclass(frozen=True)
class RecordEvent(Event):
    """An event whose data is one whole record (a card, an action...), as the API shows it."""

    def data(self) -> dict:
        return getattr(self, fields(self)[0].name)


EVENTS: dict[str, type[Event]] = {}


E = TypeVar("E", bound=type[Event])


def event(name: str, *, contract: bool = False) -> Callable[[E], E]:
    """Declare an event type under its wire name; `contract`: listed in API.md."""

    def register(cls: E) -> E:
        if name in EVENTS:
            raise ValueError(f"event type {name} declared twice")
        cls.type = name
        cls.in_contract = contract
        EVENTS[name] = cls
        return cls

    return register


def spec(event_type: str) -> type[Event]:
    try:
        return EVENTS[event_type]
    except KeyError:
        raise KeyError(
            f"{event_type!r} is not a declared event type (app/domain/events.py)"
        ) from None


def audience(event_type: str, data: dict, viewer: Actor) -> Hashable:
    return spec(event_type).audience(data, viewer)


def event_view(event_type: str, data: dict, viewer: Actor) -> dict:
    return spec(event_type).view(data, viewer)


def contract_types() -> set[str]:
    return {name for name, cls in EVENTS.items() if cls.in_contract}


# The meeting


@event("phase.changed", contract=True)
@dataclass(frozen=True)
class PhaseChanged(Event):
    """The meeting moved to another phase; the agenda carries the time booked so far."""

    phase: str
    previous: str
    agenda: list[dict]

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["phase"], state["agenda"] = data["phase"], data["agenda"]


@event("agenda.changed")
@dataclass(frozen=True)
class AgendaChanged(Event):
    """Planned lengths were changed, or the welcome slot's clock started."""

    agenda: list[dict]
    phase: str

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["agenda"] = data["agenda"]


@event("timer.changed", contract=True)
@dataclass(frozen=True)
class TimerChanged(RecordEvent):
    """The timer as a deadline: status, duration_s, ends_at, remaining_s, server_now, phase."""

    timer: dict

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["timer"] = data


@event("mute.changed", contract=True)
@dataclass(frozen=True)
class MuteChanged(Event):
    """The host team was muted or unmuted, or the speakers changed."""

    host_team_muted: bool
    speakers: list[int]
    # Rides along for the browsers' composer; the contract's mute has two fields.
    phase: str

    @staticmethod
    def view(data: dict, viewer: Actor) -> dict:
        return {"host_team_muted": data["host_team_muted"], "speakers": data["speakers"]}

    @staticmethod
    def html_audience(data: dict, viewer: Actor) -> Hashable:
        # A host named as a speaker keeps a composer the others lose.
        return viewer.id in data["speakers"]

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["mute"] = data


# Cards and votes


@dataclass(frozen=True)
class CardEvent(RecordEvent):
    """Data: the whole card, author included; each viewer gets `card_view` of it."""

    card: dict
    current_of: ClassVar[str | None] = "cards"
    view = staticmethod(card_view)

    @staticmethod
    def audience(data: dict, viewer: Actor) -> Hashable:
        return (viewer.role is Role.facilitator, data["author_id"] == viewer.id)

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return latest.cards.get(data["id"], data)


@event("card.added", contract=True)
@dataclass(frozen=True)
class CardAdded(CardEvent):
    """A card was put on the board."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["cards"].append(data)


@event("card.updated", contract=True)
@dataclass(frozen=True)
class CardUpdated(CardEvent):
    """A card's words, kind, theme, visibility or privacy changed."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        _replace(state["cards"], data)


@event("vote.changed", contract=True)
@dataclass(frozen=True)
class VoteChanged(Event):
    """A visitor voted or took a vote back: everyone sees the count, the voter their budget."""

    card_id: int
    votes: int
    voter_id: int
    voted: bool
    votes_left: int
    voted_card_ids: list[int]
    view = staticmethod(vote_view)

    @staticmethod
    def audience(data: dict, viewer: Actor) -> Hashable:
        return data["voter_id"] == viewer.id

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        for card in state["cards"]:
            if card["id"] == data["card_id"] and not card.get("redacted"):
                card["votes"] = data["votes"]
        if "votes_left" in data:
            state["me"]["votes_left"] = data["votes_left"]
            state["me"]["voted_card_ids"] = data["voted_card_ids"]


# Actions and the commitment


@dataclass(frozen=True)
class ActionEvent(RecordEvent):
    action: dict
    current_of: ClassVar[str | None] = "actions"

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return latest.actions.get(data["id"], data)


@event("action.added", contract=True)
@dataclass(frozen=True)
class ActionAdded(ActionEvent):
    """The host team added an action."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["actions"].append(data)


@event("action.updated", contract=True)
@dataclass(frozen=True)
class ActionUpdated(ActionEvent):
    """An action's title, owner, due date, status or cards changed."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        _replace(state["actions"], data)


@event("commitment.set", contract=True)
@dataclass(frozen=True)
class CommitmentSet(RecordEvent):
    """The host team set or changed its report-back date and note."""

    commitment: dict
    current_of: ClassVar[str | None] = "commitment"

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return latest.commitment or data

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["commitment"] = data


# People and the room


@event("participant.joined", contract=True)
@dataclass(frozen=True)
class ParticipantJoined(RecordEvent):
    """Someone joined: id, name, role, signal."""

    participant: dict

    @staticmethod
    def html_audience(data: dict, viewer: Actor) -> Hashable:
        # The console offers to remove everyone but the viewer themself.
        return data["id"] == viewer.id

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["participants"].append(data)


@event("participant.updated")
@dataclass(frozen=True)
class ParticipantUpdated(RecordEvent):
    """Someone raised or lowered a hand, or said they are done."""

    participant: dict

    @staticmethod
    def audience(data: dict, viewer: Actor) -> Hashable:
        # Only the participant's own screen shows their signal buttons.
        return data["id"] == viewer.id

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        _replace(state["participants"], data)
        if data["id"] == state["me"]["id"]:
            state["me"].update(data)


@event("participant.removed")
@dataclass(frozen=True)
class ParticipantRemoved(Event):
    """Someone was taken out: their token no longer works. The facilitator removed them (their
    cards stay, and `card.updated` follows for each, now written by "a former participant"),
    or a co-owner's seat went with their ownership (their name stays: they took part)."""

    id: int
    role: str

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["participants"] = [p for p in state["participants"] if p["id"] != data["id"]]


@event("lobby.changed")
@dataclass(frozen=True)
class LobbyChanged(Event):
    """Who waits in the lobby: names for the facilitator, a count for everyone else."""

    waiting: list[dict]
    current_of: ClassVar[str | None] = "waiting"
    view = staticmethod(lobby_view)

    @staticmethod
    def audience(data: dict, viewer: Actor) -> Hashable:
        return viewer.role is Role.facilitator

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return data if latest.waiting is None else {"waiting": latest.waiting}

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["lobby"] = data


@event("workshop.updated")
@dataclass(frozen=True)
class WorkshopUpdated(RecordEvent):
    """The workshop's settings changed: private writing, spotlight, auto-admit..."""

    workshop: dict
    current_of: ClassVar[str | None] = "workshop"

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return latest.workshop or data

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["workshop"] = data


# Themes: a card's theme travels on the card (card.updated); these say which themes exist.


def _current_theme(theme: dict, latest: Latest) -> dict:
    # A theme merged away since has no name to show any more.
    return latest.themes.get(theme["id"], {"id": theme["id"], "name": None})


@dataclass(frozen=True)
class ThemeEvent(RecordEvent):
    """Data: the theme, `{id, name}`."""

    theme: dict
    current_of: ClassVar[str | None] = "themes"

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return _current_theme(data, latest)


@event("theme.created")
@dataclass(frozen=True)
class ThemeCreated(ThemeEvent):
    """The facilitator made a theme (by name, or by putting a card under a new name)."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["themes"].append(data)


@event("theme.renamed")
@dataclass(frozen=True)
class ThemeRenamed(ThemeEvent):
    """A theme has a new name; its cards follow in card.updated events."""

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        _replace(state["themes"], data)


@event("theme.merged")
@dataclass(frozen=True)
class ThemeMerged(Event):
    """Theme `id` was merged into theme `into` and is gone; its cards follow in card.updated."""

    id: int
    into: dict
    current_of: ClassVar[str | None] = "themes"

    @staticmethod
    def current(data: dict, latest: Latest) -> dict:
        return {"id": data["id"], "into": _current_theme(data["into"], latest)}

    @staticmethod
    def fold(state: dict, data: dict) -> None:
        state["themes"] = [t for t in state["themes"] if t["id"] != data["id"]]
        _replace(state["themes"], data["into"])


def _replace(items: list[dict], new: dict) -> None:
    for i, item in enumerate(items):
        if item["id"] == new["id"]:
            items[i] = new
            return
    raise ValueError(f"an update for unknown id {new['id']}")
