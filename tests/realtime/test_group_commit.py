"""The writer's group commit keeps each write's own guarantees: a workshop's writes are numbered
in the order they came, a refused write in a group changes nothing, and a failed commit fails
every write it held. The first write of each test is held open until the rest have queued, so
they are sure to share one commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.actions.cards import NewCard, add_card
from app.actions.group_commit import IDLE_S, TransactionLost
from app.actions.runner import Writer
from app.db.engine import Database
from app.domain.errors import RuleError
from app.domain.rules import Actor, CardKind, Role
from app.web.errors import DATABASE_DOWN, database_unavailable
from tests.conftest import POSTGRES_URL, drop_schema, postgres_database
from tests.factories import Room, create_room, move, state
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.asyncio


def card_by(author_id: int, text: str, *, then_refuse: bool = False, gate=None):  # type: ignore[no-untyped-def]
    actor = Actor(author_id, Role.facilitator)

    def apply(session, workshop, now):  # type: ignore[no-untyped-def]
        if gate is not None:
            gate.wait(30)
        answer = add_card(
            session, workshop, actor=actor, new=NewCard(CardKind.context, text), now=now
        )
        if then_refuse:
            # Refused after it had written its card: the savepoint must take the card back.
            raise RuleError("Refused on purpose, after writing.")
        return answer

    return apply


async def rooms(client: httpx.AsyncClient, n: int) -> list[Room]:
    made = [await create_room(client) for _ in range(n)]
    for room in made:
        await move(client, room, "context")
    return made


async def queued_behind_a_held_write(app, client, writes):  # type: ignore[no-untyped-def]
    """Run `writes` (workshop id, apply) through the app's writer while a first write is held,
    so they all queue, then let it go; each write's outcome or error, in order."""
    svc = app.state.services
    # One lane, so the held write holds up every other (PostgreSQL's several lanes each keep
    # the same guarantees for the workshops they hold).
    writer = Writer(db=svc.db, publish=svc.hub.publish, clock=svc.clock, lanes=1)
    holder = (await rooms(client, 1))[0]
    gate = threading.Event()
    held = asyncio.ensure_future(
        writer.run(workshop_id=holder.id, apply=card_by(holder.facilitator.id, "held", gate=gate))
    )
    await asyncio.sleep(0.2)  # the writer thread has taken it and waits at the gate
    before = writer.group_commits[0].groups
    tasks = [asyncio.ensure_future(writer.run(workshop_id=w, apply=a)) for w, a in writes]
    await asyncio.sleep(0.05)
    gate.set()
    results = await asyncio.gather(held, *tasks, return_exceptions=True)
    writer.close()  # its thread gives its connection back before the app's database goes
    return results[1:], writer.group_commits[0].groups - before


async def test_a_workshops_writes_keep_their_order_in_one_commit(app, client) -> None:  # type: ignore[no-untyped-def]
    first, second = await rooms(client, 2)
    writes = []
    for i in range(20):
        for room in (second, first) if i % 2 else (first, second):
            writes.append((room.id, card_by(room.facilitator.id, f"{room.id} card {i}")))
    outcomes, commits = await queued_behind_a_held_write(app, client, writes)
    assert all(not isinstance(o, BaseException) for o in outcomes), outcomes
    # The held write's commit, then one commit for all forty.
    assert commits == 2
    for room in (first, second):
        seen = await state(client, room, room.facilitator)
        texts = [c["text"] for c in sorted(seen["cards"], key=lambda c: c["id"])]
        assert texts == [f"{room.id} card {i}" for i in range(20)]
        ours = [o for o in outcomes if o.workshop_id == room.id]
        seqs = [o.events[0]["seq"] for o in ours]
        assert seqs == list(range(seqs[0], seqs[0] + 20)), "numbered in the order they came"
        assert seqs[-1] == seen["seq"]


async def three_writes_in_one_group(app, client, middle):  # type: ignore[no-untyped-def]
    """A room, its head, and three cards queued together: "first", `middle(author)`, "last";
    their outcomes, and how many commits the writer made."""
    (room,) = await rooms(client, 1)
    head = (await state(client, room, room.facilitator))["seq"]
    fac = room.facilitator.id
    outcomes, commits = await queued_behind_a_held_write(
        app,
        client,
        [
            (room.id, card_by(fac, "first")),
            (room.id, middle(fac)),
            (room.id, card_by(fac, "last")),
        ],
    )
    return room, head, outcomes, commits


