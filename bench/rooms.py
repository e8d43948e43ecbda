"""The rooms of a run: workshops created and receivers joined before any timing, and the specs
the generator gets for each receiver (which socket, which headers) and each writer."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import httpx

from .servers import BENCH_ADMIN_TOKEN, NotAvailable, Server


# --- rooms ---------------------------------------------------------------------------------------
@dataclass
class Room:
    index: int
    workshop_id: str
    writer_token: str
    tokens: list[str]
    clients: int = 0  # receivers; they share the tokens round-robin when there are fewer


class ApiError(RuntimeError):
    pass


async def api(client: httpx.AsyncClient, method: str, url: str, **kw) -> dict:
    """One setup call; retries 429 and connection trouble a bounded number of times."""
    last = ""
    for attempt in range(30):
        try:
            r = await client.request(method, url, **kw)
        except httpx.TransportError as exc:
            last = repr(exc)
            await asyncio.sleep(min(2.0, 0.1 * (attempt + 1)))
            continue
        if r.status_code == 429:
            last = r.text[:200]
            await asyncio.sleep(min(5.0, float(r.headers.get("retry-after", 0.5) or 0.5)))
            continue
        if r.status_code >= 400:
            raise ApiError(f"{method} {url} → {r.status_code}: {r.text[:300]}")
        return r.json()
    raise ApiError(f"{method} {url} kept failing: {last}")


async def setup_rooms(
    server: Server, rooms: int, clients: int, concurrency: int = 12, tokens: int | None = None
) -> list[Room]:
    """Create the workshops and join the receivers as visitors (before any timing): one token
    each, or `tokens` per room shared round-robin (one person, several tabs)."""
    if server.arm.kind == "bare":
        return [Room(i, f"w{i}", "bare", ["bare"], clients) for i in range(rooms)]
    n_tokens = min(clients, tokens or clients)
    sem = asyncio.Semaphore(concurrency)
    base = server.http_bases[0]
    async with httpx.AsyncClient(base_url=base, timeout=30, trust_env=False) as c:

        async def create(i: int) -> Room:
            async with sem:
                body = {
                    "title": f"Bench room {i}",
                    "problem": "How fast is the room?",
                    "duration_minutes": 90,
                    "facilitator_name": f"Facilitator {i}",
                }
                w = await api(
                    c,
                    "POST",
                    "/api/v1/workshops",
                    json=body,
                    headers={"Authorization": f"Bearer {BENCH_ADMIN_TOKEN}"},
                )
            room = Room(i, w["workshop"]["id"], w["facilitator_token"], [], clients)
            return room, w["invites"]["visitor"]["code"]

        made = await asyncio.gather(*(create(i) for i in range(rooms)))

        async def join(room: Room, code: str, j: int) -> None:
            name = f"Visitor {room.index}-{j}"
            async with sem:
                if server.arm.socket == "html":
                    room.tokens.append(await browser_join(c, code, name))
                    return
                r = await api(
                    c,
                    "POST",
                    f"/api/v1/join/{code}",
                    json={"name": name, "accept_ground_rules": True},
                )
            room.tokens.append(r["token"])

        await asyncio.gather(*(join(room, code, j) for room, code in made for j in range(n_tokens)))
        return [room for room, _ in made]


async def browser_join(c: httpx.AsyncClient, code: str, name: str) -> str:
    """Join as a browser does (the form at /j/{code}); returns the session cookie `name=value`."""
    for attempt in range(30):
        r = await c.post(f"/j/{code}", data={"name": name, "accept": "on"})
        if r.status_code == 429:
            await asyncio.sleep(min(5.0, 0.2 * (attempt + 1)))
            continue
        if r.status_code == 404:
            raise NotAvailable("the app has no browser join form at /j/{code}")
        cookie = r.headers.get("set-cookie", "")
        if r.status_code in (302, 303) and cookie:
            return cookie.split(";", 1)[0]
        raise ApiError(f"browser join → {r.status_code}: {r.text[:300]}")
    raise ApiError("browser join kept answering 429")


def conn_specs(server: Server, rooms: list[Room], slow_frac: float = 0.0) -> list[dict]:
    """One spec per receiver: which port and path, which headers, whether it stops reading."""
    out = []
    for room in rooms:
        n_slow = round(room.clients * slow_frac)
        for j in range(room.clients):
            token = room.tokens[j % len(room.tokens)]
            port = server.ws_ports[j % len(server.ws_ports)]
            spec = {"room": room.index, "port": port, "slow": j < n_slow}
            if server.arm.socket == "html":  # the browsers' socket: cookie and Origin
                spec["path"] = f"/w/{room.workshop_id}/live"
                spec["headers"] = {"Cookie": token, "Origin": server.http_bases[0]}
            else:
                spec["path"] = f"/api/v1/workshops/{room.workshop_id}/events"
                spec["headers"] = {"Authorization": f"Bearer {token}"}
            out.append(spec)
    return out


def writer_specs(server: Server, rooms: list[Room], rate: float, text_len: int = 120) -> list[dict]:
    """One writer per room (the facilitator), posting `rate` cards/s; with several workers the
    rooms' writers take turns between them."""
    rnd = random.Random(7)
    return [
        {
            "room": room.index,
            "base": server.http_bases[room.index % len(server.http_bases)],
            "token": room.writer_token,
            "path": f"/api/v1/workshops/{room.workshop_id}/cards",
            "rate": rate,
            "phase": rnd.random(),
            "text_len": text_len,
        }
        for room in rooms
    ]
