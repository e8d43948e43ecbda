"""A peer assist that has used everything: every role, the lobby, cards of each sort, votes,
actions, a commitment, repeated POSTs, withdrawn invites and a removed participant. Every word
typed into it carries a tag, so a test can look for what is left of it anywhere."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from tests.factories import API, Person, Room, add_card, create_room, join, move

CO_FACILITATOR = "facilitator"


@dataclass
class BusyRoom:
    room: Room
    tag: str
    people: dict[str, Person] = field(default_factory=dict)
    card_ids: list[int] = field(default_factory=list)
    removed: Person | None = None


def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json() if response.content else {}


async def knock(client: httpx.AsyncClient, room_code: str, name: str) -> None:
    """Type the room code and a name, as someone at the back of the room would."""
    response = await client.post(
        f"/r/{room_code}", data={"name": name, "accept": "on"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    client.cookies.clear()  # each knock is another browser


async def lobby(client: httpx.AsyncClient, room: Room) -> list[dict]:
    state = _ok(await client.get(f"{API}/workshops/{room.id}", headers=room.facilitator.headers))
    return state["lobby"]["waiting"]


async def build_busy_room(client: httpx.AsyncClient, tag: str) -> BusyRoom:
    room = await create_room(
        client,
        title=f"{tag} title",
        problem=f"{tag} problem",
        facilitator_name=f"{tag} Ada",
    )
    busy = BusyRoom(room, tag)
    fac = room.facilitator
    headers = fac.headers
    for role, name in (
        ("host", "Hana"),
        ("host", "Hugo"),
        ("visitor", "Vera"),
        ("visitor", "Victor"),
        ("projector", "Screen"),
    ):
        busy.people[name] = await join(client, room, role, f"{tag} {name}")
    # The co-facilitator link is only on the console; its code is read from the page's links.
    rotated = _ok(
        await client.post(f"{API}/workshops/{room.id}/invites/facilitator/rotate", headers=headers),
        201,
    )
    room.invites[CO_FACILITATOR] = rotated
    busy.people["Cora"] = await join(client, room, CO_FACILITATOR, f"{tag} Cora")
    # The lobby: one let in, one turned away, one still waiting.
    room_code = room.created["workshop"]["room_code"]
    for name in ("Lobby In", "Lobby Out", "Lobby Waiting"):
        await knock(client, room_code, f"{tag} {name}")
    waiting = {w["name"]: w["id"] for w in await lobby(client, room)}
    for name, admit in (("Lobby In", True), ("Lobby Out", False)):
        _ok(
            await client.post(
                f"{API}/workshops/{room.id}/lobby/{waiting[f'{tag} {name}']}",
                json={"admit": admit},
                headers=headers,
            )
        )

    hana, vera, victor = busy.people["Hana"], busy.people["Vera"], busy.people["Victor"]
    await move(client, room, "context")
    for who, kind, text, extra in (
        (hana, "context", "context from the host team", {}),
        (vera, "question", "a question", {}),
        (victor, "question", "an anonymous question", {"anonymous": True}),
        (fac, "context", "the facilitator's note", {}),
    ):
        response = await add_card(client, room, who, kind, f"{tag} {text}", **extra)
        busy.card_ids.append(_ok(response, 201)["id"])
    # A repeated POST keeps its first answer: an idempotency record of this workshop.
    for _ in range(2):
        response = await client.post(
            f"{API}/workshops/{room.id}/cards",
            json={"kind": "question", "text": f"{tag} asked twice"},
            headers={**vera.headers, "Idempotency-Key": f"{tag}-once"},
        )
        assert response.status_code == 201, response.text
    busy.card_ids.append(response.json()["id"])
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/private-writing",
            json={"private_writing": True},
            headers=headers,
        )
    )
    await move(client, room, "analysis")
    response = await add_card(
        client, room, vera, "insight", f"{tag} a private insight", source_url="https://x.org/a"
    )
    busy.card_ids.append(_ok(response, 201)["id"])
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/private-writing",
            json={"private_writing": False},
            headers=headers,
        )
    )
    for voter in (vera, victor):
        _ok(
            await client.post(
                f"{API}/workshops/{room.id}/cards/{busy.card_ids[-1]}/vote", headers=voter.headers
            )
        )
    _ok(
        await client.patch(
            f"{API}/workshops/{room.id}/cards/{busy.card_ids[-1]}",
            json={"theme": f"{tag} theme"},
            headers=headers,
        )
    )
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/signal", json={"signal": "hand"}, headers=vera.headers
        )
    )
    await move(client, room, "commitment")
    _ok(
        await client.post(
            f"{API}/workshops/{room.id}/actions",
            json={"title": f"{tag} an action", "owner": f"{tag} Hana", "card_ids": busy.card_ids},
            headers=hana.headers,
        ),
        201,
    )
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/commitment",
            json={"report_back_by": "2027-02-01", "note": f"{tag} at the board"},
            headers=hana.headers,
        )
    )
    # Withdrawn links: one replaced, one simply withdrawn.
    _ok(
        await client.post(f"{API}/workshops/{room.id}/invites/visitor/rotate", headers=headers), 201
    )
    response = await client.delete(
        f"{API}/workshops/{room.id}/invites/facilitator", headers=headers
    )
    assert response.status_code == 204, response.text
    await move(client, room, "reflection")
    for who in (vera, hana):
        _ok(
            await client.post(
                f"{API}/workshops/{room.id}/feedback",
                json={"satisfaction": 4, "ideas": f"{tag} idea"},
                headers=who.headers,
            ),
            201,
        )
    busy.removed = busy.people["Victor"]
    response = await client.delete(
        f"{API}/workshops/{room.id}/participants/{busy.removed.id}", headers=headers
    )
    assert response.status_code == 204, response.text
    await move(client, room, "closed")
    # After the meeting: a share link, the review, reminders, the report back.
    _ok(await client.post(f"{API}/workshops/{room.id}/record/links", headers=headers), 201)
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/review",
            json={"planned": f"{tag} planned", "next_time": f"{tag} next"},
            headers=headers,
        )
    )
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/reminders",
            json={"emails": [f"{tag.lower()}.hana@example.org"]},
            headers=hana.headers,
        )
    )
    _ok(
        await client.put(
            f"{API}/workshops/{room.id}/report-back",
            json={"did": f"{tag} did", "learned": f"{tag} learned"},
            headers=hana.headers,
        )
    )
    return busy