async def test_a_refused_write_in_a_group_changes_nothing(app, client) -> None:  # type: ignore[no-untyped-def]
    room, head, outcomes, commits = await three_writes_in_one_group(
        app, client, lambda fac: card_by(fac, "refused", then_refuse=True)
    )
    assert commits == 2  # the held write's, then one for the three
    first, refused, last = outcomes
    assert isinstance(refused, RuleError) and "on purpose" in str(refused)
    seen = await state(client, room, room.facilitator)
    assert [c["text"] for c in seen["cards"]] == ["first", "last"]
    # No gap where the refused write's event would have been.
    assert [first.events[0]["seq"], last.events[0]["seq"]] == [head + 1, head + 2]
    assert seen["seq"] == head + 2


class CommitFailed(Exception):
    pass


def card_then_failed_commit(author_id: int, text: str):  # type: ignore[no-untyped-def]
    """A card whose group's commit then fails, as on a full disk."""
    write = card_by(author_id, text)

    def apply(session, workshop, now):  # type: ignore[no-untyped-def]
        # On the connection, where the database's COMMIT is sent (a savepoint's release is
        # another event): the writer may keep its connection for the next group.
        connection = session.connection()

        def refuse(_connection):  # type: ignore[no-untyped-def]
            event.remove(connection, "commit", refuse)
            raise CommitFailed("the disk is full")

        event.listen(connection, "commit", refuse)
        return write(session, workshop, now)

    return apply


async def test_a_failed_commit_fails_every_write_it_held(app, client) -> None:  # type: ignore[no-untyped-def]
    room, head, outcomes, _ = await three_writes_in_one_group(
        app, client, lambda fac: card_then_failed_commit(fac, "middle")
    )
    assert all(isinstance(o, CommitFailed) for o in outcomes), outcomes
    seen = await state(client, room, room.facilitator)
    assert seen["cards"] == [] and seen["seq"] == head
    # The writer carries on: the next write commits as usual.
    after = await app.state.services.writer.run(
        workshop_id=room.id, apply=card_by(room.facilitator.id, "next")
    )
    assert after.events[0]["seq"] == head + 1


def card_then_transaction_lost(author_id: int, text: str):  # type: ignore[no-untyped-def]
    """A card, then an error after which the database has rolled the whole transaction back by
    itself, savepoints and all, as SQLite does when it runs out of file handles (the bench's
    19,500 sockets once did: "unable to open database file")."""
    write = card_by(author_id, text)

    def apply(session, workshop, now):  # type: ignore[no-untyped-def]
        write(session, workshop, now)  # written, then lost with the transaction
        session.connection().connection.dbapi_connection.rollback()
        cause = sqlite3.OperationalError("unable to open database file")
        raise OperationalError("INSERT INTO search_text ...", {}, cause)

    return apply


async def test_a_transaction_the_database_ended_itself_fails_every_write_it_held(
    app, client
) -> None:  # type: ignore[no-untyped-def]
    room, head, outcomes, _ = await three_writes_in_one_group(
        app, client, lambda fac: card_then_transaction_lost(fac, "middle")
    )
    # "first" went with the transaction: it must not answer that it was saved, and "last"
    # must not commit on its own behind it (its seq would repeat first's).
    assert all(isinstance(o, TransactionLost) for o in outcomes), outcomes
    assert all(isinstance(o, DATABASE_DOWN) and database_unavailable(o) for o in outcomes)
    seen = await state(client, room, room.facilitator)
    assert seen["cards"] == [] and seen["seq"] == head
    after = await app.state.services.writer.run(
        workshop_id=room.id, apply=card_by(room.facilitator.id, "next")
    )
    assert after.events[0]["seq"] == head + 1


