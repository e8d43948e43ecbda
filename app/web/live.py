"""The websocket path shared by every live view: admit, start from the record, then follow."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable

from fastapi import Response, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..actions.state import state_for
from ..db import lifecycle as lifecycle_db
from ..db import queries, replay
from ..domain.errors import RuleError
from ..domain.rules import Actor
from ..realtime.hub import Renderer, Subscriber, SubscriberLost
from ..realtime.uvicorn_ws import FRAMES
from .deps import Caller, Services, caller_for, presented_token
from .errors import DATABASE_DOWN, database_down_response, error_response
from .timing import with_timing

log = logging.getLogger(__name__)

REPLAY_PAGE = 1000
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
GOING_AWAY = 1001
UNSUPPORTED_DATA = 1003
NEEDS_BEARER = (
    "A session cookie opens the live connection only from a page, which sends an Origin "
    "header; a program sends 'Authorization: Bearer <token>'."
)
# The ASGI extension that lets a refused upgrade answer with an HTTP response of our own.
DENIAL = "websocket.http.response"


async def admit(websocket: WebSocket, svc: Services, workshop_id: str) -> Caller | None:
    """Check origin and credentials before the upgrade; refuse (401, 403, 404 or 503) and
    answer None if they fail."""
    origin = websocket.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in svc.settings.origins:
        await refuse(
            websocket,
            error_response(
                403,
                "This page's address may not open the live connection (ALLOWED_ORIGINS).",
                "forbidden",
            ),
        )
        return None
    cookie_without_origin = False
    try:
        token, by_cookie = presented_token(svc.settings, workshop_id, websocket)
        if origin is None and by_cookie:
            # Without an Origin we cannot tell a page from another site: require a bearer token.
            token, cookie_without_origin = None, True
        # A token proven here before is taken as is, as for HTTP: a withdrawal that this
        # worker has not heard of yet is caught by `_start`, which asks the database whether
        # the viewer is still in after subscribing (a crowd reconnecting at once saves one
        # database trip each).
        return await caller_for(svc, workshop_id=workshop_id, token=token, by_cookie=by_cookie)
    except RuleError as exc:
        # "Authenticated like HTTP" (API.md): the status HTTP gives the same credentials, 401
        # for none or a token nobody was given, 403 for another peer assist's, and 404 for a
        # workshop that is gone (caller_for looks it up for every refusal). A cookie without
        # an Origin has joined already: "join first" would send it round in a circle.
        detail = NEEDS_BEARER if cookie_without_origin and exc.status == 401 else exc.detail
        await refuse(websocket, error_response(exc.status, detail, exc.code))
        return None
    except DATABASE_DOWN:
        # 503 and Retry-After, as HTTP answers: by then the database may be back. (A close
        # before the upgrade reaches the client as a bare 403, which says not to retry.)
        await refuse(
            websocket,
            database_down_response(
                "The database is not answering right now. Please try again in a moment."
            ),
        )
        return None


async def refuse(websocket: WebSocket, answer: Response) -> None:
    """Refuse the upgrade with the HTTP answer any other route would give (API.md's error
    body); a server without the ASGI extension for it gets a close (1013 for a 503, else
    1008), which it sends as a bare 403."""
    if DENIAL in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(answer)
    else:
        await websocket.close(TRY_AGAIN_LATER if answer.status_code == 503 else POLICY_VIOLATION)


def _start(
    svc: Services, workshop_id: str, viewer: Actor, since: int | None
) -> tuple[dict | None, list[dict]]:
    """A snapshot, or the events after `since` when all of them are still kept."""
    # The reader sees one snapshot (REPEATABLE READ on PostgreSQL, see db/engine.py), so the
    # head and the cards read below agree.
    with svc.db.reader() as session:
        workshop = queries.get_workshop(session, workshop_id=workshop_id)
        # Read after subscribing: a withdrawal that the hub could not tell this connection
        # about (it came before the subscription) has committed by now, and shows here.
        if not lifecycle_db.is_present(session, workshop_id=workshop_id, participant_id=viewer.id):
            raise RuleError(
                "You are no longer in this peer assist.", status=401, code="unauthorized"
            )
        head = workshop.last_seq
        if since is not None and 0 <= since <= head:
            if since == head:
                return None, []
            oldest = queries.oldest_kept_seq(session, workshop_id=workshop_id)
            if oldest is not None and oldest <= since + 1:
                # Each event as the viewer may see it now, never old words (API.md).
                page = replay.replay_events(
                    session, workshop_id=workshop_id, after=since, limit=REPLAY_PAGE
                )
                return None, page
        # The snapshot is the same state GET answers, timing check included.
        state = state_for(
            session, workshop=workshop, viewer=viewer, now=svc.clock(), boards=svc.boards
        )
        return with_timing(svc, state), []


async def follow(
    websocket: WebSocket,
    svc: Services,
    *,
    workshop_id: str,
    viewer: Actor,
    renderer: Renderer,
    snapshot: Callable[[dict], str],
    since: int | None,
) -> None:
    """Send a snapshot or a replay, then live frames, until either side goes."""
    # Not caught up until its snapshot or replay is out (_pump).
    sub = Subscriber(
        workshop_id, viewer, renderer, limit=svc.settings.ws_send_queue, caught_up=False
    )
    live: set[WebSocket] = websocket.app.state.live_sockets
    live.add(websocket)
    try:
        async with svc.hub.subscription(sub):
            await _catch_up(websocket, svc, sub, snapshot, since)
            await _pump(websocket, svc, sub)
    except SubscriberLost:
        await close_quietly(websocket, TRY_AGAIN_LATER, "history moved on; reconnect")
    except RuleError as exc:  # the workshop or the viewer went while connecting
        await close_quietly(websocket, POLICY_VIOLATION, exc.detail[:120])
    except DATABASE_DOWN:
        log.warning("database unavailable for a live stream of %s", workshop_id)
        await close_quietly(websocket, TRY_AGAIN_LATER, "the database is not answering; retry")
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        live.discard(websocket)
        websocket.app.state.collector.closed()


async def _catch_up(
    websocket: WebSocket,
    svc: Services,
    sub: Subscriber,
    snapshot: Callable[[dict], str],
    since: int | None,
) -> None:
    state, page = await svc.db.read(_start, svc, sub.workshop_id, sub.viewer, since)
    if state is not None:
        state["presence"] = await svc.hub.presence_of(sub.workshop_id)
        sub.last_seq = state["seq"]
        await websocket.send_text(snapshot(state))
        return
    sub.last_seq = since or 0
    while page:
        for event in page:
            if event["seq"] != sub.last_seq + 1:
                raise SubscriberLost("history was pruned during the replay")
            sub.last_seq = event["seq"]
            await websocket.send_text(sub.renderer.render(event, sub.viewer))
        if len(page) < REPLAY_PAGE:
            break
        page = await svc.hub.fetch_events(sub.workshop_id, sub.last_seq, None)
    # A resumed stream has no snapshot to carry who is online, so say it once: after the
    # replay, which API.md has follow `since` directly.
    await websocket.send_text(
        sub.renderer.render_presence(await svc.hub.presence_of(sub.workshop_id))
    )


async def _pump(websocket: WebSocket, svc: Services, sub: Subscriber) -> None:
    """Read the client until it goes; send what the hub queued for it, when it queues any.

    An idle connection has one task, the one running this (thousands of sockets, each with
    a sender and a watcher task besides, cost more memory than their sockets). The hub writes
    most frames straight to the socket; the sender starts the first time something is
    queued (a full socket, a gap to fill, a socket without direct writes) or the subscriber
    is let go, and closes the socket when the hub lets it go."""
    direct = websocket.scope.get("extensions", {}).get(FRAMES)
    sender: asyncio.Task | None = None

    def news() -> None:
        nonlocal sender
        if sender is None:
            sender = asyncio.ensure_future(_send(websocket, svc, sub))
        elif sub.lost.is_set() and sub.sending and not sender.done():
            # Let go while its sender waits on a full socket, which a stuck reader never
            # drains: stop waiting and close (the close frame skips flow control).
            sender.cancel()
            sender = asyncio.ensure_future(_close(websocket, sub))

    sub.on_news = news
    sub.caught_up = True
    if direct is not None:
        # From here on the hub may write frames straight to the socket (see uvicorn_ws.py).
        sub.write = direct["write"]
    if not sub.queue.empty() or sub.lost.is_set():
        news()  # queued during the catch-up
    try:
        # Clients have nothing to say on this socket; reading notices when they leave. Text
        # is ignored; binary data is refused, as the protocol provides (1003). Frames that
        # break the protocol (bad UTF-8, too large, unmasked) are closed by uvicorn first.
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await close_quietly(websocket, UNSUPPORTED_DATA, "this socket takes no binary data")
                return
    finally:
        sub.write = None
        sub.on_news = None
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender


async def _send(websocket: WebSocket, svc: Services, sub: Subscriber) -> None:
    """The connection's queued frames, in order; then, once it is let go, its close."""
    try:
        async for text in svc.hub.frames(sub):
            await websocket.send_text(text)
    except SubscriberLost:
        pass
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        return  # the client went: the reader notices and ends the connection
    except DATABASE_DOWN:
        log.warning("database unavailable for a live stream of %s", sub.workshop_id)
    await _close(websocket, sub)


