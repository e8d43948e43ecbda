"""What goes into a peer assist's search text, and writing it in the caller's transaction.

A peer assist is indexed as several rows of `search_text`: its own (title, problem, purpose and
actions; `card_id` null) and one per card any reader may see. app/search matches and ranks the
peer assist as a whole over its rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ..db.lean import Lean
from ..db.models import Action, Card, SearchText, Workshop
from ..domain.events import ActionEvent, CardAdded, CardEvent, Event, WorkshopUpdated
from ..domain.rules import CardKind

_WORKSHOP = Workshop.__table__
_CARD = Card.__table__
_ACTION = Action.__table__
_TEXT = SearchText.__table__
# Events after which a workshop's own row may have changed; cards have rows of their own.
CHANGES_WORDS: tuple[type[Event], ...] = (ActionEvent, WorkshopUpdated)
_PENDING = "search_text_pending"


def mark_changed(session: sa.orm.Session, workshop_id: str) -> None:
    """Ask the runner to refresh this workshop's search text before it commits."""
    session.info.setdefault(_PENDING, set()).add(workshop_id)


def pending(session: sa.orm.Session, workshop_id: str | None, events: Iterable[Event]) -> set[str]:
    ids: set[str] = session.info.pop(_PENDING, set())
    if workshop_id and any(isinstance(e, CHANGES_WORDS) for e in events):
        ids.add(workshop_id)
    return ids


_COLUMNS = ("title", "problem", "purpose", "cards", "actions", "takeaways")


# Every visible card writes one (lean.py).
_INSERT_CARD_TEXT = Lean(_TEXT.insert(), keys=["workshop_id", "card_id", *_COLUMNS])


def _card_row(workshop_id: str, card: Mapping) -> dict:
    column = "takeaways" if card["kind"] == CardKind.takeaway.value else "cards"
    row = dict.fromkeys(_COLUMNS, "")
    return {**row, "workshop_id": workshop_id, "card_id": card["id"], column: card["text"]}


def write_cards(conn: sa.Connection, workshop_id: str | None, events: Iterable[Event]) -> None:
    """Index each card these events wrote by itself, as it is now. One row per card, so a new
    card costs its own words whatever the size of the room: with one row per peer assist,
    FTS5 re-read the whole board on every card. Hidden and still-private cards have no row,
    so no search can reveal them."""
    latest: dict[int, dict] = {}
    new: set[int] = set()
    for event in events:
        if isinstance(event, CardEvent):
            latest[event.card["id"]] = event.card
            if isinstance(event, CardAdded):
                new.add(event.card["id"])
    if not latest or workshop_id is None:
        return
    # A card added by this very write has no row yet; any other may have one to replace.
    stale = [card_id for card_id in latest if card_id not in new]
    if stale:
        conn.execute(_TEXT.delete().where(_TEXT.c.card_id.in_(stale)))
    rows = [
        _card_row(workshop_id, card)
        for card in latest.values()
        if not card["hidden"] and not card["private"]
    ]
    if rows:
        _INSERT_CARD_TEXT.run_many(conn, rows)


def workshop_rows(conn: sa.Connection, workshop_ids: list[str]) -> list[dict]:
    """Each workshop's own row: its title, problem and purpose, and its actions."""
    rows = conn.execute(
        sa.select(
            _WORKSHOP.c.id, _WORKSHOP.c.title, _WORKSHOP.c.problem, _WORKSHOP.c.purpose
        ).where(_WORKSHOP.c.id.in_(workshop_ids))
    ).all()
    found = {
        r.id: {
            "workshop_id": r.id,
            "card_id": None,
            "title": r.title,
            "problem": r.problem,
            "purpose": r.purpose or "",
            "cards": "",
            "actions": [],
            "takeaways": "",
        }
        for r in rows
    }
    actions = conn.execute(
        sa.select(_ACTION.c.workshop_id, _ACTION.c.title, _ACTION.c.note)
        .where(_ACTION.c.workshop_id.in_(workshop_ids))
        .order_by(_ACTION.c.id)
    )
    for action in actions:
        found[action.workshop_id]["actions"].append(
            action.title + (f" {action.note}" if action.note else "")
        )
    for doc in found.values():
        # A blank line between pieces keeps a phrase from running across two actions.
        doc["actions"] = "\n\n".join(doc["actions"])
    return list(found.values())


def card_rows(conn: sa.Connection, workshop_ids: list[str]) -> list[dict]:
    """A row for each card of these workshops that every reader may see."""
    cards = conn.execute(
        sa.select(_CARD.c.id, _CARD.c.workshop_id, _CARD.c.kind, _CARD.c.text)
        .where(_CARD.c.workshop_id.in_(workshop_ids), ~_CARD.c.hidden, ~_CARD.c.private)
        .order_by(_CARD.c.id)
    )
    return [_card_row(card.workshop_id, card._mapping) for card in cards]


def write(conn: sa.Connection, workshop_ids: Iterable[str]) -> None:
    """Replace these workshops' own rows (their cards' rows are written card by card)."""
    ids = sorted(set(workshop_ids))
    if not ids:
        return
    heads = _TEXT.c.workshop_id.in_(ids) & _TEXT.c.card_id.is_(None)
    conn.execute(_TEXT.delete().where(heads))
    rows = workshop_rows(conn, ids)
    if rows:
        conn.execute(_TEXT.insert(), rows)


def as_whole(rows: Iterable[Any]) -> dict[str, dict]:
    """Each peer assist's rows joined into one text per column, as one document: its own row's
    words, then its cards' in the order they came (a blank line between two cards)."""
    docs: dict[str, dict] = {}
    pieces: dict[str, dict[str, list[str]]] = {}
    for row in sorted(rows, key=lambda r: (r.card_id is not None, r.card_id or 0)):
        if row.card_id is None:
            docs[row.workshop_id] = {c: getattr(row, c) for c in ("workshop_id", *_COLUMNS)}
            pieces[row.workshop_id] = {"cards": [], "takeaways": []}
        elif row.workshop_id in docs:
            for column in ("cards", "takeaways"):
                if getattr(row, column):
                    pieces[row.workshop_id][column].append(getattr(row, column))
    for workshop_id, doc in docs.items():
        for column, texts in pieces[workshop_id].items():
            doc[column] = "\n\n".join(texts)
    return docs


def rebuild(conn: sa.Connection, *, batch: int = 200) -> int:
    """Index every workshop and every card afresh (the migration calls this for existing data)."""
    conn.execute(_TEXT.delete())
    ids = list(conn.execute(sa.select(_WORKSHOP.c.id).order_by(_WORKSHOP.c.id)).scalars())
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        for rows in (workshop_rows(conn, chunk), card_rows(conn, chunk)):
            if rows:
                conn.execute(_TEXT.insert(), rows)
    return len(ids)
