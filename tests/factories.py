"""Build peer assists through the public API, the way an integrator would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

API = "/api/v1"


class SyncClient(Protocol):
    """A synchronous client with httpx's post (hypothesis' state machines are synchronous)."""

    def post(self, url: str, *, json: object) -> httpx.Response: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Person:
    id: int
    name: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class Room:
    """A created workshop with its facilitator and invite codes."""

    id: str
    facilitator: Person
    invites: dict[str, dict]
    created: dict
    people: list[Person] = field(default_factory=list)


def workshop_body(**overrides: object) -> dict:
    body: dict = {
        "title": "Cutting discharge delays on Ward 7",
        "problem": "Patients fit to leave wait a day or more for transport and medicines.",
        "duration_minutes": 120,
        "facilitator_name": "Ada Facilitator",
    }
    body.update(overrides)
    return body


def _room(response: httpx.Response) -> Room:
    assert response.status_code == 201, response.text
    data = response.json()
    facilitator = Person(
        data["participant"]["id"],
        data["participant"]["name"],
        "facilitator",
        data["facilitator_token"],
    )
    return Room(data["workshop"]["id"], facilitator, data["invites"], data)


def _joined(room: Room, role: str, name: str, response: httpx.Response) -> Person:
    assert response.status_code == 201, response.text
    data = response.json()
    person = Person(data["participant"]["id"], name, role, data["token"])
    room.people.append(person)
    return person


def _join_request(room: Room, role: str, name: str) -> tuple[str, dict]:
    return f"{API}/join/{room.invites[role]['code']}", {"name": name, "accept_ground_rules": True}


async def post_workshop(client: httpx.AsyncClient, **overrides: object) -> httpx.Response:
    """The bare request that creates a workshop, for tests of what it refuses."""
    return await client.post(f"{API}/workshops", json=workshop_body(**overrides))


async def create_room(client: httpx.AsyncClient, **overrides: object) -> Room:
    return _room(await post_workshop(client, **overrides))


def create_room_sync(client: SyncClient, **overrides: object) -> Room:
    """create_room for a synchronous client."""
    return _room(client.post(f"{API}/workshops", json=workshop_body(**overrides)))


async def join(client: httpx.AsyncClient, room: Room, role: str, name: str) -> Person:
    path, body = _join_request(room, role, name)
    return _joined(room, role, name, await client.post(path, json=body))


def join_sync(client: SyncClient, room: Room, role: str, name: str) -> Person:
    path, body = _join_request(room, role, name)
    return _joined(room, role, name, client.post(path, json=body))


async def move(client: httpx.AsyncClient, room: Room, to: str) -> dict:
    response = await client.post(
        f"{API}/workshops/{room.id}/phase", json={"to": to}, headers=room.facilitator.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def add_card(
    client: httpx.AsyncClient, room: Room, who: Person, kind: str, text: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"{API}/workshops/{room.id}/cards",
        json={"kind": kind, "text": text, **extra},
        headers=who.headers,
    )


async def state(client: httpx.AsyncClient, room: Room, who: Person) -> dict:
    response = await client.get(f"{API}/workshops/{room.id}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def delete_workshop_as_owner(client: httpx.AsyncClient, room: Room) -> httpx.Response:
    """DELETE the workshop as someone who may: its owner.

    Until accounts exist the facilitator's token stands in for the owner (see
    `workshop_owner_or_admin` in app/web/deps.py); swap both together."""
    return await client.delete(f"{API}/workshops/{room.id}", headers=room.facilitator.headers)
