"""Build peer assists through the public API, the way an integrator would."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

API = "/api/v1"


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


async def create_room(client: httpx.AsyncClient, **overrides: object) -> Room:
    response = await client.post(f"{API}/workshops", json=workshop_body(**overrides))
    assert response.status_code == 201, response.text
    data = response.json()
    facilitator = Person(
        data["participant"]["id"],
        data["participant"]["name"],
        "facilitator",
        data["facilitator_token"],
    )
    return Room(data["workshop"]["id"], facilitator, data["invites"], data)


async def join(client: httpx.AsyncClient, room: Room, role: str, name: str) -> Person:
    response = await client.post(
        f"{API}/join/{room.invites[role]['code']}", json={"name": name, "accept_ground_rules": True}
    )
    assert response.status_code == 201, response.text
    data = response.json()
    person = Person(data["participant"]["id"], name, role, data["token"])
    room.people.append(person)
    return person


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
