"""Rebuild a participant's state from a snapshot and the events that follow (Zulip's
verify_action idea): the result must equal a fresh `GET /workshops/{id}`."""

from __future__ import annotations

import copy


def _replace(items: list[dict], new: dict) -> None:
    for i, item in enumerate(items):
        if item["id"] == new["id"]:
            items[i] = new
            return
    raise AssertionError(f"update for unknown id {new['id']}")


def apply(state: dict, event: dict) -> dict:
    """Apply one event frame to a state, returning the new state."""
    state = copy.deepcopy(state)
    kind, data = event["type"], event["data"]
    if kind == "phase.changed":
        state["phase"], state["agenda"] = data["phase"], data["agenda"]
    elif kind == "agenda.changed":
        state["agenda"] = data["agenda"]
    elif kind == "mute.changed":
        state["mute"] = data
    elif kind == "timer.changed":
        state["timer"] = data
    elif kind == "card.added":
        state["cards"].append(data)
    elif kind == "card.updated":
        _replace(state["cards"], data)
    elif kind == "vote.changed":
        for card in state["cards"]:
            if card["id"] == data["card_id"] and not card.get("redacted"):
                card["votes"] = data["votes"]
        if "votes_left" in data:
            state["me"]["votes_left"] = data["votes_left"]
            state["me"]["voted_card_ids"] = data["voted_card_ids"]
    elif kind == "action.added":
        state["actions"].append(data)
    elif kind == "action.updated":
        _replace(state["actions"], data)
    elif kind == "commitment.set":
        state["commitment"] = data
    elif kind == "participant.joined":
        state["participants"].append(data)
    elif kind == "participant.updated":
        _replace(state["participants"], data)
        if data["id"] == state["me"]["id"]:
            state["me"].update(data)
    elif kind == "participant.removed":
        state["participants"] = [p for p in state["participants"] if p["id"] != data["id"]]
    elif kind == "lobby.changed":
        state["lobby"] = data
    elif kind == "workshop.updated":
        state["workshop"] = data
    else:
        raise AssertionError(f"unknown event type {kind}")
    state["seq"] = event["seq"]
    return state


def comparable(state: dict) -> dict:
    """Drop what legitimately differs between two reads: the clock and who is online."""
    state = copy.deepcopy(state)
    state.pop("presence", None)
    state["timer"].pop("server_now", None)
    return state
