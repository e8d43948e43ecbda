"""Subject access: everything stored about one participant name, from the function and from
`python -m app.cli subject-access`; and `python -m app.cli purge`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.exports.subject_access import subject_access
from tests.api.busy_room import knock, lobby
from tests.api.helpers import db_of, url
from tests.conftest import ROOT
from tests.factories import add_card, create_room, join, move


def cli(database_url: str, tmp_path: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "test-secret-key",
            "REDIS_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def sam_everywhere(client: httpx.AsyncClient) -> tuple[Any, Any]:
    """Sam joins two peer assists (as visitor, then as host), and is named on an action."""
    first, second = await create_room(client), await create_room(client, title="Second one")
    sam = await join(client, first, "visitor", "Sam Subject")
    other = await join(client, first, "visitor", "Olive Other")
    await move(client, first, "context")
    for who, text, extra in (
        (sam, "Sam's question", {}),
        (sam, "Sam's anonymous question", {"anonymous": True}),
        (other, "Olive's question", {}),
    ):
        assert (await add_card(client, first, who, "question", text, **extra)).status_code == 201
    await move(client, first, "analysis")
    olive_card = await add_card(client, first, other, "insight", "Olive's insight")
    voted = await client.post(
        url(first, f"/cards/{olive_card.json()['id']}/vote"), headers=sam.headers
    )
    assert voted.status_code == 200
    await move(client, first, "commitment")
    action = await client.post(
        url(first, "/actions"),
        json={"title": "Ring the transport desk", "owner": "sam subject"},
        headers=first.facilitator.headers,
    )
    assert action.status_code == 201
    await move(client, first, "reflection")
    answered = await client.post(
        url(first, "/feedback"),
        json={"satisfaction": 5, "ideas": "Sam's idea"},
        headers=sam.headers,
    )
    assert answered.status_code == 201, answered.text
    host = await join(client, second, "host", "Sam Subject")
    await move(client, second, "context")
    assert (await add_card(client, second, host, "context", "Sam's context")).status_code == 201
    await move(client, second, "commitment")
    addresses = await client.put(
        url(second, "/reminders"), json={"emails": ["sam@example.org"]}, headers=host.headers
    )
    assert addresses.status_code == 200, addresses.text
    await knock(client, second.created["workshop"]["room_code"], "Sam Subject")
    [waiting] = await lobby(client, second)
    turned = await client.post(
        url(second, f"/lobby/{waiting['id']}"),
        json={"admit": False},
        headers=second.facilitator.headers,
    )
    assert turned.status_code == 200
    return first, second


@pytest.mark.postgres
async def test_everything_stored_under_a_name_and_nothing_else(
    app: Any, client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    first, second = await sam_everywhere(client)
    with db_of(app).reader() as session:
        found = subject_access(session, name="  SAM subject ")
    by_workshop = {p["workshop"]["id"]: p for p in found["participations"]}
    assert set(by_workshop) == {first.id, second.id}
    as_visitor, as_host = by_workshop[first.id], by_workshop[second.id]
    assert as_visitor["participant"]["role"] == "visitor"
    assert [c["text"] for c in as_visitor["cards"]] == [
        "Sam's question",
        "Sam's anonymous question",
    ]
    assert [v["card_text"] for v in as_visitor["votes"]] == ["Olive's insight"]
    assert [c["text"] for c in as_host["cards"]] == ["Sam's context"]
    assert as_visitor["feedback"]["ideas"] == "Sam's idea" and as_host["feedback"] is None
    assert [a["email"] for a in as_host["reminder_addresses_added"]] == ["sam@example.org"]
    assert [a["action"]["title"] for a in found["actions_owned"]] == ["Ring the transport desk"]
    assert [(k["workshop"]["id"], k["outcome"]) for k in found["lobby"]] == [
        (second.id, "turned away")
    ]
    text = json.dumps(found)
    assert "Olive Other" not in text and "Olive's question" not in text

    printed = json.loads(cli(database_url, tmp_path, "subject-access", "--name", "Sam Subject"))
    assert printed == json.loads(json.dumps(subject_access_of(app, "Sam Subject")))


def subject_access_of(app: Any, name: str) -> dict:
    with db_of(app).reader() as session:
        return subject_access(session, name=name)


@pytest.mark.postgres
async def test_purge_from_the_command_line(
    app: Any, client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    old, recent, still_open = [await create_room(client) for _ in range(3)]
    for room in (old, recent):
        await move(client, room, "closed")
    with db_of(app).engine.begin() as conn:  # closed long ago, by the real clock the CLI uses
        conn.execute(
            sa.text("UPDATE workshop SET closed_at = :at WHERE id = :w"),
            {"at": "2020-01-01 00:00:00+00:00", "w": old.id},
        )
    printed = json.loads(cli(database_url, tmp_path, "purge", RETENTION_DAYS="400"))
    assert [w["id"] for w in printed["deleted"]] == [old.id]
    assert (await client.get(url(old), headers=old.facilitator.headers)).status_code == 404
    for room in (recent, still_open):
        assert (await client.get(url(room), headers=room.facilitator.headers)).status_code == 200
    kept = json.loads(cli(database_url, tmp_path, "purge", RETENTION_DAYS="0"))
    assert kept == {"deleted": []}
