"""What each participant may see of a card or an event.

Events are stored whole; each viewer gets a view of them. Each event type in `events.py` says
which of these views it uses, and which viewers share an audience key, so the server renders an
event once per audience, not per connection.
"""

from __future__ import annotations

from .rules import Actor, Role

CARD_FIELDS = (
    "id",
    "kind",
    "text",
    "evidence",
    "source_url",
    "anonymous",
    "theme",
    "hidden",
    "private",
    "votes",
    "phase",
    "created_at",
    "updated_at",
)


def card_view(card: dict, viewer: Actor) -> dict:
    """A card as this viewer may see it.

    Hidden (moderated) and private (not yet revealed) cards reach only their author and the
    facilitator; everyone else gets a stub with no words in it. An anonymous card's author is
    never sent to anyone but the author, the facilitator included.
    """
    mine = card["author_id"] == viewer.id
    if not mine and viewer.role is not Role.facilitator and (card["hidden"] or card["private"]):
        return {
            "id": card["id"],
            "hidden": card["hidden"],
            "private": card["private"],
            "redacted": True,
        }
    view = {name: card[name] for name in CARD_FIELDS}
    if card["anonymous"] and not mine:
        view["author"] = None
    else:
        view["author"] = {
            "id": card["author_id"],
            "name": card["author_name"],
            "role": card["author_role"],
        }
    view["mine"] = mine
    return view


def vote_view(data: dict, viewer: Actor) -> dict:
    """Everyone sees the count; only the voter sees their own budget."""
    view = {"card_id": data["card_id"], "votes": data["votes"]}
    if data["voter_id"] == viewer.id:
        view.update(
            voted=data["voted"],
            votes_left=data["votes_left"],
            voted_card_ids=data["voted_card_ids"],
        )
    return view


def lobby_view(data: dict, viewer: Actor) -> dict:
    """Who waits in the lobby is the facilitator's business; others learn only how many."""
    if viewer.role is Role.facilitator:
        return {"waiting": data["waiting"], "count": len(data["waiting"])}
    return {"count": len(data["waiting"])}
