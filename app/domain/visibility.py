"""What each participant may see of a card or an event.

Events are stored whole; each viewer gets a view of them. Viewers who would see the same bytes
share an audience key, so the server renders an event once per audience, not per connection.
"""

from __future__ import annotations

from collections.abc import Hashable

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


def audience(event_type: str, data: dict, viewer: Actor) -> Hashable:
    """Viewers with the same key see the same rendering of this event."""
    if event_type in ("card.added", "card.updated"):
        return (viewer.role is Role.facilitator, data["author_id"] == viewer.id)
    if event_type == "vote.changed":
        return data["voter_id"] == viewer.id
    if event_type == "participant.updated":
        return data["id"] == viewer.id
    if event_type == "lobby.changed":
        return viewer.role is Role.facilitator
    return None


def event_view(event_type: str, data: dict, viewer: Actor) -> dict:
    if event_type in ("card.added", "card.updated"):
        return card_view(data, viewer)
    if event_type == "vote.changed":
        return vote_view(data, viewer)
    if event_type == "lobby.changed":
        return lobby_view(data, viewer)
    if event_type == "mute.changed":
        # The phase rides along for the browsers' composer; the contract's mute has two fields.
        return {"host_team_muted": data["host_team_muted"], "speakers": data["speakers"]}
    return data
