"""Events read back from the record for a replay, shown as things are now."""

from __future__ import annotations

from sqlmodel import Session

from ..domain.events import Latest, spec
from . import queries
from .records import workshop_record


def replay_events(
    session: Session, *, workshop_id: str, after: int, until: int | None = None, limit: int = 1000
) -> list[dict]:
    """Events from the record, each shown against the records as they are now.

    A replay shows what a viewer may see now (API.md): a card hidden or edited since is sent
    as it is, never with its old words, and so is every other event that carries words. The
    events keep their seq and type; only their data is brought up to date, then each viewer's
    view is applied to it as usual."""
    events = queries.events_after(
        session, workshop_id=workshop_id, after=after, until=until, limit=limit
    )
    needed = {spec(e["type"]).current_of for e in events} - {None}
    if not needed:
        return events
    # Only the cards this page names: a gap page on a busy room must not read the whole board
    # (slow readers made the server's memory climb when it did).
    card_ids = {e["data"]["id"] for e in events if spec(e["type"]).current_of == "cards"}
    latest = Latest(
        cards={c["id"]: c for c in queries.cards(session, workshop_id=workshop_id, ids=card_ids)}
        if card_ids
        else {},
        actions={a["id"]: a for a in queries.actions(session, workshop_id=workshop_id)}
        if "actions" in needed
        else {},
        commitment=queries.commitment(session, workshop_id=workshop_id)
        if "commitment" in needed
        else None,
        waiting=queries.waiting(session, workshop_id=workshop_id) if "waiting" in needed else None,
        themes={t["id"]: t for t in queries.themes(session, workshop_id=workshop_id)}
        if "themes" in needed
        else {},
        workshop=workshop_record(queries.get_workshop(session, workshop_id=workshop_id))
        if "workshop" in needed
        else None,
    )
    for event in events:
        event["data"] = spec(event["type"]).current(event["data"], latest)
    return events
