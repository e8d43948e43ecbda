"""Build peer assists through the public API, the way an integrator would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from app.security import csrf_token, unsign_session
from tests.conftest import ADMIN_TOKEN, SECRET_KEY

API = "/api/v1"
ACCOUNT_COOKIE = "pa_account"
PASSWORD = "correct horse battery staple"


class SyncClient(Protocol):
    """A synchronous client with httpx's post (hypothesis' state machines are synchronous)."""

    def post(
        self, url: str, *, json: object, headers: dict[str, str] | None = None
    ) -> httpx.Response: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin() -> dict[str, str]:
    """The first admin's headers: ADMIN_TOKEN, which every test app and server accepts."""
    return bearer(ADMIN_TOKEN)


@dataclass
class Account:
    """An account made through the API, with a personal API token of its own."""

    id: int
    email: str
    name: str
    role: str
    token: str
    password: str = PASSWORD

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


_made = 0


async def sign_in_link(client: httpx.AsyncClient, link: str, password: str = PASSWORD) -> str:
    """Set the password through a one-time link; the account session cookie it gives back.

    The cookie is taken off the client again, so later requests go without it unless sent.
    """
    path = "/" + link.split("/", 3)[3]
    response = await client.post(path, data={"password": password})
    assert response.status_code == 303, response.text
    cookie = response.cookies[ACCOUNT_COOKIE]
    client.cookies.delete(ACCOUNT_COOKIE)
    return cookie


async def sign_in(client: httpx.AsyncClient, who: Account) -> str:
    """Sign `who` in by password, as the sign-in page does; the account cookie (also left in
    the client's jar)."""
    signed = await client.post("/signin", data={"email": who.email, "password": who.password})
    assert signed.status_code == 303, signed.text
    return signed.cookies[ACCOUNT_COOKIE]


def cookie_csrf(cookie: str) -> str:
    """The CSRF token the pages put in forms for this account session."""
    return csrf_token(SECRET_KEY, unsign_session(SECRET_KEY, cookie) or "")


async def make_account(
    client: httpx.AsyncClient,
    name: str = "Fay Facilitator",
    *,
    role: str = "facilitator",
    email: str | None = None,
) -> Account:
    """Invite an account as the admin, set its password by the link, make it an API token."""
    global _made
    _made += 1
    email = email or f"account{_made}-{id(client)}@example.org"
    invited = await client.post(
        f"{API}/accounts", json={"email": email, "name": name, "role": role}, headers=admin()
    )
    assert invited.status_code == 201, invited.text
    cookie = await sign_in_link(client, invited.json()["link"])
    made = await client.post(
        f"{API}/account/tokens",
        json={"name": "tests"},
        headers={"X-CSRF-Token": cookie_csrf(cookie), "Cookie": f"{ACCOUNT_COOKIE}={cookie}"},
    )
    assert made.status_code == 201, made.text
    data = invited.json()["account"]
    return Account(data["id"], email, name, role, made.json()["token"])


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


async def post_workshop(
    client: httpx.AsyncClient, *, owner: Account | None = None, **overrides: object
) -> httpx.Response:
    """The bare request that creates a workshop, for tests of what it refuses: by `owner`, or
    by the first admin (ADMIN_TOKEN) when none is given."""
    headers = owner.headers if owner is not None else admin()
    return await client.post(f"{API}/workshops", json=workshop_body(**overrides), headers=headers)


async def create_room(
    client: httpx.AsyncClient, *, owner: Account | None = None, **overrides: object
) -> Room:
    return _room(await post_workshop(client, owner=owner, **overrides))


def create_room_sync(client: SyncClient, **overrides: object) -> Room:
    """create_room for a synchronous client (as the first admin)."""
    return _room(client.post(f"{API}/workshops", json=workshop_body(**overrides), headers=admin()))


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
    """DELETE the workshop as someone who may: the admin account that created it."""
    return await client.delete(f"{API}/workshops/{room.id}", headers=admin())
