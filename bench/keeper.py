"""What keeping a card costs at the least: the app's own statements for it on plain `sqlite3`.

A card must be kept, so part of what the app spends on one is not the app's to remove. This is
that part and nothing more, shared by the floor server (`floor.py`, scenario 0's floor) and the
kept relay (`bare.py --keep`, the floor of the rooms' scenarios): on one `sqlite3` connection,
with the app's pragmas, on the app's migrated database, the seven statements the app's write
sends for a card (read off SQLite's trace of the app): `BEGIN IMMEDIATE`, the workshop's row,
the card with its author, its event, the workshop's head, its search row, `COMMIT`. No rule is
checked, no Idempotency-Key kept, no ORM; the write runs on the caller's thread (the event loop,
in the relays). SQLite's checkpoints are left to a thread, as the app leaves them
(app/db/checkpoint.py): one inline copies and syncs the log, and would put a few milliseconds
on one card in fifty that the app does not pay.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from app.db.checkpoint import EVERY_S, SAFETY_NET_PAGES
from app.db.engine import SQLITE_PRAGMAS

CARD_COLUMNS = (
    "id, workshop_id, author_id, kind, text, evidence, source_url, anonymous, theme, hidden,"
    " private, votes, phase, created_at, updated_at"
)
INSERT_CARD = (
    "INSERT INTO card (workshop_id, author_id, kind, text, evidence, source_url, anonymous,"
    " theme, hidden, private, votes, phase, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, NULL, NULL, 0, NULL, 0, 0, 0, ?, ?, ?)"
    f" RETURNING {CARD_COLUMNS},"
    " (SELECT participant.name FROM participant WHERE id = ?) AS author_name,"
    " (SELECT participant.role FROM participant WHERE id = ?) AS author_role"
)
INSERT_EVENT = "INSERT INTO event (workshop_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)"
SET_HEAD = "UPDATE workshop SET last_seq = ? WHERE workshop.id = ?"
INSERT_SEARCH = (
    "INSERT INTO search_text (workshop_id, card_id, title, problem, purpose, cards, actions,"
    " takeaways) VALUES (?, ?, '', '', '', ?, '', '')"
)
NAMES = (*(c.strip() for c in CARD_COLUMNS.split(",")), "author_name", "author_role")
# A room the kept relay opens for itself (its rooms are named by the generator, not made by the
# app): only the columns the database requires, as a new peer assist has them.
OPEN_ROOM = (
    "INSERT INTO workshop (id, title, problem, duration_minutes, facilitator_name, recorded,"
    " created_at, phase, agenda, timer_status, timer_duration_s, host_team_muted, speakers,"
    " private_writing, room_code, auto_admit, last_seq, visibility)"
    " VALUES (?, 'Bench room', 'How fast is the room?', 90, 'Facilitator', 0, ?, 'welcome',"
    " '[]', 'stopped', 0, 0, '[]', 0, ?, 0, 0, 'organisation')"
)
SEAT = (
    "INSERT INTO participant (workshop_id, role, name, token_hash, joined_at, signal)"
    " VALUES (?, 'visitor', 'Bench', ?, ?, 'none') RETURNING id"
)


def now() -> str:
    return datetime.now(UTC).isoformat(sep=" ")


class Keeper:
    """One connection to a migrated SQLite database, keeping cards as the app's write does."""

    def __init__(self, database: str, *, checkpoints: bool = True) -> None:
        self.db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        for pragma in (*SQLITE_PRAGMAS, f"wal_autocheckpoint={SAFETY_NET_PAGES}"):
            self.db.execute(f"PRAGMA {pragma}")
        self.lock = threading.Lock()  # held by each write, and by a checkpoint's second pass
        # Set by each commit, as the app's commits ask for a checkpoint: an idle keeper does
        # nothing, so its counts under callgrind do not depend on how long it waited.
        self.committed = threading.Event()
        if checkpoints:  # a keeper that only opens a room for a server needs none
            threading.Thread(target=self._checkpoints, args=(database,), daemon=True).start()
        columns = [row[1] for row in self.db.execute("PRAGMA table_info(workshop)")]
        self.head = columns.index("last_seq")
        self.phase = columns.index("phase")
        self.read = f"SELECT {', '.join(columns)} FROM workshop WHERE workshop.id = ?"

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, as the app's: `BEGIN IMMEDIATE` … `COMMIT`, or rolled back."""
        cur = self.db.cursor()
        with self.lock:
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        self.committed.set()

    def open_room(self, workshop_id: str) -> int:
        """A workshop of that id and one seat in it (the writer's); its participant id."""
        at = now()
        with self._write() as cur:
            cur.execute(OPEN_ROOM, (workshop_id, at, secrets.token_hex(6)))
            (seat,) = cur.execute(SEAT, (workshop_id, secrets.token_hex(32), at)).fetchone()
        return seat

    def _checkpoints(self, database: str) -> None:
        """The app's checkpoints (app/db/checkpoint.py): after commits, at most every few
        seconds, two PASSIVE passes, the second with the writes held off so the log restarts;
        at the lowest CPU priority. One that fails is said, and the next commit tries again."""
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        while True:
            self.committed.wait()
            self.committed.clear()
            time.sleep(EVERY_S)  # the commits of the next few seconds join this one
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                with self.lock:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:
                print(f"keeper: SQLite's checkpoint failed: {exc!r}", file=sys.stderr, flush=True)

    def add_card(self, workshop_id: str, author: int, kind: str, text: str) -> tuple[int, str, str]:
        """Keep one card: its seq, its time, and its record in JSON, as its event carries it."""
        with self._write() as cur:
            workshop = cur.execute(self.read, (workshop_id,)).fetchone()
            at = now()
            args = (workshop_id, author, kind, text, workshop[self.phase], at, at)
            row = cur.execute(INSERT_CARD, (*args, author, author)).fetchone()
            seq = workshop[self.head] + 1
            card = json.dumps(dict(zip(NAMES, row, strict=True)))
            cur.execute(INSERT_EVENT, (workshop_id, seq, "card.added", at, card))
            cur.execute(SET_HEAD, (seq, workshop_id))
            cur.execute(INSERT_SEARCH, (workshop_id, row[0], row[4]))
        return seq, at, card
