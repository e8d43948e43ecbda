"""Creating a peer assist, its invites, joining, rotating codes and the read-only projector."""

from __future__ import annotations

import math
import string
from datetime import timedelta

import httpx

from app.domain.phases import MAX_DURATION_MINUTES, MIN_DURATION_MINUTES
from tests.api.helpers import assert_error, seq_of, url
from tests.conftest import Clock
from tests.factories import API, add_card, admin, create_room, join, move, state, workshop_body

ROLES = ("host", "visitor", "projector")


def entropy_bits(secret: str) -> float:
    """Bits a secret can carry, from its length and the smallest alphabet its characters fit."""
    alphabets = [
        string.digits,
        string.hexdigits.lower(),
        string.hexdigits,
        string.ascii_uppercase + "234567",
        string.ascii_letters + string.digits + "-_",
        string.printable,
    ]
    for alphabet in alphabets:
        if set(secret) <= set(alphabet):
            return len(secret) * math.log2(len(set(alphabet)))
    return len(secret) * 8


async def test_create_returns_the_workshop_the_facilitator_token_and_three_invites(
    client: httpx.AsyncClient,
) -> None:
    body = workshop_body(decision_date="2026-12-15", starts_at="2026-11-30T09:30:00+00:00")
    response = await client.post(f"{API}/workshops", json=body, headers=admin())
    assert response.status_code == 201, response.text
    data = response.json()
    assert {"workshop", "facilitator_token", "invites"} <= set(data)
    workshop = data["workshop"]
    assert isinstance(workshop["id"], str) and workshop["id"]
    for field in ("title", "problem", "duration_minutes", "facilitator_name", "decision_date"):
        assert workshop[field] == body[field], field
    assert workshop["starts_at"].startswith("2026-11-30T09:30:00")
    assert set(data["invites"]) == set(ROLES)
    codes = set()
    for role in ROLES:
        invite = data["invites"][role]
        assert set(invite) >= {"code", "url"}
        assert invite["code"] in invite["url"]
        assert invite["url"].startswith(("http://", "https://"))
        codes.add(invite["code"])
    assert len(codes) == 3
    assert data["facilitator_token"] not in codes
    # The facilitator's token works at once.
    facilitator = {"Authorization": f"Bearer {data['facilitator_token']}"}
    read = await client.get(url(workshop["id"]), headers=facilitator)
    assert read.status_code == 200
    board = read.json()
    assert {
        "workshop",
        "phase",
        "agenda",
        "timer",
        "mute",
        "participants",
        "cards",
        "actions",
        "commitment",
        "seq",
    } <= set(board)
    assert board["phase"] == "welcome"
    assert board["workshop"]["id"] == workshop["id"]
    assert board["cards"] == [] and board["actions"] == [] and board["commitment"] is None
    assert [p["role"] for p in board["participants"]] == ["facilitator"]
    assert board["participants"][0]["name"] == body["facilitator_name"]


async def test_tokens_and_codes_carry_at_least_128_bits_and_never_repeat(
    client: httpx.AsyncClient,
) -> None:
    secrets: list[str] = []
    for _ in range(3):
        room = await create_room(client)
        secrets.append(room.created["facilitator_token"])
        secrets += [room.invites[role]["code"] for role in ROLES]
        secrets.append((await join(client, room, "visitor", "V")).token)
    assert len(set(secrets)) == len(secrets)
    for secret in secrets:
        assert entropy_bits(secret) >= 128, secret


async def test_create_limits_and_requires_text_fields(client: httpx.AsyncClient) -> None:
    for field, limit in (("title", 200), ("facilitator_name", 80), ("problem", 2000)):
        at_limit = await client.post(
            f"{API}/workshops", json=workshop_body(**{field: "x" * limit}), headers=admin()
        )
        assert at_limit.status_code == 201, at_limit.text
        assert at_limit.json()["workshop"][field] == "x" * limit
        over = await client.post(
            f"{API}/workshops", json=workshop_body(**{field: "x" * (limit + 1)}), headers=admin()
        )
        body = assert_error(over, 422)
        assert field in body["detail"]
    for field in ("title", "problem", "facilitator_name", "duration_minutes"):
        body = workshop_body()
        del body[field]
        assert_error(await client.post(f"{API}/workshops", json=body, headers=admin()), 422)
        if field != "duration_minutes":
            blank = workshop_body(**{field: "  "})
            assert_error(await client.post(f"{API}/workshops", json=blank, headers=admin()), 422)


async def test_duration_bounds_and_decision_date(client: httpx.AsyncClient, clock: Clock) -> None:
    for minutes in (MIN_DURATION_MINUTES, MAX_DURATION_MINUTES):
        ok = await client.post(
            f"{API}/workshops", json=workshop_body(duration_minutes=minutes), headers=admin()
        )
        assert ok.status_code == 201, (minutes, ok.text)
    for minutes in (
        MIN_DURATION_MINUTES - 1,
        MAX_DURATION_MINUTES + 1,
        0,
        -60,
        10**12,
        "two hours",
        None,
        90.5,
    ):
        refused = await client.post(
            f"{API}/workshops", json=workshop_body(duration_minutes=minutes), headers=admin()
        )
        assert_error(refused, 422)
    today = clock().date()
    past = await client.post(
        f"{API}/workshops",
        json=workshop_body(decision_date=str(today - timedelta(days=1))),
        headers=admin(),
    )
    assert_error(past, 422)
    for day in (today, today + timedelta(days=30)):
        ok = await client.post(
            f"{API}/workshops", json=workshop_body(decision_date=str(day)), headers=admin()
        )
        assert ok.status_code == 201, ok.text
        assert ok.json()["workshop"]["decision_date"] == day.isoformat()
    assert_error(
        await client.post(
            f"{API}/workshops", json=workshop_body(decision_date="next tuesday"), headers=admin()
        ),
        422,
    )