async def _close(websocket: WebSocket, sub: Subscriber) -> None:
    """Close a connection the hub let go. The client answers the close, or, stuck, is cut
    off after a grace (uvicorn_ws.py): either way the reader then sees the disconnect."""
    if sub.ended is not None:
        await close_quietly(websocket, *sub.ended)
        return
    # The client knows the last seq it got; the frames we sent may not all have arrived.
    await close_quietly(
        websocket, TRY_AGAIN_LATER, "too far behind; reconnect with since=<the last seq you got>"
    )


async def close_quietly(websocket: WebSocket, code: int, reason: str, timeout: float = 5.0) -> None:
    """Close if we still can; a peer that reads nothing may never take the close frame."""
    if websocket.application_state is WebSocketState.DISCONNECTED:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, reason), timeout)


async def close_all(live: set[WebSocket], code: int = GOING_AWAY) -> None:
    await asyncio.gather(
        *(close_quietly(ws, code, "server going away; reconnect with since") for ws in list(live))
    )


def parse_since(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    # Digits as written in ASCII only: Python's int() also takes "+5", " 5 " and other
    # scripts' digits, which no client means as a seq. A minus sign stays a number (it then
    # asks for a snapshot, as any seq the server cannot replay from does).
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise ValueError("since must be a whole number")
    if len(raw) > 18:
        # Past any head (or below 0): a snapshot follows, as API.md says. int() would refuse
        # 4,300 digits and more.
        return -1 if raw.startswith("-") else 10**18
    return int(raw)
