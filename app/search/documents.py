"""What goes into a peer assist's search text, and writing it in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..db.models import Action, Card, SearchText, Workshop
from ..domain.events import ActionEvent, CardAdded, CardEvent, Event, WorkshopUpdated
from ..domain.rules import CardKind

_WORKSHOP = Workshop.__table__
_CARD = Card.__table__
_ACTION = Action.__table__
_TEXT = SearchText.__table__
# Events after which a workshop's words may have changed; votes, timers and phases never do.
CHANGES_WORDS: tuple[type[Event], ...] = (CardEvent, ActionEvent, WorkshopUpdated)
_PENDING = "search_text_pending"


def mark_changed(session: sa.orm.Session, workshop_id: str) -> None:
    """Ask the runner to refresh this workshop's search text before it commits."""
    session.info.setdefault(_PENDING, set()).add(workshop_id)


def pending(session: sa.orm.Session, workshop_id: str | None, events: Iterable[Event]) -> set[str]:
    ids: set[str] = session.info.pop(_PENDING, set())
    if workshop_id and any(isinstance(e, CHANGES_WORDS) for e in events):
        ids.add(workshop_id)
    return ids


def appended_cards(events: Iterable[Event]) -> list[dict] | None:
    """The cards these events only add, when that is all they do; else None.

    A new card is the commonest write of a meeting. Rebuilding the whole text for it read
    every card into Python on each write (megabytes in a big room), so its words are appended
    instead: the same text a rebuild would give, as cards are kept in the order they came."""
    events = list(events)
    if not events or not all(isinstance(e, CardAdded) for e in events):
        return None
    return [e.card for e in events if not e.card["hidden"] and not e.card["private"]]


def append(conn: sa.Connection, workshop_id: str, cards: list[dict]) -> bool:
    """Append these cards' words to the workshop's search text; False if it has no row yet."""
    for card in cards:
        column = _TEXT.c.takeaways if card["kind"] == CardKind.takeaway.value else _TEXT.c.cards
        joined = sa.case(
            (column == "", sa.literal(card["text"])), else_=column + "\n\n" + card["text"]
        )
        done = conn.execute(
            _TEXT.update().where(_TEXT.c.workshop_id == workshop_id).values({column: joined})
        )
        if done.rowcount == 0:
            return False
    return True


def texts(conn: sa.Connection, workshop_ids: list[str]) -> list[dict]:
    """The search_text rows for these workshops, built from what every reader may see."""
    rows = conn.execute(
        sa.select(
            _WORKSHOP.c.id, _WORKSHOP.c.title, _WORKSHOP.c.problem, _WORKSHOP.c.purpose
        ).where(_WORKSHOP.c.id.in_(workshop_ids))
    ).all()
    found = {
        r.id: {
            "workshop_id": r.id,
            "title": r.title,
            "problem": r.problem,
            "purpose": r.purpose or "",
            "cards": [],
            "actions": [],
            "takeaways": [],
        }
        for r in rows
    }
    # Hidden and still-private cards are left out, so no search can ever reveal them.
    cards = conn.execute(
        sa.select(_CARD.c.workshop_id, _CARD.c.kind, _CARD.c.text)
        .where(_CARD.c.workshop_id.in_(workshop_ids), ~_CARD.c.hidden, ~_CARD.c.private)
        .order_by(_CARD.c.id)
    )
    for card in cards:
        column = "takeaways" if card.kind == CardKind.takeaway.value else "cards"
        found[card.workshop_id][column].append(card.text)
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
        for column in ("cards", "actions", "takeaways"):
            # A blank line between pieces keeps a phrase from running across two cards.
            doc[column] = "\n\n".join(doc[column])
    return list(found.values())


def write(conn: sa.Connection, workshop_ids: Iterable[str]) -> None:
    """Replace these workshops' search text; the database's triggers update its index."""
    ids = sorted(set(workshop_ids))
    if not ids:
        return
    docs = texts(conn, ids)
    existing = dict(
        conn.execute(
            sa.select(_TEXT.c.workshop_id, _TEXT.c.id).where(_TEXT.c.workshop_id.in_(ids))
        ).all()
    )
    for doc in docs:
        if doc["workshop_id"] in existing:
            conn.execute(
                _TEXT.update().where(_TEXT.c.id == existing[doc["workshop_id"]]).values(**doc)
            )
        else:
            conn.execute(_TEXT.insert().values(**doc))


def rebuild(conn: sa.Connection, *, batch: int = 200) -> int:
    """Write the search text of every workshop (the migration calls this for existing data)."""
    ids = list(conn.execute(sa.select(_WORKSHOP.c.id).order_by(_WORKSHOP.c.id)).scalars())
    for start in range(0, len(ids), batch):
        write(conn, ids[start : start + batch])
    return len(ids)
