"""What routes depend on: the app's services, who is calling, and the write path."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from ..actions.base import Apply, IdempotencyKey, Outcome
from ..actions.runner import BeforePublish, Writer
from ..actions.state import Boards, state_for
from ..db import account_queries as aq
from ..db import queries
from ..db.engine import Database
from ..domain.events import ParticipantRemoved
from ..domain.rules import Actor, Role
from ..realtime.hub import Hub
from ..security import check_csrf, hash_secret, session_cookie_name, unsign_session
from ..settings import Settings
from .errors import ApiError, RateLimited
from .json_response import JSONResponse
from .ratelimit import Limiter

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IDEMPOTENCY_KEY_MAX = 200
DEACTIVATED_SEAT = (
    "Your account has been deactivated, so you can no longer run this peer assist. "
    "Ask an admin to turn it back on."
)


@dataclass(frozen=True)
class Identity:
    """Who a token proves: fixed when the participant joins, until it is withdrawn."""

    id: int
    role: Role
    name: str
    workshop_id: str


class KnownTokens:
    """Tokens this worker has already proven, by their hash.

    Every request names its caller, and looking the token up cost more than the card it
    carried. A participant's id, role and workshop never change, so a proven token stays
    proven until it is withdrawn: the facilitator removes the participant, or the workshop is
    deleted. Withdrawals are rare, and each one reaches every worker through the hub
    (realtime/access.py, applied here by `forget`): the worker that withdrew forgets before
    it answers, the others as soon as the broker delivers. A worker that cannot hear the broker
    could miss one, so while it is deaf it trusts nothing remembered (`caller_for`), and when
    it hears again it forgets everything. Live connections are admitted from the database.
    Unknown tokens are never remembered: someone who just joined must work at once.
    """

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._known: dict[str, Identity] = {}
        # Each person's remembered tokens, so withdrawing one needs no scan of them all (an
        # account deactivated withdraws every seat it held, one by one).
        self._of: dict[tuple[str, int], set[str]] = {}
        # How many withdrawals this worker has applied. A token looked up in the database
        # while one arrived may have been read before it committed: it is not remembered.
        self.forgotten = 0

    def get(self, token_hash: str) -> Identity | None:
        return self._known.get(token_hash)

    def add(self, token_hash: str, identity: Identity, *, forgotten: int) -> None:
        """Remember a token proven by a lookup that began when `forgotten` was current."""
        if forgotten != self.forgotten:
            return
        if len(self._known) >= self.size and token_hash not in self._known:
            # Oldest first: a full table loses the tokens of meetings long over.
            self._drop(next(iter(self._known)))
        self._known[token_hash] = identity
        self._of.setdefault((identity.workshop_id, identity.id), set()).add(token_hash)

    def _drop(self, token_hash: str) -> None:
        identity = self._known.pop(token_hash)
        key = (identity.workshop_id, identity.id)
        self._of[key].discard(token_hash)
        if not self._of[key]:
            del self._of[key]

    def forget(self, workshop_id: str | None, participant_id: int | None = None) -> None:
        """Forget a participant's token, a whole workshop's (None), or every token (None, None)."""
        self.forgotten += 1
        if workshop_id is None:
            self._known.clear()
            self._of.clear()
            return
        people = (
            [(workshop_id, participant_id)]
            if participant_id is not None
            else [key for key in self._of if key[0] == workshop_id]
        )
        for key in people:
            for token_hash in self._of.pop(key, ()):
                del self._known[token_hash]


@dataclass
class Services:
    settings: Settings
    db: Database
    hub: Hub
    clock: Callable[[], datetime]
    limiter: Limiter
    known_tokens: KnownTokens = field(default_factory=KnownTokens)
    boards: Boards = field(default_factory=Boards)
    writer: Writer = field(init=False)

    def __post_init__(self) -> None:
        # Every write, from a route or not, goes through this: commit, then publish.
        self.writer = Writer(
            db=self.db,
            publish=self.hub.publish,
            clock=self.clock,
            history=self.settings.event_history,
            secret_key=self.settings.secret_key,
        )


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain def dependency on the thread pool, a hand-over per request.
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True)
class Caller:
    """The participant behind a request, proven by a bearer token or a session cookie."""

    id: int
    role: Role
    name: str
    workshop_id: str
    token: str
    by_cookie: bool

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role)


def presented_token(
    settings: Settings, workshop_id: str, connection: HTTPConnection
) -> tuple[str | None, bool]:
    """The bearer token if one is sent, else the one in this workshop's session cookie (the
    cookies are parsed only then)."""
    authorization = connection.headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(
                "Send the token as 'Authorization: Bearer <token>'.",
                status=401,
                code="unauthorized",
            )
        return token.strip(), False
    cookie = connection.cookies.get(session_cookie_name(workshop_id))
    if cookie:
        return unsign_session(settings.secret_key, cookie), True
    return None, False


def identify(db: Database, *, workshop_id: str, token_hash: str) -> Identity:
    """The participant behind a token, from the database: 401 unknown, 403 another workshop."""
    with db.reader() as session:
        participant = queries.participant_by_token(session, token_hash=token_hash)
        if participant is None:
            # A deleted workshop answers 404 on every route, whatever the token.
            queries.get_workshop(session, workshop_id=workshop_id)
            raise ApiError(
                "That token is not valid. Join again with your invite link.",
                status=401,
                code="unauthorized",
            )
        if participant.workshop_id != workshop_id:
            queries.get_workshop(session, workshop_id=workshop_id)  # 404 when it does not exist
            raise ApiError(
                "Your token belongs to another peer assist.", status=403, code="forbidden"
            )
        if participant.account_id is not None:
            account = aq.get_account(session, account_id=participant.account_id)
            if account is not None and not account.active:
                # A seat that came with an account goes with it (withdraw_deactivated), and
                # works again if the account is made active again.
                raise ApiError(DEACTIVATED_SEAT, status=403, code="account_inactive")
        assert participant.id is not None
        return Identity(
            participant.id, Role(participant.role), participant.name, participant.workshop_id
        )


async def workshop_found(services: Services, workshop_id: str) -> None:
    """Raises NotFound (404) when the workshop is not there: deleted, or never was."""

    def look() -> None:
        with services.db.reader() as session:
            queries.get_workshop(session, workshop_id=workshop_id)

    await run_in_threadpool(look)


def is_account_token(settings: Settings, token: str) -> bool:
    """An account's bearer token (a personal token or ADMIN_TOKEN), not a participant's."""
    admin = settings.admin_token
    return token.startswith("pat_") or bool(
        admin and hmac.compare_digest(token.encode(), admin.encode())
    )


async def caller_for(
    services: Services,
    *,
    workshop_id: str,
    token: str | None,
    by_cookie: bool,
) -> Caller:
    """Who is calling: from the tokens already proven here, else from the database.

    A live connection proves itself the same way, then asks the database once more after it
    has subscribed, so a withdrawal cannot slip in between (see web/live.py)."""
    if not token:
        # A deleted or unknown peer assist answers 404 whoever asks (API.md), not "join first".
        # Looked up only here and for an account's token: a participant's proves it anyway.
        await workshop_found(services, workshop_id)
        raise ApiError(
            "Join the peer assist first: this needs a participant's token.",
            status=401,
            code="unauthorized",
        )
    token_hash = hash_secret(token)
    identity = None if not services.hub.hearing else services.known_tokens.get(token_hash)
    if identity is None and is_account_token(services.settings, token):
        await workshop_found(services, workshop_id)
        raise ApiError(
            "This needs a participant's token. An owner gets one from My peer assists "
            "(or POST /api/v1/workshops/{id}/console).",
            status=403,
            code="account_token",
        )
    if identity is None or identity.workshop_id != workshop_id:
        forgotten = services.known_tokens.forgotten
        identity = await run_in_threadpool(
            identify, services.db, workshop_id=workshop_id, token_hash=token_hash
        )
        services.known_tokens.add(token_hash, identity, forgotten=forgotten)
    return Caller(identity.id, identity.role, identity.name, identity.workshop_id, token, by_cookie)


async def get_caller(request: Request, workshop_id: str) -> Caller:
    services: Services = request.app.state.services
    token, by_cookie = presented_token(services.settings, workshop_id, request)
    caller = await caller_for(services, workshop_id=workshop_id, token=token, by_cookie=by_cookie)
    if request.method not in UNSAFE_METHODS:
        return caller
    if by_cookie:
        # A cookie rides along on any request the browser makes; the CSRF token proves the
        # request came from our own page.
        presented = request.headers.get("x-csrf-token")
        if not check_csrf(services.settings.secret_key, caller.token, presented):
            raise ApiError(
                "This form has expired or came from another site; reload the page.",
                status=403,
                code="csrf_failed",
            )
    # Counted before anything is checked or written, so a refused write changes nothing.
    wait = await services.limiter.hit("participant_write", str(caller.id))
    if wait is not None:
        raise RateLimited(
            "You are making changes faster than anyone could by hand; "
            f"wait {math.ceil(wait)} seconds and try again.",
            retry_after_s=wait,
        )
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def participant_scope(caller: Caller) -> str:
    """Where a participant's Idempotency-Keys live: a key repeats only for the same person."""
    return f"participant:{caller.id}"


