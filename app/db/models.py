"""SQLModel tables. Migrations in migrations/ create them; nothing calls create_all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dt(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


def _json(**kw: Any) -> Any:
    return Field(sa_type=sa.JSON, **kw)


class Workshop(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    title: str = Field(max_length=200)
    problem: str = Field(sa_type=sa.Text)
    purpose: str | None = Field(default=None, sa_type=sa.Text)
    duration_minutes: int
    facilitator_name: str = Field(max_length=80)
    decision_date: date | None = None
    starts_at: datetime | None = _dt(default=None, nullable=True)
    # Said on the join page, so everyone knows before they accept the ground rules.
    recorded: bool = False
    created_at: datetime = _dt()
    phase: str = Field(max_length=20)
    agenda: list = _json()
    timer_status: str = Field(max_length=10)
    timer_duration_s: int
    timer_ends_at: datetime | None = _dt(default=None, nullable=True)
    timer_remaining_s: int | None = None
    host_team_muted: bool = False
    speakers: list = _json()
    private_writing: bool = False
    spotlight: dict | None = _json(default=None, nullable=True)
    # A short code people can type from the projector. Too short to be a secret, so it only
    # puts them in the lobby until the facilitator admits them (or auto_admit is on).
    room_code: str = Field(unique=True, max_length=12)
    auto_admit: bool = False
    # Dates and times in the room are shown in this zone; None (workshops made before it was
    # kept) reads as Europe/London.
    time_zone: str | None = Field(default=None, max_length=64)
    # The head of this workshop's event stream; bumped under a row lock so seq has no gaps.
    last_seq: int = 0
    # When it entered `closed` (None while open): retention counts from here.
    closed_at: datetime | None = _dt(default=None, nullable=True, index=True)
    # 'organisation': every facilitator account finds it; 'restricted': owners and admins only.
    visibility: str = Field(default="organisation", max_length=20)
    # The host team's unit, as the start form gives it: what the programme dashboard filters by.
    unit: str | None = Field(default=None, max_length=200)


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    role: str = Field(max_length=20)
    code_hash: str = Field(unique=True, max_length=64)
    # The code is derived from this nonce and the secret key, so the console can show the
    # link again while the database holds only the code's hash.
    nonce: str = Field(max_length=64)
    created_at: datetime = _dt()
    revoked_at: datetime | None = _dt(default=None, nullable=True)


class Participant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    role: str = Field(max_length=20)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    joined_at: datetime = _dt()
    signal: str = Field(default="none", max_length=10)
    # Set when the facilitator removes them: the row stays for their cards, with the name
    # and the token gone (see actions/lifecycle.py).
    removed_at: datetime | None = _dt(default=None, nullable=True)
    # The account this facilitator seat belongs to, so its owner can open the console from any
    # browser: the token is derived again from the nonce and the secret key, like invite codes.
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    token_nonce: str | None = Field(default=None, max_length=64)


class Knock(SQLModel, table=True):
    """Someone who typed the room code and waits to be let in as a visitor."""

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    name: str = Field(max_length=80)
    # Becomes the participant's token when admitted, so the waiting browser needs no new one.
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _dt()
    participant_id: int | None = Field(default=None, foreign_key="participant.id")
    turned_away_at: datetime | None = _dt(default=None, nullable=True)


class Card(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    author_id: int = Field(foreign_key="participant.id")
    kind: str = Field(max_length=20)
    text: str = Field(sa_type=sa.Text)
    evidence: str | None = Field(default=None, max_length=20)
    source_url: str | None = Field(default=None, max_length=2000)
    anonymous: bool = False
    theme: str | None = Field(default=None, max_length=200)
    hidden: bool = False
    private: bool = False
    votes: int = 0
    phase: str = Field(max_length=20)
    created_at: datetime = _dt()
    updated_at: datetime = _dt()


class Theme(SQLModel, table=True):
    """A name the facilitator groups cards under; cards carry it by name (see domain/themes)."""

    __table_args__ = (sa.UniqueConstraint("workshop_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    name: str = Field(max_length=200)
    created_at: datetime = _dt()


class Vote(SQLModel, table=True):
    card_id: int = Field(foreign_key="card.id", primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    created_at: datetime = _dt()


class Action(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    title: str = Field(sa_type=sa.Text)
    owner: str | None = Field(default=None, max_length=80)
    due_date: date | None = None
    status: str = Field(default="open", max_length=20)
    card_ids: list = _json()
    created_by: int = Field(foreign_key="participant.id")
    created_at: datetime = _dt()
    updated_at: datetime = _dt()
    # What the host team says about it when it updates the status after the meeting.
    note: str | None = Field(default=None, sa_type=sa.Text)


class Commitment(SQLModel, table=True):
    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True, max_length=32)
    report_back_by: date
    note: str | None = Field(default=None, sa_type=sa.Text)
    set_by: int = Field(foreign_key="participant.id")
    set_at: datetime = _dt()


class AgendaTemplate(SQLModel, table=True):
    """An agenda a facilitator saved to reuse; shared by the accounts of this installation."""

    __tablename__ = "agenda_template"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    planned_s: dict = _json()
    created_at: datetime = _dt()
    # The account that saved it: it, or an admin, may delete it.
    created_by: int | None = Field(default=None, foreign_key="account.id")


class Event(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("workshop_id", "seq", name="uq_event_workshop_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", max_length=32)
    seq: int
    type: str = Field(max_length=40)
    at: datetime = _dt()
    data: dict = _json()


class IdempotentResponse(SQLModel, table=True):
    """The first answer to a POST with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotent_response"
    __table_args__ = (sa.UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=80)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: dict = _json()
    created_at: datetime = _dt()
    # The workshop the answer belongs to, so deleting a workshop takes its answers too.
    workshop_id: str | None = Field(
        default=None, foreign_key="workshop.id", index=True, max_length=32
    )


