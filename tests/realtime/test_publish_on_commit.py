"""Check, do, commit, then publish, inside app/actions: a write made outside any request is
delivered live, and one whose publish never happened (the process died just after its commit)
still reaches every screen, from the record."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.actions.cards import NewCard, add_card
from app.actions.runner import Writer, standalone_writer
from app.domain.rules import Actor, CardKind, Role
from app.realtime.hub import Subscriber
from app.realtime.json_stream import JsonRenderer
from app.web import live
from tests.conftest import Clock, make_settings
from tests.factories import Room, create_room, move

HOUR = 3600.0


def card_by(author_id: int, text: str):  # type: ignore[no-untyped-def]
    actor = Actor(author_id, Role.facilitator)
    return lambda session, workshop, now: add_card(
        session, workshop, actor=actor, new=NewCard(CardKind.context, text), now=now
    )


async def next_event(sub: Subscriber, hub) -> dict:  # type: ignore[no-untyped-def]
    import json

    async for text in hub.frames(sub):
        frame = json.loads(text)
        if frame["seq"] is not None:
            return frame
    raise AssertionError("the stream ended")


@pytest.fixture
async def quiet_app(
    tmp_path: Path, database_url: str, clock: Clock
) -> AsyncIterator[tuple[object, httpx.AsyncClient]]:
    """The app with its heal sweep an hour apart: only a publish can deliver in time."""
    from app.main import create_app

    application = create_app(
        make_settings(tmp_path, database_url, presence_ttl_s=3 * HOUR), clock=clock
    )
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application, http


async def room_in_context(http: httpx.AsyncClient) -> Room:
    room = await create_room(http)
    await move(http, room, "context")
    return room


async def test_a_write_outside_any_request_is_delivered_live(
    quiet_app: tuple[object, httpx.AsyncClient],
) -> None:
    application, http = quiet_app
    svc = application.state.services  # type: ignore[attr-defined]
    room = await room_in_context(http)
    head = (await http.get(f"/api/v1/workshops/{room.id}", headers=room.facilitator.headers)).json()
    sub = Subscriber(room.id, Actor(room.facilitator.id, Role.facilitator), JsonRenderer())
    sub.last_seq = head["seq"]
    async with svc.hub.subscription(sub):
        # As a background loop or a job would: no request, no route, just the writer.
        outcome = await svc.writer.run(
            workshop_id=room.id, apply=card_by(room.facilitator.id, "from a job")
        )
        assert outcome.status == 201
        frame = await asyncio.wait_for(next_event(sub, svc.hub), 30)
    assert frame["type"] == "card.added" and frame["data"]["text"] == "from a job"
    assert frame["seq"] == head["seq"] + 1


class Crash(Exception):
    """The process dying between the commit and the publish."""


async def crash(workshop_id: str, events: list[dict]) -> None:
    raise Crash


async def test_a_crash_between_commit_and_publish_loses_no_event(
    tmp_path: Path, database_url: str, clock: Clock
) -> None:
    from app.main import create_app

    # A sweep every 0.2 s: the heal sweep is what finds the event nobody published.
    application = create_app(make_settings(tmp_path, database_url, presence_ttl_s=0.6), clock=clock)
    async with application.router.lifespan_context(application):
        svc = application.state.services
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            room = await room_in_context(http)
            me = Actor(room.facilitator.id, Role.facilitator)
            head = (
                await http.get(f"/api/v1/workshops/{room.id}", headers=room.facilitator.headers)
            ).json()["seq"]
            sub = Subscriber(room.id, me, JsonRenderer())
            sub.last_seq = head
            dying = Writer(db=svc.db, publish=crash, clock=clock)
            async with svc.hub.subscription(sub):
                with pytest.raises(Crash):
                    await dying.run(workshop_id=room.id, apply=card_by(me.id, "committed"))
                dying.close()  # its connection goes back before the app's database does
                # A screen already connected gets it from the heal sweep...
                frame = await asyncio.wait_for(next_event(sub, svc.hub), 30)
                assert (frame["seq"], frame["data"]["text"]) == (head + 1, "committed")
            # ...and one that reconnects with `since` gets it from the replay.
            state, page = await asyncio.to_thread(live._start, svc, room.id, me, head)
            assert state is None and [(e["seq"], e["data"]["text"]) for e in page] == [
                (head + 1, "committed")
            ]


@pytest.mark.redis
async def test_a_process_serving_no_sockets_is_heard_through_the_broker(
    tmp_path: Path, database_url: str, clock: Clock, redis_url: str
) -> None:
    """A CLI or a cron job writes from a process of its own; every server's rooms hear of it
    through the broker at once, not at the next heal sweep."""
    from app.main import create_app

    settings = make_settings(tmp_path, database_url, redis_url=redis_url, presence_ttl_s=3 * HOUR)
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        svc = application.state.services
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            room = await room_in_context(http)
            head = (
                await http.get(f"/api/v1/workshops/{room.id}", headers=room.facilitator.headers)
            ).json()["seq"]
            sub = Subscriber(room.id, Actor(room.facilitator.id, Role.facilitator), JsonRenderer())
            sub.last_seq = head
            async with svc.hub.subscription(sub):

                async def job() -> int:
                    async with standalone_writer(settings) as writer:
                        outcome = await writer.run(
                            workshop_id=room.id, apply=card_by(room.facilitator.id, "from cron")
                        )
                        return outcome.status

                # Its own thread and event loop, as its own process would have.
                result: list[int] = []
                thread = threading.Thread(target=lambda: result.append(asyncio.run(job())))
                thread.start()
                await asyncio.to_thread(thread.join)
                assert result == [201]
                frame = await asyncio.wait_for(next_event(sub, svc.hub), 30)
    assert (frame["seq"], frame["data"]["text"]) == (head + 1, "from cron")
