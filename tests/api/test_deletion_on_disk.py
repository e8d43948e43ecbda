"""Deleting a peer assist on SQLite leaves none of its words in the database's files (API.md:
"nothing of it remains in the database"), not only none in its rows. A deleted FTS5 row is a
delete marker beside segments that keep the words; a deleted row, a freed page and an old page
image in the write-ahead log keep the text too, readable by anyone who opens the file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.engine import Database
from app.search import EVERY_WORKSHOP, search
from tests.api.helpers import db_of
from tests.factories import API, add_card, create_room, delete_workshop_as_owner, move

# Each word as typed, and the porter stem FTS5 keeps (a prefix of the word, so one needle finds
# both). Within a page FTS5 stores a term after the prefix it shares with the term before it,
# so the stem's tail is looked for as well.
DOOMED = {
    "Quokkatitle": "quokkatitl",
    "Smithersonian": "smithersonian",
    "Confidentialword": "confidentialword",
    "Zanzibarnacles": "zanzibarnacl",
    "Plumbobulating": "plumbobul",
    "Draftwordle": "draftwordl",
}
KEPT_WORD = "wombatgram"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Only SQLite: PostgreSQL's files are the server's, not something a test can read."""
    return sqlite_url


def needles() -> set[bytes]:
    found = set()
    for word, stem in DOOMED.items():
        found |= {word.lower().encode(), stem.encode(), stem[3:].encode()}
    return found


def on_disk(db: Database) -> bytes:
    """The database file and its write-ahead log (and its index), as one lowercase string."""
    path = Path(db.engine.url.database)
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists()).lower()


def checkpointed(db: Database, before: int) -> None:
    """Wait until the app's own checkpoint thread has run since `before` (the count read
    before the last write: it may have run and stopped by the time the answer is back) and
    has stopped."""
    checkpointer = db.checkpointer
    assert checkpointer is not None
    deadline = time.monotonic() + 20
    while checkpointer._thread is not None or checkpointer.checkpoints == before:
        assert time.monotonic() < deadline, "the checkpoint thread did not run and stop"
        time.sleep(0.02)


async def test_deleting_leaves_none_of_its_words_in_the_files(
    app: Any, client: httpx.AsyncClient
) -> None:
    db = db_of(app)
    assert db.checkpointer is not None
    db.checkpointer.every_s, db.checkpointer.idle_s = 0.05, 0.2
    doomed = await create_room(
        client,
        title="Quokkatitle rota for the Smithersonian ward",
        problem="Confidentialword handovers overrun every evening.",
    )
    kept = await create_room(client, title="Wombatgram rota", problem="Handovers overrun.")
    await move(client, doomed, "context")
    for text in ("Zanzibarnacles in the pharmacy queue", "Plumbobulating the discharge lounge"):
        response = await add_card(client, doomed, doomed.facilitator, "question", text)
        assert response.status_code == 201, response.text
    # Edited once: the card's first words must go too, not only its last.
    response = await add_card(client, doomed, doomed.facilitator, "question", "Draftwordle")
    assert response.status_code == 201, response.text
    edited = await client.patch(
        f"{API}/workshops/{doomed.id}/cards/{response.json()['id']}",
        json={"text": "Confidentialword"},
        headers=doomed.facilitator.headers,
    )
    assert edited.status_code == 200, edited.text
    checkpointed(db, 0)
    seen = on_disk(db)
    assert all(needle in seen for needle in needles())  # the check can see them

    before = db.checkpointer.checkpoints
    response = await delete_workshop_as_owner(client, doomed)
    assert response.status_code == 204, response.text
    checkpointed(db, before)

    left = on_disk(db)
    assert sorted(n.decode() for n in needles() if n in left) == []
    assert KEPT_WORD.encode() in left
    with db.reader() as session:
        assert [h.workshop_id for h in search(session, KEPT_WORD, visible=EVERY_WORKSHOP)] == [
            kept.id
        ]
        assert search(session, "quokkatitle", visible=EVERY_WORKSHOP) == []
