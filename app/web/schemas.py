"""Request and response models of the public JSON API (they make /openapi.json)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)

from ..domain.invitations import UNIT_MAX
from ..domain.phases import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, ORDER
from ..domain.rules import (
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    ActionStatus,
    CardKind,
    Evidence,
    Role,
    Signal,
)
from ..domain.themes import NAME_MAX as THEME_NAME_MAX
from ..domain.timer import MAX_TIMER_S
from .dates import aware_start

# The schema says what the validators check, so that a client reading it is never refused a
# value it allows: at least one character that is neither a space nor invisible, and no NUL.
# Python's whitespace (str.isspace, what strip() removes), spelled out: regex engines differ
# on what \s means, and the schema's reader must agree with the server character by character.
SPACE = (
    "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
# Characters that show nothing on a screen: the soft hyphen, zero-width spaces and joiners,
# direction marks and embeddings, invisible operators, variation selectors, the Hangul and
# braille blanks, the byte-order mark. A name of these alone shows as nobody. (The tag
# characters lie outside the 16-bit range a schema's pattern can name simply; left be.)
INVISIBLE = (
    "\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064"
    "\\u2066-\\u2069\\u2800\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0"
)
NOT_BLANK = f"^[^\\u0000]*[^{SPACE}{INVISIBLE}\\u0000][^\\u0000]*$"
_NOT_BLANK = re.compile(NOT_BLANK)
HTTP_LINK = f"^[Hh][Tt][Tt][Pp][Ss]?://[^{SPACE}\\u0000]+$"
_HTTP_LINK = re.compile(HTTP_LINK)
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _not_blank(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    if not _NOT_BLANK.match(value):
        raise ValueError("must not be blank")
    return value.strip()


def _words(max_length: int) -> object:
    return Annotated[
        str,
        StringConstraints(max_length=max_length),
        AfterValidator(_not_blank),
        Field(json_schema_extra={"pattern": NOT_BLANK, "minLength": 1}),
    ]


Title = _words(TITLE_MAX)
Name = _words(NAME_MAX)
Text = _words(TEXT_MAX)
Theme = _words(THEME_NAME_MAX)
Unit = _words(UNIT_MAX)


def row_id(value: object) -> object:
    """A path's id as written: one that is not ASCII digits names no row there is, so it
    becomes 0, which no row has. The route then answers as it does for any unknown id, after
    the caller is checked, with the same sentence (API.md: an unknown card answers 404)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        return 0
    return value


RowId = Annotated[int, BeforeValidator(row_id)]


def _http_url(value: str) -> str:
    if not _HTTP_LINK.match(value):
        raise ValueError("must be an http or https link")
    return value


