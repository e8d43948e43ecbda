"""Schemathesis against the real app (uvicorn, SQLite) with every check: the answers match the
OpenAPI document, schema-valid requests are accepted and schema-invalid ones refused.

The bar is 0 failures. `SCHEMATHESIS_MAX_EXAMPLES` (default 40 per operation) sets the size;
the run's summary is kept in tests/artifacts/schemathesis.txt.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, Server, sqlite_database, start_server
from tests.factories import API, create_room, move

pytestmark = [pytest.mark.conformance, pytest.mark.slow]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261202"))
# The GET beside the live websocket only says "upgrade": 426 is its documented answer. The
# stateful phase follows links between operations; we declare none, and its guesses from
# response shapes fill integer ids with the workshop's string id, so it infers from headers only.
CONFIG = """
[headers]
Authorization = "Bearer {token}"

[parameters]
"path.workshop_id" = "{workshop_id}"
"path.code" = "{code}"
"path.card_id" = {card_id}
"path.action_id" = {action_id}
# Rotating the visitors' invite would withdraw the code that join is tested with.
"path.role" = "projector"

[phases.stateful.inference]
algorithms = ["location-headers"]

[[operations]]
include-path = "/api/v1/workshops/{{workshop_id}}/events"
checks.positive_data_acceptance.expected-statuses = [426]
"""


@pytest.fixture
def server(tmp_path: Path) -> Server:
    started = start_server(tmp_path, sqlite_database(tmp_path))
    yield started
    started.stop()


async def a_meeting_to_test(base_url: str) -> dict[str, object]:
    """A workshop with a card and an action, so that their routes reach past 404."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        room = await create_room(http)
        await move(http, room, "commitment")
        headers = room.facilitator.headers
        url = f"{API}/workshops/{room.id}"
        made = await http.post(
            f"{url}/cards", json={"kind": "option", "text": "An option"}, headers=headers
        )
        action = await http.post(f"{url}/actions", json={"title": "Do it"}, headers=headers)
        assert made.status_code == 201 and action.status_code == 201
    return {
        "token": room.facilitator.token,
        "workshop_id": room.id,
        "code": room.invites["visitor"]["code"],
        "card_id": made.json()["id"],
        "action_id": action.json()["id"],
    }


async def test_schemathesis_finds_no_failure_with_every_check(
    server: Server, tmp_path: Path
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(**await a_meeting_to_test(server.base_url)))
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{server.base_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "2",
        "--request-timeout",
        "30",
    ]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False
    )
    output = done.stdout + done.stderr
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "schemathesis.txt").write_text(output)
    cases = re.search(r"(\d+) generated", output)
    assert cases is not None, output[-3000:]
    assert int(cases.group(1)) > 20 * MAX_EXAMPLES, output[-3000:]
    assert done.returncode == 0, output[-6000:]
    assert "Failures:" not in output, output[-6000:]
