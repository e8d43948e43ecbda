"""Two admins who take each other's role at the same moment leave one admin, not none.

On PostgreSQL two writes run side by side; each counted the other still an admin and both
committed. The second now waits for the first and counts again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from app.actions.accounts import change_account, viewer_of
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
