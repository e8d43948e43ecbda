"""Themes: make, rename and merge them, and put cards under them.

Cards carry their theme by name, so renaming or merging a theme also rewrites its cards'
theme, each with a card.updated event: a client that knows only API.md's events still ends
with every card under the right name.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..db import queries
from ..db.models import Card, Theme, Workshop
from ..db.records import theme_record, workshop_record
from ..domain import themes as rules
from ..domain.events import CardUpdated, ThemeCreated, ThemeMerged, ThemeRenamed, WorkshopUpdated
from ..domain.rules import Actor
from .base import Events, meeting_of


def _check(workshop: Workshop, actor: Actor) -> None:
    rules.check_theming(meeting_of(workshop).phase, actor)


def theme_named(
    session: Session, workshop: Workshop, *, name: str, now: datetime
) -> tuple[str, Events]:
    """The workshop's theme of that name (however it is spelt), made now if there is none."""
    existing = queries.themes(session, workshop_id=workshop.id)
    found = rules.find(existing, name)
    if found is not None:
        return found["name"], []
    row = Theme(workshop_id=workshop.id, name=rules.clean_name(name), created_at=now)
    session.add(row)
    session.flush()
    return row.name, [ThemeCreated(theme_record(row))]


def create_theme(
    session: Session, workshop: Workshop, *, actor: Actor, name: str, now: datetime
) -> tuple[int, dict, Events]:
    _check(workshop, actor)
    existing = queries.themes(session, workshop_id=workshop.id)
    row = Theme(workshop_id=workshop.id, name=rules.check_new_name(existing, name), created_at=now)
    session.add(row)
    session.flush()
    record = theme_record(row)
    return 201, record, [ThemeCreated(record)]


def _move_cards(
    session: Session, workshop: Workshop, *, old: str, new: str, now: datetime
) -> Events:
    events: Events = []
    for card in queries.cards_in_theme(session, workshop_id=workshop.id, name=old):
        card.theme = new
        card.updated_at = now
        session.add(card)
        session.flush()
        events.append(CardUpdated(queries.card_with_author(session, card=card)))
    return events


def _follow_spotlight(workshop: Workshop, old: str, new: str) -> Events:
    """A theme in the spotlight stays there under its new name."""
    spot = workshop.spotlight or {}
    if spot.get("theme") is None or rules.key(spot["theme"]) != rules.key(old):
        return []
    workshop.spotlight = {"theme": new}
    return [WorkshopUpdated(workshop_record(workshop))]


def rename_theme(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    theme_id: int,
    name: str,
    now: datetime,
) -> tuple[int, dict, Events]:
    _check(workshop, actor)
    row = queries.get_theme(session, workshop_id=workshop.id, theme_id=theme_id)
    existing = queries.themes(session, workshop_id=workshop.id)
    new = rules.check_new_name(existing, name, renaming=theme_id)
    old, row.name = row.name, new
    session.add(row)
    session.flush()
    record = theme_record(row)
    events: Events = [ThemeRenamed(record)]
    events += _move_cards(session, workshop, old=old, new=new, now=now)
    events += _follow_spotlight(workshop, old, new)
    return 200, record, events


def merge_themes(
    session: Session,
    workshop: Workshop,
    *,
    actor: Actor,
    theme_id: int,
    into_id: int,
    now: datetime,
) -> tuple[int, dict, Events]:
    """Move every card of one theme into another, and drop the first."""
    _check(workshop, actor)
    existing = queries.themes(session, workshop_id=workshop.id)
    rules.check_merge(existing, theme_id, into_id)
    source = queries.get_theme(session, workshop_id=workshop.id, theme_id=theme_id)
    target = queries.get_theme(session, workshop_id=workshop.id, theme_id=into_id)
    events: Events = _move_cards(session, workshop, old=source.name, new=target.name, now=now)
    events += _follow_spotlight(workshop, source.name, target.name)
    session.delete(source)
    session.flush()
    record = theme_record(target)
    return 200, record, [ThemeMerged(theme_id, record), *events]


def put_card_in_theme(
    session: Session, workshop: Workshop, card: Card, name: str | None, now: datetime
) -> Events:
    """Set a card's theme by name (None: take it out of any), making the theme if it is new."""
    if name is None:
        card.theme = None
        return []
    card.theme, events = theme_named(session, workshop, name=name, now=now)
    return events
