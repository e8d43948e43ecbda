"""Request and response models of the public JSON API (they make /openapi.json)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ..domain.phases import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from ..domain.rules import (
    EARLIEST_DATE,
    NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    YEARS_AHEAD,
    ActionStatus,
    CardKind,
    Evidence,
    Role,
    Signal,
    date_in_range,
    date_range_rule,
    latest_date,
)
from ..domain.timer import MAX_TIMER_S


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    return value.strip()


Title = Annotated[str, StringConstraints(max_length=TITLE_MAX), AfterValidator(_not_blank)]
Name = Annotated[str, StringConstraints(max_length=NAME_MAX), AfterValidator(_not_blank)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX), AfterValidator(_not_blank)]
Theme = Annotated[str, StringConstraints(max_length=TITLE_MAX), AfterValidator(_not_blank)]


def _http_url(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    url = AnyUrl(value)
    if url.scheme not in ("http", "https"):
        raise ValueError("must be an http or https link")
    return value


SourceUrl = Annotated[str, StringConstraints(max_length=TEXT_MAX), AfterValidator(_http_url)]


def _today() -> date:
    return datetime.now(UTC).date()


def _in_range(value: date) -> date:
    if not date_in_range(value, _today()):
        raise ValueError(date_range_rule(_today()))
    return value


class DateRange:
    """Show the accepted range in OpenAPI: a description, and formatMinimum/formatMaximum."""

    def __init__(self, with_time: bool = False) -> None:
        self.with_time = with_time

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        first, last = EARLIEST_DATE.isoformat(), latest_date(_today()).isoformat()
        if self.with_time:
            first, last = f"{first}T00:00:00Z", f"{last}T23:59:59Z"
        schema.update(
            formatMinimum=first,
            formatMaximum=last,
            description=f"From {EARLIEST_DATE.isoformat()} to {YEARS_AHEAD} years after today.",
        )
        return schema


# Every date in a request: from 2000-01-01 to ten years ahead (see app.domain.rules).
BoundedDate = Annotated[date, AfterValidator(_in_range), DateRange()]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkshopCreate(Strict):
    title: Title
    problem: Text
    duration_minutes: int = Field(ge=MIN_DURATION_MINUTES, le=MAX_DURATION_MINUTES)
    facilitator_name: Name
    purpose: Text | None = None
    decision_date: BoundedDate | None = None
    starts_at: Annotated[datetime, DateRange(with_time=True)] | None = None
    recorded: bool = False
    visibility: Literal["organisation", "restricted"] = "organisation"

    @field_validator("starts_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("needs a time zone, for example 2026-12-01T09:30:00+00:00")
        try:
            in_utc = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the calendar we can store") from None
        if not date_in_range(in_utc.date(), _today()):
            raise ValueError(date_range_rule(_today()))
        return in_utc


class JoinRequest(Strict):
    name: Name
    accept_ground_rules: bool


class PhaseMove(Strict):
    to: str = Field(description='"next", "previous" or a phase name')


class TimerCommand(Strict):
    action: Literal["start", "pause", "resume", "extend", "reset"]
    seconds: int | None = Field(default=None, ge=1, le=MAX_TIMER_S)


class MuteUpdate(Strict):
    host_team_muted: bool
    speakers: list[int] = Field(default_factory=list, max_length=100)


class AgendaUpdate(Strict):
    planned_s: dict[str, int] = Field(description="planned seconds by phase name")


class CardCreate(Strict):
    kind: CardKind
    text: Text
    evidence: Evidence | None = None
    source_url: SourceUrl | None = None
    anonymous: bool = False


class CardUpdate(Strict):
    text: Text | None = None
    kind: CardKind | None = None
    theme: Theme | None = None
    hidden: bool | None = None


class PrivateWriting(Strict):
    private_writing: bool


class SpotlightSet(Strict):
    card_id: int | None = None
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
    auto_admit: bool


class Admission(Strict):
    admit: bool = True


class ActionCreate(Strict):
    title: Text
    owner: Name | None = None
    due_date: BoundedDate | None = None
    card_ids: list[int] = Field(default_factory=list, max_length=200)


class ActionUpdate(Strict):
    title: Text | None = None
    owner: Name | None = None
    due_date: BoundedDate | None = None
    status: ActionStatus | None = None
    card_ids: list[int] | None = Field(default=None, max_length=200)
    # The host team's word on it when it updates the status after the meeting; null clears.
    note: Text | None = None


class CommitmentSet(Strict):
    report_back_by: BoundedDate
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
    report_back_by: date
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
    into: int = Field(description="the id of the theme that takes the cards")


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
    presence: PresenceOut
    lobby: LobbyOut
    themes: list[ThemeOut] = Field(default_factory=list)
    timing_warning: TimingWarningOut | None = None


class AgendaOut(BaseModel):
    agenda: list[AgendaItemOut]