class Housekeeping(SQLModel, table=True):
    """When a periodic job last ran, shared by every worker so that it runs once."""

    name: str = Field(primary_key=True, max_length=40)
    last_run_at: datetime | None = _dt(default=None, nullable=True)


class ShareLink(SQLModel, table=True):
    """A read-only link to the record for people who were not there; kept as a hash only."""

    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    token_hash: str = Field(unique=True, max_length=64)
    created_by: int = Field(foreign_key="participant.id")
    created_at: datetime = _dt()
    revoked_at: datetime | None = _dt(default=None, nullable=True)


class Feedback(SQLModel, table=True):
    """One participant's answer to the survey; a second answer replaces the first."""

    participant_id: int = Field(foreign_key="participant.id", primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    satisfaction: int
    most_valuable: str | None = Field(default=None, sa_type=sa.Text)
    will_do_differently: str | None = Field(default=None, sa_type=sa.Text)
    ideas: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _dt()
    updated_at: datetime = _dt()


class Review(SQLModel, table=True):
    """The after action review's words, kept with the peer assist."""

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True, max_length=32)
    planned: str | None = Field(default=None, sa_type=sa.Text)
    happened: str | None = Field(default=None, sa_type=sa.Text)
    why_different: str | None = Field(default=None, sa_type=sa.Text)
    next_time: str | None = Field(default=None, sa_type=sa.Text)
    updated_by: int = Field(foreign_key="participant.id")
    updated_at: datetime = _dt()


class ReportBack(SQLModel, table=True):
    """What the host team did and learned, told by the date it committed to."""

    __tablename__ = "report_back"

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True, max_length=32)
    did: str = Field(sa_type=sa.Text)
    learned: str | None = Field(default=None, sa_type=sa.Text)
    reported_by: int = Field(foreign_key="participant.id")
    reported_at: datetime = _dt()


class ReminderAddress(SQLModel, table=True):
    """Where the host team and the facilitator want reminders to report back."""

    __tablename__ = "reminder_address"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "email", name="uq_reminder_address"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    email: str = Field(max_length=254)
    added_by: int = Field(foreign_key="participant.id")
    added_at: datetime = _dt()


class ReminderSent(SQLModel, table=True):
    """A reminder claimed for sending; the unique key is what makes each one go out once."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "kind", "report_back_by", name="uq_reminder_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    kind: str = Field(max_length=20)
    report_back_by: date
    claimed_at: datetime = _dt()
    sent_at: datetime | None = _dt(default=None, nullable=True)


class SearchText(SQLModel, table=True):
    """A peer assist's searchable words, a row for itself and one per card: only what any
    reader may see (no hidden or private cards). The database indexes this table by itself
    (app/search/schema.py)."""

    __tablename__ = "search_text"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(
        sa_column=sa.Column(
            sa.String(32), sa.ForeignKey("workshop.id", ondelete="CASCADE"), index=True
        )
    )
    # Null on the peer assist's own row (title, problem, purpose, actions); else the card's.
    card_id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, unique=True))
    title: str = Field(sa_type=sa.Text)
    problem: str = Field(sa_type=sa.Text)
    purpose: str = Field(sa_type=sa.Text)
    cards: str = Field(sa_type=sa.Text)
    actions: str = Field(sa_type=sa.Text)
    takeaways: str = Field(sa_type=sa.Text)


class Invitee(SQLModel, table=True):
    """A person on a peer assist's invitation list, with a join link of their own."""

    __table_args__ = (sa.UniqueConstraint("workshop_id", "email", name="uq_invitee_email"),)

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    name: str = Field(max_length=80)
    # None for someone with no address (the facilitator hands them the text and the .ics);
    # NULLs never collide in the unique constraint, so several may have none.
    email: str | None = Field(default=None, max_length=254, index=True)
    unit: str = Field(max_length=200)
    role: str = Field(max_length=20)
    years: int | None = None
    # Their own link (/i/{code}): the code is derived from the nonce, only its hash is kept.
    nonce: str = Field(max_length=64)
    code_hash: str = Field(unique=True, max_length=64)
    added_at: datetime = _dt()


class Briefing(SQLModel, table=True):
    """What visitors read before the meeting, beside the workshop's title, problem, purpose,
    decision date and whether it is recorded."""

    workshop_id: str = Field(foreign_key="workshop.id", primary_key=True, max_length=32)
    background: str | None = Field(default=None, sa_type=sa.Text)
    links: list = _json()
    ground_rules: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = _dt()
    # The calendar invitation's SEQUENCE: one more each time the start moves, so a calendar
    # holding the invitation replaces it with the new time (RFC 5545 3.8.7.4).
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class InvitationMail(SQLModel, table=True):
    """One invitation mailed to one invitee: queued, then sent or failed (with why)."""

    __tablename__ = "invitation_mail"

    id: int | None = Field(default=None, primary_key=True)
    workshop_id: str = Field(foreign_key="workshop.id", index=True, max_length=32)
    invitee_id: int = Field(foreign_key="invitee.id", index=True)
    email: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    status: str = Field(max_length=10)
    attempts: int = 0
    error: str | None = Field(default=None, sa_type=sa.Text)
    queued_at: datetime = _dt()
    sent_at: datetime | None = _dt(default=None, nullable=True)
    # The briefing's sequence when it was queued: one from before the start moved gave the old
    # time, so sending again sends that person the new one.
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


# The account tables live in their own module; importing it here registers them with the
# metadata wherever the models are loaded (migrations, tests).
from . import account_models  # noqa: E402, F401