SourceUrl = Annotated[
    str,
    StringConstraints(max_length=TEXT_MAX),
    AfterValidator(_http_url),
    Field(json_schema_extra={"pattern": HTTP_LINK}),
]


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD` text: not a number of seconds, nor a time of day."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DAY.match(value):
        raise ValueError("must be a date written like 2027-01-31")
    return value


def _iso_moment(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date and time written like 2026-12-01T09:30:00+00:00")
    return value


def _whole_number(value: object) -> object:
    """A JSON integer (2, or 2.0, which JSON Schema counts as one), never a string or bool."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return value


Whole = Annotated[int, BeforeValidator(_whole_number)]

# The days a request's date field takes are added to its schema day by day (openapi.py);
# answers (CommitmentOut) say any day, as a stored date falls into the past.
Day = Annotated[date, BeforeValidator(_iso_day)]
MOMENT = r"^2[0-9]{3}-"
Moment = Annotated[
    datetime, BeforeValidator(_iso_moment), Field(json_schema_extra={"pattern": MOMENT})
]
PHASE_MOVES = ["next", "previous", *(p.value for p in ORDER)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopCreate(Strict):
    title: Title
    problem: Text
    duration_minutes: Whole = Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    facilitator_name: Name
    purpose: Text | None = None
    decision_date: Day | None = None
    starts_at: Moment | None = None
    recorded: StrictBool = False
    visibility: Literal["organisation", "restricted"] = "organisation"
    # The host team's unit (the app offers more than API.md names): the dashboard's filter.
    unit: Unit | None = None

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return aware_start(value)


class JoinRequest(Strict):
    name: Name
    # Must be true; checked in the route, which explains why in its answer.
    accept_ground_rules: StrictBool = Field(json_schema_extra={"enum": [True]})


class PhaseMove(Strict):
    # An enum in the schema; checked by the domain, which names the phases in its answer.
    to: str = Field(
        description='"next", "previous" or a phase name', json_schema_extra={"enum": PHASE_MOVES}
    )


class TimerCommand(Strict):
    action: Literal["start", "pause", "resume", "extend", "reset"]
    # Bounds spelled out for the schema too: inside a union pydantic writes them as "ge"/"le".
    seconds: (
        Annotated[
            Whole,
            Field(ge=1, le=MAX_TIMER_S, json_schema_extra={"minimum": 1, "maximum": MAX_TIMER_S}),
        ]
        | None
    ) = None


class MuteUpdate(Strict):
    host_team_muted: StrictBool
    speakers: list[Whole] = Field(default_factory=list, max_length=100)


class AgendaUpdate(Strict):
    planned_s: dict[str, Whole] = Field(
        description="planned seconds by phase name",
        json_schema_extra={
            "propertyNames": {"enum": [p.value for p in ORDER]},
            "additionalProperties": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_DURATION_MINUTES * 60,
            },
        },
    )


class CardCreate(Strict):
    kind: CardKind
    text: Text
    evidence: Evidence | None = None
    source_url: SourceUrl | None = None
    anonymous: StrictBool = False


class CardUpdate(Strict):
    text: Text | None = None
    kind: CardKind | None = None
    theme: Theme | None = None  # null clears the theme
    # Left out: unchanged. Not nullable: a card is hidden or it is not.
    hidden: StrictBool = None  # type: ignore[assignment]


class PrivateWriting(Strict):
    private_writing: StrictBool


class SpotlightSet(Strict):
    # One of the two, or neither to clear the spotlight; never both.
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["card_id", "theme"],
                "properties": {"card_id": {"type": "integer"}, "theme": {"type": "string"}},
            }
        }
    )
    card_id: Whole | None = None
    theme: Theme | None = None


class SignalSet(Strict):
    signal: Signal


class TemplateSave(Strict):
    name: Title


class TemplateOut(BaseModel):
    id: int | str
    name: str
    planned_s: dict[str, int]
    duration_minutes: int
    created_by: int | None = None


class AutoAdmit(Strict):
    auto_admit: StrictBool


class Admission(Strict):
    admit: StrictBool = True


class ActionCreate(Strict):
    title: Text
    owner: Name | None = None
    due_date: Day | None = None
    card_ids: list[Whole] = Field(default_factory=list, max_length=200)


class ActionUpdate(Strict):
    # Left out: unchanged. Not nullable: an action always has a title and a status.
    title: Text = None  # type: ignore[assignment]
    owner: Name | None = None  # null clears it
    due_date: Day | None = None  # null clears it
    status: ActionStatus = None  # type: ignore[assignment]
    card_ids: list[Whole] | None = Field(default=None, max_length=200)
    # The host team's word on it when it updates the status after the meeting; null clears.
    note: Text | None = None


class CommitmentSet(Strict):
    report_back_by: Day
    note: Text | None = None


# Responses


class ErrorBody(BaseModel):
    detail: str
    code: str


class InviteOut(BaseModel):
    code: str
    url: str


class InviteRotated(InviteOut):
    role: Role


class Invites(BaseModel):
    host: InviteOut
    visitor: InviteOut
    projector: InviteOut


class WorkshopOut(BaseModel):
    id: str
    title: str
    problem: str
    purpose: str | None
    duration_minutes: int
    facilitator_name: str
    decision_date: date | None
    starts_at: datetime | None
    created_at: datetime
    recorded: bool
    private_writing: bool
    spotlight: dict | None
    room_code: str
    auto_admit: bool
    # The host team's unit, when the start form or POST /workshops gave one.
    unit: str | None = None


class ParticipantOut(BaseModel):
    id: int
    name: str
    role: Role
    signal: Signal = Signal.none


class TimingWarningOut(BaseModel):
    """Too few days between the peer assist and the decision (the DAYS_TO_ACT setting)."""

    code: str
    detail: str
    days_to_act: int


class WorkshopCreated(BaseModel):
    workshop: WorkshopOut
    facilitator_token: str
    participant: ParticipantOut
    invites: Invites
    timing_warning: TimingWarningOut | None = None


class Joined(BaseModel):
    participant: ParticipantOut
    token: str
    workshop_id: str


class AgendaItemOut(BaseModel):
    phase: str
    planned_s: int
    actual_s: int
    entered_at: datetime | None


class TimerOut(BaseModel):
    status: Literal["stopped", "running", "paused"]
    phase: str
    duration_s: int
    ends_at: datetime | None = Field(description="set while running")
    remaining_s: int | None = Field(description="set while paused or stopped")
    server_now: datetime


class MuteOut(BaseModel):
    host_team_muted: bool
    speakers: list[int]


class AuthorOut(BaseModel):
    id: int
    name: str
    role: Role


class CardOut(BaseModel):
    id: int
    kind: CardKind | None = None
    text: str | None = None
    evidence: Evidence | None = None
    source_url: str | None = None
    anonymous: bool | None = None
    theme: str | None = None
    hidden: bool
    private: bool
    votes: int | None = None
    phase: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    author: AuthorOut | None = None
    mine: bool | None = None
    redacted: bool | None = Field(default=None, description="true: a stub, its words withheld")


class ActionOut(BaseModel):
    id: int
    title: str
    owner: str | None
    due_date: date | None
    status: ActionStatus
    card_ids: list[int]
    created_at: datetime
    updated_at: datetime
    note: str | None = None


class CommitmentOut(BaseModel):
    report_back_by: Day
    note: str | None
    set_at: datetime
    set_by: ParticipantOut | None


class VoteOut(BaseModel):
    card_id: int
    votes: int
    votes_left: int


class MeOut(ParticipantOut):
    votes_left: int
    voted_card_ids: list[int]


class PresenceOut(BaseModel):
    online: list[int]
    by_role: dict[str, int]


class WaitingOut(BaseModel):
    id: int
    name: str
    at: datetime


class LobbyOut(BaseModel):
    count: int
    waiting: list[WaitingOut] | None = Field(default=None, description="facilitators only")


class ThemeCreate(Strict):
    name: Theme


class ThemeRename(Strict):
    name: Theme


class ThemeMerge(Strict):
    into: Whole = Field(description="the id of the theme that takes the cards")


class ThemeOut(BaseModel):
    id: int
    name: str | None


class StateOut(BaseModel):
    workshop: WorkshopOut
    phase: str
    agenda: list[AgendaItemOut]
    timer: TimerOut
    mute: MuteOut
    participants: list[ParticipantOut]
    cards: list[CardOut]
    actions: list[ActionOut]
    commitment: CommitmentOut | None
    seq: int
    me: MeOut
    presence: PresenceOut | None = Field(default=None, description="in GET answers")
    lobby: LobbyOut
    themes: list[ThemeOut] = Field(default_factory=list)
    timing_warning: TimingWarningOut | None = None


class AgendaOut(BaseModel):
    agenda: list[AgendaItemOut]
