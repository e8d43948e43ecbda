"""Every route of the API against every kind of caller, checked against API.md.

Callers: nobody; a participant of this peer assist; a participant of another; the owner's
account; another facilitator account, on an organisation-wide and on a restricted peer assist;
an admin. A route whose kind is not listed here fails the test: new routes must say who may
call them.
"""

from __future__ import annotations

import re

import httpx

from tests.factories import API, Person, admin, create_room, join, make_account

# Who may call each kind of route: the callers let through (any answer but 401/403).
PUBLIC, PARTICIPANT, ACCOUNT, ADMIN, OWNER, OWNER_READ, RECORD, SHARER = (
    "public",
    "participant",
    "account",
    "admin",
    "owner",
    "owner-read",
    "record",
    "sharer",  # the facilitator, the owner accounts, admins
)
KINDS: dict[tuple[str, str], str] = {
    ("POST", "/join/{code}"): PUBLIC,
    ("GET", "/workshops"): ACCOUNT,
    ("POST", "/workshops"): ACCOUNT,
    ("GET", "/account"): ACCOUNT,
    ("GET", "/account/tokens"): ACCOUNT,
    ("POST", "/account/tokens"): ACCOUNT,
    ("DELETE", "/account/tokens/{token_id}"): ACCOUNT,
    ("GET", "/agenda-templates"): ACCOUNT,
    ("DELETE", "/agenda-templates/{template_id}"): ACCOUNT,
    ("GET", "/tokens"): ADMIN,
    ("GET", "/accounts"): ADMIN,
    ("POST", "/accounts"): ADMIN,
    ("PATCH", "/accounts/{account_id}"): ADMIN,
    ("POST", "/accounts/{account_id}/reset-link"): ADMIN,
    ("GET", "/subject-access"): ADMIN,
    ("GET", "/accounts/{account_id}/subject-access"): ADMIN,
    ("GET", "/workshops/{workshop_id}/owners"): OWNER_READ,
    ("POST", "/workshops/{workshop_id}/owners"): OWNER,
    ("DELETE", "/workshops/{workshop_id}/owners/{account_id}"): OWNER,
    ("PUT", "/workshops/{workshop_id}/visibility"): OWNER,
    ("POST", "/workshops/{workshop_id}/console"): OWNER,
    ("DELETE", "/workshops/{workshop_id}"): OWNER,
    # API.md: "an account that may see it, or a participant".
    ("GET", "/workshops/{workshop_id}/record.{fmt}"): RECORD,
    ("POST", "/workshops/{workshop_id}/record/links"): SHARER,
    ("GET", "/workshops/{workshop_id}/record/links"): SHARER,
    ("DELETE", "/workshops/{workshop_id}/record/links/{link_id}"): SHARER,
}
# The live events are a websocket (tests/realtime covers who may open them).
SKIPPED = {("GET", "/workshops/{workshop_id}/events")}
# Routes tried on a peer assist of their own for each caller.
DESTRUCTIVE = {("DELETE", "/workshops/{workshop_id}")}
CALLERS = ("nobody", "own", "other", "owner", "peer", "peer_restricted", "admin")
# Valid bodies where a role is checked after the body is read; others get {} (a 422 is an
# answer past the door, which is all this test asks of callers let through).
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/accounts"): {"email": "new@example.org", "name": "New Person"},
    ("POST", "/workshops/{workshop_id}/owners"): {"email": "bystander@example.org"},
    ("PUT", "/workshops/{workshop_id}/visibility"): {"visibility": "organisation"},
}


def expected(kind: str, caller: str) -> set[int] | None:
    """The refusal API.md calls for, or None when the caller is let through."""
    if kind == PUBLIC:
        return None
    if caller == "nobody":
        return {401}
    if kind == RECORD:
        return {403} if caller == "other" else {404} if caller == "peer_restricted" else None
    if kind == SHARER:
        if caller in ("own", "owner", "admin"):
            return None
        return {404} if caller == "peer_restricted" else {403}
    if kind == PARTICIPANT:
        # Only a participant of this peer assist; accounts act through a participant's token.
        return None if caller == "own" else {403}
    if caller in ("own", "other"):
        return {403}  # a participant's token never reaches accounts, the list or templates
    if kind == ACCOUNT or caller == "admin":
        return None
    if kind == ADMIN:
        return {403}
    if caller == "owner":
        return None
    if kind == OWNER_READ:
        return None if caller == "peer" else {404}  # restricted: not even found
    return {403}


def fill(path: str, workshop_id: str) -> str:
    fmt = "md" if "/record." in path else "csv"
    values = {"workshop_id": workshop_id, "code": "not-a-code", "role": "nobody", "fmt": fmt}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "999999"), path)


async def test_every_route_answers_every_caller_as_the_contract_says(
    client: httpx.AsyncClient,
) -> None:
    await make_account(client, "Bea Bystander", email="bystander@example.org")
    owner = await make_account(client, "Olive Owner")
    peer = await make_account(client, "Pat Peer")
    shared = await create_room(client, owner=owner)
    restricted = await create_room(client, owner=owner, visibility="restricted")
    elsewhere = await create_room(client, owner=peer)
    visitor = await join(client, shared, "visitor", "Vera")
    restricted_visitor = await join(client, restricted, "visitor", "Rhys")

    schema = (await client.get("/openapi.json")).json()
    routes = [
        (method.upper(), path.removeprefix(API))
        for path, operations in schema["paths"].items()
        if path.startswith(API)
        for method in operations
    ]
    unknown = [
        r
        for r in routes
        if r not in KINDS and r not in SKIPPED and not r[1].startswith("/workshops/{workshop_id}")
    ]
    assert not unknown, f"say who may call these routes: {unknown}"

    def kind_of(route: tuple[str, str]) -> str:
        return KINDS.get(route, PARTICIPANT)

    def headers(caller: str, route: tuple[str, str], on_restricted: bool) -> dict[str, str]:
        room, guest = (restricted, restricted_visitor) if on_restricted else (shared, visitor)
        own: Person = guest if route[1].endswith("/vote") else room.facilitator
        return {
            "nobody": {},
            "own": own.headers,
            "other": elsewhere.facilitator.headers,
            "owner": owner.headers,
            "peer": peer.headers,
            "peer_restricted": peer.headers,
            "admin": admin(),
        }[caller]

    checked, wrong = 0, []
    for route in routes:
        if route in SKIPPED:
            continue
        method, path = route
        for caller in CALLERS:
            on_restricted = caller == "peer_restricted"
            target = restricted if on_restricted else shared
            if route in DESTRUCTIVE:
                # Deleting would take the shared rooms away from the callers after this one.
                target = await create_room(
                    client,
                    owner=owner,
                    visibility="restricted" if on_restricted else "organisation",
                )
            body = BODIES.get(route, {}) if method in ("POST", "PUT", "PATCH") else None
            answer = await client.request(
                method,
                API + fill(path, target.id),
                json=body,
                headers=headers(caller, route, on_restricted),
            )
            refusal = expected(kind_of(route), caller)
            ok = (
                answer.status_code not in (401, 403)
                if refusal is None
                else answer.status_code in refusal
            )
            checked += 1
            if not ok or answer.status_code >= 500:
                wrong.append((method, path, caller, answer.status_code, answer.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))
    # The matrix is as large as the API: every route, every caller.
    assert checked == len([r for r in routes if r not in SKIPPED]) * len(CALLERS)
    print(f"access matrix: {checked} requests, {len(routes) - len(SKIPPED)} routes")
