"""Two admins who take each other's role at the same moment leave one admin, not none.

On PostgreSQL two writes run side by side; each counted the other still an admin and both
committed. The second now waits for the first and counts again."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.actions.accounts import change_account, viewer_of
from app.actions.ownership import console_seat
from app.actions.workshops import NewWorkshop, create_workshop
from app.db import queries
from app.db.account_models import Account
from app.db.account_queries import active_admins
from app.db.engine import Database
from app.domain.errors import RuleError
from tests.conftest import postgres_database

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
INVITES = ("k" * 32, "http://testserver")


@pytest.mark.postgres
@pytest.mark.parametrize(
    "change", [{"role": "facilitator", "active": None}, {"role": None, "active": False}]
)
def test_two_admins_demoting_each_other_at_once_leave_one(change: dict) -> None:
    db = Database(postgres_database().url)
    with db.session() as session, session.begin():
        fay = Account(email="fay@example.org", name="Fay", role="admin", created_at=NOW)
        gus = Account(email="gus@example.org", name="Gus", role="admin", created_at=NOW)
        session.add_all([fay, gus])
        session.flush()
        fay_id, gus_id = fay.id, gus.id
        fay_sees, gus_sees = viewer_of(fay), viewer_of(gus)
    assert fay_id is not None and gus_id is not None

    first_done = threading.Event()
    outcome: dict[str, object] = {}

    def gus_demotes_fay() -> None:
        try:
            with db.session() as session, session.begin():
                change_account(
                    session, by=gus_sees, account_id=fay_id, now=NOW, invites=INVITES, **change
                )
        except RuleError as refused:
            outcome["second"] = refused.code
        else:
            outcome["second"] = "committed"
        outcome["after first"] = first_done.is_set()

    with db.session() as session, session.begin():
        change_account(session, by=fay_sees, account_id=gus_id, now=NOW, invites=INVITES, **change)
        second = threading.Thread(target=gus_demotes_fay)
        second.start()
        second.join(0.5)  # its chance to count Fay and Gus both, and commit, before Fay's write
        first_done.set()
    second.join(10)

    assert outcome == {"second": "last_admin", "after first": True}
    with db.session() as session:
        admins = [a.name for a in active_admins(session)]
    assert admins == ["Fay"]
    db.dispose()


def waits_for_a_workshop(db: Database, within_s: float = 10.0) -> bool:
    """Whether some connection comes to wait for a workshop's row lock within `within_s`."""
    asked = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE '%FROM workshop%FOR UPDATE%'"
    )
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            if conn.execute(asked).scalar_one():
                return True
        time.sleep(0.02)
    return False


@pytest.mark.postgres
def test_a_deactivation_and_an_admin_opening_a_console_do_not_deadlock() -> None:
    """The admins' rows are locked for the count; a write that, under a workshop's lock, adds
    a row pointing at an admin (a console seat) must not wait on them while the deactivation
    waits on that workshop (PostgreSQL's deadlock detector would fail one of the two)."""
    db = Database(postgres_database().url)
    with db.session() as session, session.begin():
        ada = Account(email="ada@example.org", name="Ada", role="admin", created_at=NOW)
        bob = Account(email="bob@example.org", name="Bob", role="admin", created_at=NOW)
        fay = Account(email="fay@example.org", name="Fay", created_at=NOW)
        session.add_all([ada, bob, fay])
        session.flush()
        ada_sees, bob_sees, fay_id = viewer_of(ada), viewer_of(bob), fay.id
        new = NewWorkshop(
            title="Discharge", problem="Waits", duration_minutes=60, facilitator_name="Fay",
            owner_id=fay_id,
        )  # fmt: skip
        _, body, _ = create_workshop(
            session, new=new, now=NOW, base_url="http://testserver", secret_key=INVITES[0]
        )
        workshop_id = body["workshop_id"]
    assert fay_id is not None
    done: dict[str, str] = {}

    def deactivate_fay() -> None:
        try:
            with db.session() as session, session.begin():
                change_account(
                    session, by=ada_sees, account_id=fay_id, role=None, active=False, now=NOW,
                    invites=INVITES,
                )  # fmt: skip
            done["deactivation"] = "committed"
        except Exception as exc:
            done["deactivation"] = repr(exc)

    with db.session() as session, session.begin():
        workshop = queries.lock_workshop(session, workshop_id=workshop_id)
        deactivation = threading.Thread(target=deactivate_fay)
        deactivation.start()
        # It takes the admins' rows, then waits for this workshop's: only then is there a
        # cycle to close.
        assert waits_for_a_workshop(db), "the deactivation never reached the workshop's lock"
        console_seat(session, workshop, by=bob_sees, name="Bob", now=NOW, secret_key=INVITES[0])
    deactivation.join(10)
    assert done == {"deactivation": "committed"}
    db.dispose()