async def test_join_returns_the_participant_token_and_workshop(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    for role in ROLES:
        response = await client.post(
            f"{API}/join/{room.invites[role]['code']}",
            json={"name": f"Sam {role}", "accept_ground_rules": True},
        )
        assert response.status_code == 201, response.text
        data = response.json()
        assert {"participant", "token", "workshop_id"} <= set(data)
        assert data["workshop_id"] == room.id
        participant = data["participant"]
        assert set(participant) >= {"id", "name", "role"}
        assert participant["name"] == f"Sam {role}" and participant["role"] == role
        assert isinstance(participant["id"], int)
        me = await client.get(url(room), headers={"Authorization": f"Bearer {data['token']}"})
        assert me.status_code == 200
        listed = {p["id"]: (p["name"], p["role"]) for p in me.json()["participants"]}
        assert listed[participant["id"]] == (f"Sam {role}", role)


async def test_join_needs_the_ground_rules_and_a_name(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    code = room.invites["visitor"]["code"]
    before = await seq_of(client, room)
    refused = await client.post(
        f"{API}/join/{code}", json={"name": "Vic", "accept_ground_rules": False}
    )
    assert_error(refused, 422)
    missing = await client.post(f"{API}/join/{code}", json={"name": "Vic"})
    assert_error(missing, 422)
    board = await state(client, room, room.facilitator)
    assert board["seq"] == before
    assert [p["role"] for p in board["participants"]] == ["facilitator"]
    code = room.invites["host"]["code"]
    ok = await client.post(
        f"{API}/join/{code}", json={"name": "n" * 80, "accept_ground_rules": True}
    )
    assert ok.status_code == 201
    for name in ("n" * 81, "   ", ""):
        assert_error(
            await client.post(
                f"{API}/join/{code}", json={"name": name, "accept_ground_rules": True}
            ),
            422,
        )


async def test_unknown_codes_are_404_and_rotated_ones_410(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    old = room.invites["visitor"]["code"]
    host = await join(client, room, "host", "Hana Host")
    rotated = await client.post(
        url(room, "/invites/visitor/rotate"), headers=room.facilitator.headers
    )
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["code"] != old and new["code"] in new["url"]
    gone = await client.post(
        f"{API}/join/{old}", json={"name": "Late", "accept_ground_rules": True}
    )
    assert_error(gone, 410)
    ok = await client.post(
        f"{API}/join/{new['code']}", json={"name": "Vic", "accept_ground_rules": True}
    )
    assert ok.status_code == 201 and ok.json()["participant"]["role"] == "visitor"
    # The other roles' codes are untouched.
    await join(client, room, "host", "Second Host")
    # Only the facilitator rotates codes.
    assert_error(await client.post(url(room, "/invites/host/rotate"), headers=host.headers), 403)
    again = await client.post(
        f"{API}/join/{room.invites['host']['code']}",
        json={"name": "Third Host", "accept_ground_rules": True},
    )
    assert again.status_code == 201
    # A code that never existed is 404.
    for code in ("not-a-code", new["code"] + "x", room.id):
        response = await client.post(
            f"{API}/join/{code}", json={"name": "Eve", "accept_ground_rules": True}
        )
        assert_error(response, 404)


async def test_the_projector_joins_reads_and_never_writes(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    projector = await join(client, room, "projector", "Wall screen")
    visitor = await join(client, room, "visitor", "Vic")
    await join(client, room, "host", "Hana")
    await move(client, room, "context")
    card = (await add_card(client, room, visitor, "question", "Why?")).json()["id"]
    board = await state(client, room, projector)
    assert board["phase"] == "context" and [c["id"] for c in board["cards"]] == [card]

    async def refuse_everywhere(phase: str) -> None:
        writes: list[tuple[str, str, dict | None]] = [
            ("POST", "/phase", {"to": "next"}),
            ("POST", "/timer", {"action": "pause"}),
            ("PUT", "/mute", {"host_team_muted": True, "speakers": []}),
            ("POST", "/cards", {"kind": "question", "text": "From the wall?"}),
            ("POST", "/cards", {"kind": "insight", "text": "From the wall?"}),
            ("PATCH", f"/cards/{card}", {"text": "edited"}),
            ("POST", f"/cards/{card}/vote", None),
            ("DELETE", f"/cards/{card}/vote", None),
            ("POST", "/actions", {"title": "Act"}),
            ("PUT", "/commitment", {"report_back_by": "2027-01-10"}),
            ("POST", "/invites/visitor/rotate", None),
            ("PUT", "/agenda", {"planned_s": {"feedback": 60}}),
        ]
        for method, path, body in writes:
            response = await client.request(
                method, url(room, path), json=body, headers=projector.headers
            )
            assert_error(response, 403)

    for phase in ("context", "analysis", "closed"):
        if phase != "context":
            await move(client, room, phase)
        seq = await seq_of(client, room)
        await refuse_everywhere(phase)
        assert await seq_of(client, room) == seq
    await move(client, room, "reflection")
    action = await client.post(
        url(room, "/actions"), json={"title": "Act"}, headers=room.facilitator.headers
    )
    assert action.status_code == 201
    response = await client.patch(
        url(room, f"/actions/{action.json()['id']}"),
        json={"status": "done"},
        headers=projector.headers,
    )
    assert_error(response, 403)
    board = await state(client, room, projector)
    assert [c["text"] for c in board["cards"]] == ["Why?"]
    assert board["actions"][0]["status"] == "open"