def address_scope(kind: str, workshop_id: str, request: Request) -> str:
    """Where the Idempotency-Keys of someone not yet known live (a join, a knock at the lobby):
    their address's, as nobody else's key may replay their answer (a participant's token)."""
    return f"{kind}:{workshop_id}:{client_address(request)}"


def owner_scope(workshop_id: str, account_id: int) -> str:
    """Where an account's Idempotency-Keys on one peer assist live. Its own, never shared by
    the peer assist's owners: a stored answer is replayed before the write's rules are checked,
    so another account's key would hand over that account's answer (a facilitator token)."""
    return f"owners:{workshop_id}:{account_id}"


async def withdraw_access(
    services: Services,
    workshop_id: str,
    participant_id: int | None = None,
    reason: str | None = None,
) -> None:
    """After a commit that removed a participant (or, None, deleted the workshop): their tokens
    stop working and their live connections close, on every worker."""
    await services.hub.access.withdraw(workshop_id, participant_id, reason)


async def withdraw_deactivated(services: Services, account_id: int) -> None:
    """After a commit that may have deactivated the account: if it did, the facilitator seats
    it holds stop working on every worker, as a removed participant's do."""

    def seats() -> list[tuple[str, int]]:
        with services.db.reader() as session:
            account = aq.get_account(session, account_id=account_id)
            if account is None or account.active:
                return []
            return [(s.workshop_id, s.id) for s in aq.seats_of(session, account_id=account_id)]

    for workshop_id, participant_id in await run_in_threadpool(seats):
        await withdraw_access(services, workshop_id, participant_id, DEACTIVATED_SEAT)


