"""A participant's votes come from a lean statement (every snapshot asks), yet they must be
what the ORM's own query gave: in card order, and counting the votes that the transaction
asking has added or taken back but not yet written, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.db import queries
from app.db.engine import Database
from app.db.models import Card, Participant, Vote
from tests.db.test_migrations import workshop

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    database = Database(database_url)
    with database.session() as session, session.begin():
        session.add(workshop("w-votes"))
        session.flush()  # no relationships: the unit of work cannot order the rows itself
        for i, role in ((1, "visitor"), (2, "visitor")):
            session.add(
                Participant(
                    id=i,
                    workshop_id="w-votes",
                    name=f"P{i}",
                    role=role,
                    token_hash=f"hash-{i}",
                    joined_at=NOW,
                )
            )
        session.flush()
        for card_id in (30, 10, 20):
            session.add(
                Card(
                    id=card_id,
                    workshop_id="w-votes",
                    author_id=2,
                    kind="insight",
                    text=f"card {card_id}",
                    phase="analysis",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.flush()
        for card_id, who in ((30, 1), (10, 1), (20, 2)):
            session.add(
                Vote(card_id=card_id, participant_id=who, workshop_id="w-votes", created_at=NOW)
            )
    yield database
    database.dispose()


def test_a_participants_votes_in_card_order(db: Database) -> None:
    with db.reader() as session:
        assert queries.votes_of(session, workshop_id="w-votes", participant_id=1) == [10, 30]
        assert queries.votes_of(session, workshop_id="w-votes", participant_id=2) == [20]
        assert queries.votes_of(session, workshop_id="other", participant_id=1) == []


def test_votes_changed_in_the_asking_transaction_count(db: Database) -> None:
    with db.session() as session, session.begin():
        session.add(Vote(card_id=20, participant_id=1, workshop_id="w-votes", created_at=NOW))
        session.delete(session.get_one(Vote, (30, 1)))
        assert queries.votes_of(session, workshop_id="w-votes", participant_id=1) == [10, 20]
        session.rollback()
    with db.reader() as session:
        assert queries.votes_of(session, workshop_id="w-votes", participant_id=1) == [10, 30]
