"""One load-generator process. `bench.run` starts several (`python -m bench.worker`), pinned away
from the server, and drives them with one JSON command per line on stdin; each answers one JSON
line on stdout. Bulky samples (latencies) go to files in the run's scratch folder.

Receivers speak WebSocket through websockets' sans-I/O `ClientProtocol` on a plain asyncio
protocol: no task or future per message, so one process reads tens of thousands of frames a
second. Writers post cards with httpx on an open-loop schedule (a late answer never delays the
next post). Every card's text carries a marker `~bm|<window>|<room>|<k>|<monotonic ns>~`, so a
receiver computes POST→arrival latency itself (CLOCK_MONOTONIC is one clock for the machine).

Commands: connect, window, pause_slow, close, quit.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import json
import os
import re
import resource
import socket
import sys
import time
from array import array
from collections import Counter, defaultdict

import httpx
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from .servers import raise_nofile
from .transport import LeanTransport

MARK = b"~bm|"
SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d+|null)')
SLOW_RCVBUF = 4096
# A connect that failed for want of the client's own resources (open files, local ports,
# memory) says nothing about the server: the error is marked so the run is called invalid.
CLIENT_SIDE = "client side: "
CLIENT_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.EADDRNOTAVAIL, errno.ENOMEM, errno.ENOBUFS}


class Receiver(asyncio.Protocol):
    """One WebSocket client connection that only reads."""

    def __init__(self, w: Worker, room: int, slow: bool, check_seq: bool):
        self.w = w
        self.room = room
        self.slow = slow
        self.check_seq = check_seq
        self.proto: ClientProtocol | None = None
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future = w.loop.create_future()
        self.open = False
        self.paused = False
        self.last_seq: int | None = None
        self.seen: set[int] = set()
        self.frag: bytearray | None = None
        self.close_code: int | None = None

    # asyncio.Protocol
    def connection_made(self, transport):  # type: ignore[override]
        self.transport = transport
        self._flush()

    def connection_lost(self, exc):  # type: ignore[override]
        if self.open:
            self.w.lost += 1
        self.open = False
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before the first frame: {exc}"))

    def eof_received(self):  # type: ignore[override]
        if self.proto is not None:
            self.proto.receive_eof()
            self._events()
        return False

    def data_received(self, data: bytes) -> None:  # type: ignore[override]
        self.proto.receive_data(data)
        self._events()

    def _events(self) -> None:
        p = self.proto
        for ev in p.events_received():
            if isinstance(ev, Frame):
                op = ev.opcode
                if op is Opcode.TEXT or op is Opcode.BINARY:
                    if ev.fin:
                        self.on_message(bytes(ev.data))
                    else:
                        self.frag = bytearray(ev.data)
                elif op is Opcode.CONT and self.frag is not None:
                    self.frag += ev.data
                    if ev.fin:
                        message, self.frag = bytes(self.frag), None
                        self.on_message(message)
                elif op is Opcode.CLOSE and p.close_rcvd is not None:
                    self.close_code = p.close_rcvd.code
            elif isinstance(ev, Response) and p.handshake_exc is not None and not self.ready.done():
                self.ready.set_exception(ConnectionError(f"handshake: {p.handshake_exc}"))
        self._flush()
        if p.state is State.CLOSED and self.transport is not None:
            self.transport.close()

    def _flush(self) -> None:
        t = self.transport
        for data in self.proto.data_to_send():
            if data:
                t.write(data)
            elif t.can_write_eof():
                t.write_eof()

    def on_message(self, data: bytes) -> None:
        w = self.w
        if not self.open:
            self.open = True
            if not self.ready.done():
                self.ready.set_result(True)
            if self.check_seq:
                m = SEQ_RE.search(data, 0, 200)
                if m and m.group(1) != b"null":
                    self.last_seq = int(m.group(1))
            return
        if self.check_seq:
            m = SEQ_RE.search(data, 0, 200)
            if m and m.group(1) != b"null":
                seq = int(m.group(1))
                last = self.last_seq
                if last is not None:
                    if seq > last + 1:
                        w.seq_gaps += seq - last - 1
                    elif seq <= last:
                        w.seq_back += 1
                self.last_seq = seq
        i = data.find(MARK)
        if i < 0:
            return
        now = time.monotonic_ns()
        parts = data[i + 4 : data.find(b"~", i + 4)].split(b"|")
        try:
            win, room, k, sent = int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3])
        except (ValueError, IndexError):
            w.bad += 1
            return
        if win != w.win:
            w.stale += 1
            return
        if room != self.room:
            w.misrouted += 1
            return
        seen = self.seen
        if k in seen:
            w.dupes += 1
            return
        seen.add(k)
        w.last_rx = now
        w.lat.append((now - sent) / 1000.0)
        c = w.counts.get(room)
        if c is None:
            c = w.counts[room] = {}
        c[k] = c.get(k, 0) + 1

    def pause(self) -> None:
        if self.transport is not None and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def close(self) -> None:
        t = self.transport
        if t is None or t.is_closing():
            return
        self.open = False
        try:
            if self.proto.state is State.OPEN:
                self.proto.send_close(1000)
                self._flush()
        except Exception:
            pass
        t.close()


class Worker:
    def __init__(self, index: int, scratch: str):
        self.index = index
        self.scratch = scratch
        self.loop = asyncio.get_running_loop()
        self.receivers: dict[str, list[Receiver]] = defaultdict(list)
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.tasks: set[asyncio.Task] = set()  # a reference to every background task
        self.win = -1
        self.reset()
        self.lost = 0

    def reset(self) -> None:
        self.lat = array("d")
        self.counts: dict[int, dict[int, int]] = {}
        self.dupes = self.stale = self.misrouted = self.bad = 0
        self.last_rx = 0
        self.seq_gaps = self.seq_back = 0

    def spawn(self, coro) -> asyncio.Task:
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # --- connect -------------------------------------------------------------------------------
    async def open_one(self, target: str, c: dict, o: dict, sem: asyncio.Semaphore) -> str | None:
        r = Receiver(self, c["room"], c.get("slow", False), o.get("check_seq", True))
        ext = [ClientPerMessageDeflateFactory()] if o.get("deflate") else None
        r.proto = ClientProtocol(
            parse_uri(f"ws://{o['host']}:{c['port']}{c['path']}"), extensions=ext, max_size=2**24
        )
        req = r.proto.connect()
        for k, v in c.get("headers", {}).items():
            req.headers[k] = v
        r.proto.send_request(req)
        ok = False
        sock = None
        async with sem:
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setblocking(False)
                if r.slow:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
                async with asyncio.timeout(o.get("timeout", 30)):
                    await self.loop.sock_connect(sock, (o["host"], c["port"]))
                    await self.loop.create_connection(lambda: r, sock=sock)
                    await r.ready
                ok = True
            except Exception as exc:
                side = CLIENT_SIDE if getattr(exc, "errno", None) in CLIENT_ERRNOS else ""
                return f"{side}{type(exc).__name__}: {exc}"[:200]
            finally:  # also when cancelled at the connect deadline
                if not ok:
                    if r.transport is not None:
                        r.transport.abort()
                    elif sock is not None:
                        sock.close()
        self.receivers[target].append(r)
        return None

    async def connect(self, cmd: dict) -> dict:
        """Open connections at `rate` per second; give up on those not open by `deadline_s`."""
        target, conns, rate = cmd["target"], cmd["conns"], cmd.get("rate") or 0.0
        sem = asyncio.Semaphore(cmd.get("concurrency", 256))
        t0, cpu0 = time.monotonic(), time.process_time()
        deadline = t0 + cmd.get("deadline_s", 120)
        pending = []
        for i, c in enumerate(conns):
            if rate:
                delay = t0 + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            if time.monotonic() > deadline:
                break
            pending.append(self.spawn(self.open_one(target, c, cmd, sem)))
        not_tried = len(conns) - len(pending)
        if pending:
            _, late = await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
            for t in late:
                t.cancel()
            await asyncio.wait(pending, timeout=10)
        results = [
            t.result() if t.done() and not t.cancelled() else "gave up at the connect deadline"
            for t in pending
        ]
        results += ["not tried before the connect deadline"] * not_tried
        gc.collect()
        gc.freeze()  # long-lived connections: keep them out of every later collection
        errors = Counter(e for e in results if e)
        return {
            "connected": sum(1 for e in results if e is None),
            "failed": sum(errors.values()),
            "errors": dict(errors.most_common(5)),
            "client_errors": sum(n for e, n in errors.items() if e.startswith(CLIENT_SIDE)),
            "seconds": time.monotonic() - t0,
            "cpu_s": time.process_time() - cpu0,
            "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        }

    # --- a measurement window -----------------------------------------------------------------
    def client(self, base: str) -> httpx.AsyncClient:
        if base not in self.clients:
            stock = os.environ.get("BENCH_HTTPX_TRANSPORT") == "httpcore"
            self.clients[base] = httpx.AsyncClient(
                base_url=base,
                timeout=10.0,
                trust_env=False,
                transport=None if stock else LeanTransport(),
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
            )
        return self.clients[base]

    async def writer(self, wr: dict, win: int, start: float, duration: float, out: dict) -> None:
        client = self.client(wr["base"])
        rate = wr["rate"]
        n = max(1, int(duration * rate))
        phase = wr.get("phase", 0.0) / rate
        pad = "x" * max(0, wr.get("text_len", 120) - 48)
        headers = {"Authorization": f"Bearer {wr['token']}"}
        ok, errors, wlat, inflight = out["ok"], out["errors"], out["wlat"], set()

        async def post(k: int) -> None:
            sent = time.monotonic_ns()
            text = f"~bm|{win}|{wr['room']}|{k}|{sent}~ {pad}"
            try:
                async with asyncio.timeout(10):
                    resp = await client.post(
                        wr["path"], json={"kind": "insight", "text": text}, headers=headers
                    )
            except (httpx.HTTPError, OSError, TimeoutError) as exc:
                errors[type(exc).__name__] += 1
                return
            if 200 <= resp.status_code < 300:
                wlat.append((time.monotonic_ns() - sent) / 1000.0)
                ok.append(k)
            else:
                errors[str(resp.status_code)] += 1
                if len(out["samples"]) < 3:
                    out["samples"].append(resp.text[:200])

        for k in range(n):
            delay = start + phase + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(inflight) >= wr.get("max_inflight", 64):
                errors["skipped (too many in flight)"] += 1
                continue
            task = self.spawn(post(k))
            inflight.add(task)
            task.add_done_callback(inflight.discard)
        if inflight:  # answers still owed; the window's drain bounds the wait
            await asyncio.wait(inflight, timeout=max(2.0, wr.get("drain_max", 6.0)))
        if inflight:
            errors["no answer by the end of the window"] += len(inflight)

    async def lag_sampler(self, stop: asyncio.Event, lags: list[float]) -> None:
        step = 0.01
        for _ in range(1_000_000):
            if stop.is_set():
                return
            t = time.monotonic()
            await asyncio.sleep(step)
            lags.append((time.monotonic() - t - step) * 1000.0)

    async def window(self, cmd: dict) -> dict:
        target = cmd["target"]
        self.reset()
        self.win = cmd["win"]
        lost0 = self.lost
        healthy: Counter = Counter()
        for r in self.receivers[target]:
            r.seen.clear()
            if r.open and not r.paused and not (r.slow and cmd.get("pause_slow")):
                healthy[r.room] += 1
        if cmd.get("pause_slow"):
            for r in self.receivers[target]:
                if r.slow:
                    r.pause()
        start, duration = cmd["start_at"], cmd["duration"]
        delay = start - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        gc.disable()  # no collection pauses inside a measurement (re-enabled below)
        cpu0, wall0 = time.process_time(), time.monotonic()
        stop, lags = asyncio.Event(), []
        sampler = self.spawn(self.lag_sampler(stop, lags))
        per_room: dict[int, dict] = {}
        writers = []
        for wr in cmd["writers"]:
            wr["drain_max"] = cmd.get("drain_max", 6.0)
            out = per_room[wr["room"]] = {"ok": [], "errors": Counter(), "wlat": [], "samples": []}
            writers.append(self.spawn(self.writer(wr, self.win, start, duration, out)))
        if writers:
            await asyncio.wait(writers, timeout=duration + 20)
        # Drain: at least `drain` s after the last post, longer while cards still arrive (a
        # late delivery is slow, not missing), at most `drain_max` s.
        end = start + duration + cmd.get("drain", 1.0)
        end_max = start + duration + cmd.get("drain_max", 6.0)
        delay = end - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        while time.monotonic() < end_max and time.monotonic_ns() - self.last_rx < 500_000_000:
            await asyncio.sleep(0.1)
        stop.set()
        await sampler
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        gc.enable()
        self.win = -1
        lat_path = os.path.join(self.scratch, f"lat-{self.index}-{cmd['win']}.bin")
        with open(lat_path, "wb") as f:
            self.lat.tofile(f)
        wlat = array("d", [x for o in per_room.values() for x in o["wlat"]])
        wlat_path = os.path.join(self.scratch, f"wlat-{self.index}-{cmd['win']}.bin")
        with open(wlat_path, "wb") as f:
            wlat.tofile(f)
        lags.sort()
        errors: Counter = Counter()
        samples: list[str] = []
        for o in per_room.values():
            errors.update(o["errors"])
            samples.extend(o["samples"])
        return {
            "lat_file": lat_path,
            "wlat_file": wlat_path,
            "received": len(self.lat),
            "counts": {
                str(room): {str(k): n for k, n in c.items()} for room, c in self.counts.items()
            },
            "healthy": {str(k): v for k, v in healthy.items()},
            "ok": {str(room): o["ok"] for room, o in per_room.items()},
            "write_errors": dict(errors),
            "write_error_samples": samples[:3],
            "dupes": self.dupes,
            "stale": self.stale,
            "misrouted": self.misrouted,
            "bad": self.bad,
            "seq_gaps": self.seq_gaps,
            "seq_back": self.seq_back,
            "lost": self.lost - lost0,
            "cpu_s": cpu,
            "wall_s": wall,
            "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] if lags else 0.0,
            "lag_max_ms": lags[-1] if lags else 0.0,
        }

    async def close(self, cmd: dict) -> dict:
        target = cmd["target"]
        rs = self.receivers.pop(target, [])
        for r in rs:
            r.close()
        await asyncio.sleep(0.2)
        for r in rs:
            if r.transport is not None and not r.transport.is_closing():
                r.transport.abort()
        return {"closed": len(rs)}

    async def shutdown(self) -> None:
        for target in list(self.receivers):
            await self.close({"target": target})
        for c in self.clients.values():
            await c.aclose()


async def serve(index: int, scratch: str) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    w = Worker(index, scratch)
    handlers = {"connect": w.connect, "window": w.window, "close": w.close}
    for _ in range(1_000_000):
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        try:
            reply = await handlers[cmd["cmd"]](cmd)
        except Exception as exc:  # report, keep serving
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(w.shutdown(), 10)


def main() -> None:
    index, scratch = int(sys.argv[1]), sys.argv[2]
    raise_nofile()  # thousands of sockets per process; inherited already when run by bench.run
    try:
        import uvloop

        uvloop.run(serve(index, scratch))
    except ImportError:
        asyncio.run(serve(index, scratch))


if __name__ == "__main__":
    main()