async def test_a_writer_thread_that_dies_answers_its_group_and_the_next_write_goes_through(
    app, client
) -> None:  # type: ignore[no-untyped-def]
    (room,) = await rooms(client, 1)
    fac = room.facilitator.id

    def dies(session, workshop, now):  # type: ignore[no-untyped-def]
        raise SystemExit("the thread is stopped mid-write")

    writer = app.state.services.writer
    # Bounded waits: a writer that never answers fails here instead of hanging the suite.
    with pytest.raises(RuntimeError, match="database writer stopped"):
        await asyncio.wait_for(writer.run(workshop_id=room.id, apply=dies), 30)
    after = await asyncio.wait_for(
        writer.run(workshop_id=room.id, apply=card_by(fac, "still writing")), 30
    )
    assert after.status == 201
    seen = await state(client, room, room.facilitator)
    assert [c["text"] for c in seen["cards"]] == ["still writing"]


@pytest.fixture
def own_writer(app):  # type: ignore[no-untyped-def]
    """Writers of one lane on the app's database, each thread ending after `idle_s` idle; any
    still running are closed when the test ends, so no connection outlives it."""
    svc = app.state.services
    made: list[Writer] = []

    def make(idle_s: float) -> Writer:
        writer = Writer(db=svc.db, publish=svc.hub.publish, clock=svc.clock, lanes=1)
        writer.group_commits[0].idle_s = idle_s
        made.append(writer)
        return writer

    yield make
    for writer in made:
        writer.close()


def checkouts(db):  # type: ignore[no-untyped-def]
    """A list that grows by one with each connection the pool hands out."""
    taken: list[int] = []
    event.listen(db.engine.pool, "checkout", lambda *_: taken.append(1))
    return taken


async def test_the_writer_keeps_its_connection_and_gives_it_back_when_it_stops(
    app, client, own_writer
) -> None:  # type: ignore[no-untyped-def]
    (room,) = await rooms(client, 1)
    svc = app.state.services
    writer = own_writer(idle_s=0.2)
    lane = writer.group_commits[0]
    taken = checkouts(svc.db)
    for n in range(5):
        await writer.run(workshop_id=room.id, apply=card_by(room.facilitator.id, f"card {n}"))
    # The pool's check-out and check-in were a quarter of a card's write on SQLite, and on
    # PostgreSQL a round trip more (the pre-ping) and a fifth of its CPU.
    assert len(taken) == 1
    # The app's own writer may hold one too; this lane's is the one that must go back.
    held = svc.db.engine.pool.checkedout()
    for _ in range(200):
        if not lane._running:
            break
        await asyncio.sleep(0.05)
    assert not lane._running
    assert svc.db.engine.pool.checkedout() == held - 1  # the idle thread gave it back


# Only a server's session can be ended from outside.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_kept_connection_the_server_ended_is_replaced_before_a_write_fails(
    app, client, own_writer
) -> None:  # type: ignore[no-untyped-def]
    """A restart or an administrator's terminate ends the writer's session between writes; the
    next write must not be the one that finds out (the pool's pre-ping used to see to that)."""
    (room,) = await rooms(client, 1)
    svc = app.state.services
    writer = own_writer(idle_s=120)
    fac = room.facilitator.id
    pids: list[int] = []

    def card_and_backend(session, workshop, now):  # type: ignore[no-untyped-def]
        pids.append(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        return card_by(fac, "before")(session, workshop, now)

    await writer.run(workshop_id=room.id, apply=card_and_backend)
    killer = sa.create_engine(POSTGRES_URL)
    try:
        with killer.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pids[0])})")
            for _ in range(200):  # until that backend has gone, its socket closed
                gone = other.exec_driver_sql(
                    f"SELECT count(*) FROM pg_stat_activity WHERE pid = {int(pids[0])}"
                ).scalar_one()
                if not gone:
                    break
                await asyncio.sleep(0.05)
    finally:
        killer.dispose()
    taken = checkouts(svc.db)
    after = await writer.run(workshop_id=room.id, apply=card_and_backend)
    assert after.status == 201
    assert len(taken) == 1 and pids[1] != pids[0]
    seen = await state(client, room, room.facilitator)
    assert [c["text"] for c in seen["cards"]] == ["before", "before"]