def client_address(request: Request) -> str:
    """The caller's address. Behind a proxy, uvicorn puts the X-Forwarded-For address here,
    but only when the proxy's own address is listed in FORWARDED_ALLOW_IPS: anyone else could
    name any address they like in that header."""
    return request.client.host if request.client else "unknown"


async def participant_state(services: Services, workshop_id: str, viewer: Actor) -> dict:
    """The workshop's state as this participant sees it, with who is online now."""

    def read() -> dict:
        with services.db.reader() as session:
            workshop = queries.get_workshop(session, workshop_id=workshop_id)
            return state_for(
                session,
                workshop=workshop,
                viewer=viewer,
                now=services.clock(),
                boards=services.boards,
            )

    state = await run_in_threadpool(read)
    state["presence"] = await services.hub.presence_of(workshop_id)
    return state


async def idempotency_key(request: Request, scope: str) -> IdempotencyKey | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not key.strip() or len(key) > IDEMPOTENCY_KEY_MAX or "\x00" in key:
        raise ApiError(
            f"An Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters.",
            status=400,
            code="bad_idempotency_key",
        )
    return IdempotencyKey.of(
        scope=scope,
        key=key,
        method=request.method,
        path=request.url.path,
        body=await request.body(),
    )


async def perform(
    request: Request,
    services: Services,
    *,
    workshop_id: str | None,
    apply: Apply,
    scope: str,
    before_publish: BeforePublish | None = None,
    form_key: str | None = None,
) -> Outcome:
    """Parse the request's Idempotency-Key and hand the write to the writer, which commits it
    and then publishes its events (app/actions/runner.py). `form_key`: a page's form's own key
    (forms.once_key), for a form that cannot send the header."""
    idem = await idempotency_key(request, scope) if request.method == "POST" else None
    if idem is None and form_key is not None:
        # The key already holds a digest of what was typed; hashed again to fit its column.
        digest = hashlib.sha256(form_key.encode()).hexdigest()
        idem = IdempotencyKey(scope=scope, key=form_key, request_hash=digest)

    async def withdraw_then(outcome: Outcome) -> None:
        # Whoever a write took out loses access on every worker before any screen hears of
        # it: their token is forgotten and their live connections close.
        if outcome.workshop_id:
            for event in outcome.events:
                if event["type"] == ParticipantRemoved.type:
                    await withdraw_access(services, outcome.workshop_id, event["data"]["id"])
        if before_publish is not None:
            await before_publish(outcome)

    return await services.writer.run(
        workshop_id=workshop_id, apply=apply, idempotency=idem, before_publish=withdraw_then
    )


async def respond(
    request: Request,
    services: Services,
    *,
    workshop_id: str | None,
    apply: Apply,
    scope: str,
) -> JSONResponse:
    outcome = await perform(request, services, workshop_id=workshop_id, apply=apply, scope=scope)
    return JSONResponse(outcome.body, status_code=outcome.status)
