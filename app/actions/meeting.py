"""The facilitator's controls: phase, timer, mute and agenda."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Workshop
from ..db.records import participant_record
from ..domain import meeting as rules
from ..domain.events import ParticipantUpdated
from ..domain.rules import Actor, Role, Signal, check_writer, signals_to_clear
from .base import Body, Events, meeting_of, store_meeting
from .state import state_for


def change_phase(
    session: Session, workshop: Workshop, *, actor: Actor, to: str, now: datetime
) -> tuple[int, Body, Events]:
    check_writer(actor, (Role.facilitator,), "change the phase")
    after, events = rules.change_phase(meeting_of(workshop), to, now)
    store_meeting(workshop, after)
    session.add(workshop)
    people = queries.participants(session, workshop_id=workshop.id)
    lowered = set(signals_to_clear({p.id: Signal(p.signal) for p in people if p.id is not None}))
    for participant in people:
        if participant.id in lowered:
            participant.signal = Signal.none.value
            session.add(participant)
            events.append(ParticipantUpdated(participant_record(participant)))
    # The reply is the whole state after this write, read once its events have their seq.
    return 200, lambda: state_for(session, workshop=workshop, viewer=actor, now=now), events


def command_timer(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    action: str,
    seconds: int | None,
    now: datetime,
) -> tuple[int, dict, Events]:
    check_writer(actor, (Role.facilitator,), "run the timer")
    after, events = rules.command_timer(meeting_of(workshop), action, seconds, now)
    store_meeting(workshop, after)
    session.add(workshop)
    return 200, after.timer_dict(now), events


def set_mute(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    host_team_muted: bool,
    speakers: list[int],
) -> tuple[int, dict, Events]:
    check_writer(actor, (Role.facilitator,), "mute or unmute the host team")
    hosts = {
        p.id
        for p in queries.participants(session, workshop_id=workshop.id)
        if p.role == Role.host.value and p.id is not None
    }
    after, events = rules.set_mute(meeting_of(workshop), host_team_muted, speakers, hosts)
    store_meeting(workshop, after)
    session.add(workshop)
    return 200, after.mute.as_dict(), events


def edit_agenda(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    planned: dict[str, int],
    now: datetime,
) -> tuple[int, dict, Events]:
    check_writer(actor, (Role.facilitator,), "change the agenda")
    after, events = rules.edit_agenda(meeting_of(workshop), planned, now)
    store_meeting(workshop, after)
    session.add(workshop)
    return 200, {"agenda": after.agenda_dicts()}, events