async def test_a_kept_connection_that_broke_is_replaced(app, client, own_writer) -> None:  # type: ignore[no-untyped-def]
    (room,) = await rooms(client, 1)
    svc = app.state.services
    writer = own_writer(idle_s=IDLE_S)

    def breaks(session, workshop, now):  # type: ignore[no-untyped-def]
        session.connection().invalidate()  # as when the database drops it mid-write
        raise OperationalError("SELECT 1", {}, Exception("the connection was closed"))

    with pytest.raises(OperationalError):
        await writer.run(workshop_id=room.id, apply=breaks)
    taken = checkouts(svc.db)
    after = await writer.run(workshop_id=room.id, apply=card_by(room.facilitator.id, "next"))
    assert after.status == 201
    assert len(taken) == 1  # a fresh one from the pool, on SQLite too
    seen = await state(client, room, room.facilitator)
    assert [c["text"] for c in seen["cards"]] == ["next"]


async def test_after_a_failed_commit_the_same_writer_writes_again(app, client, own_writer) -> None:  # type: ignore[no-untyped-def]
    (room,) = await rooms(client, 1)
    writer = own_writer(idle_s=120)  # the same thread, and on SQLite the same connection
    fac = room.facilitator.id
    with pytest.raises(CommitFailed):
        await asyncio.wait_for(
            writer.run(workshop_id=room.id, apply=card_then_failed_commit(fac, "lost")), 30
        )
    # SQLAlchemy sends no ROLLBACK after a COMMIT that failed: a kept connection left inside
    # its transaction would refuse every write after it ("cannot start a transaction within a
    # transaction") and hold SQLite's write lock.
    after = await asyncio.wait_for(writer.run(workshop_id=room.id, apply=card_by(fac, "next")), 30)
    assert after.status == 201
    seen = await state(client, room, room.facilitator)
    assert [c["text"] for c in seen["cards"]] == ["next"]


async def test_closing_the_writer_ends_its_threads_and_gives_their_connections_back(
    app, client, own_writer
) -> None:  # type: ignore[no-untyped-def]
    (room,) = await rooms(client, 1)
    svc = app.state.services
    writer = own_writer(idle_s=120)  # only close() ends it
    lane = writer.group_commits[0]
    fac = room.facilitator.id
    await writer.run(workshop_id=room.id, apply=card_by(fac, "before"))
    held = svc.db.engine.pool.checkedout()
    # Queued behind a slow write, this one is still committed before the thread ends.
    gate = threading.Event()
    slow = asyncio.ensure_future(
        writer.run(workshop_id=room.id, apply=card_by(fac, "slow", gate=gate))
    )
    queued = asyncio.ensure_future(writer.run(workshop_id=room.id, apply=card_by(fac, "queued")))
    await asyncio.sleep(0.2)
    closing = asyncio.ensure_future(asyncio.to_thread(writer.close))
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.wait_for(closing, 30)
    assert (await slow).status == 201 and (await queued).status == 201
    assert not lane._running and not lane._thread.is_alive()
    assert svc.db.engine.pool.checkedout() == held - 1
    after = await asyncio.wait_for(writer.run(workshop_id=room.id, apply=card_by(fac, "after")), 30)
    assert after.status == 201  # a new thread
    writer.close()


async def no_publish(workshop_id: str, events: list[dict]) -> None:
    pass


def one_round_trip(session, workshop, now):  # type: ignore[no-untyped-def]
    session.connection().exec_driver_sql("SELECT 1")
    return 200, {}, []


@pytest.mark.postgres
async def test_a_kept_connection_whose_server_vanished_without_a_word_is_checked_first() -> None:
    """A host that reboots, or an address that moves to another, says nothing: the old socket
    hears nothing until the next write is sent on it, and that gets a reset. A kept connection
    that has waited `writer_idle_s` is checked the pool's way first, so the write succeeds."""
    pg = postgres_database()
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    db = Database(pg.url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
    db.writer_idle_s = 0.2
    writer = Writer(db=db, publish=no_publish, lanes=1)
    writer.group_commits[0].idle_s = 120  # the thread, and its connection, stay
    try:
        assert (await writer.run(workshop_id=None, apply=one_round_trip)).status == 200
        await proxy.vanish()
        await asyncio.sleep(0.3)  # longer than writer_idle_s
        await proxy.restore()
        assert (await writer.run(workshop_id=None, apply=one_round_trip)).status == 200
    finally:
        await asyncio.to_thread(writer.close)
        db.dispose()
        await proxy.stop()
        drop_schema(pg.schema)
