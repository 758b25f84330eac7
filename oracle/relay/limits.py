"""Limits a hostile client meets before it costs the relay much: request bodies over a size limit
get 413 before anything reads them whole; reads of the chain (the read API) get 429 beyond a cap
of concurrent ones, in all and per client, so that one client cannot occupy the node."""

from __future__ import annotations

import json
import threading
from collections import Counter
from contextlib import contextmanager

__all__ = ["BodySizeLimit", "ReadSlots", "ReadSlotsFull"]


class ReadSlotsFull(Exception):
    """No read slot is free (``scope``: ``"relay"`` for all clients, ``"client"`` for this one)."""

    def __init__(self, scope: str, limit: int):
        super().__init__(f"{limit} concurrent reads {'in all' if scope == 'relay' else 'from this client'}"
                         " are running; retry shortly")
        self.scope, self.limit = scope, limit


class ReadSlots:
    """At most ``total`` reads at once, at most ``per_client`` of them from one client; a read
    beyond either is refused at once (never queued: a queue would let a flood delay everyone)."""

    def __init__(self, total: int, per_client: int):
        if total < 1 or per_client < 1:
            raise ValueError("read slots must be at least 1")
        self.total, self.per_client = total, per_client
        self._lock = threading.Lock()
        self._busy = 0
        self._by_client: Counter[str] = Counter()

    @contextmanager
    def slot(self, client: str):
        with self._lock:
            if self._busy >= self.total:
                raise ReadSlotsFull("relay", self.total)
            if self._by_client[client] >= self.per_client:
                raise ReadSlotsFull("client", self.per_client)
            self._busy += 1
            self._by_client[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._by_client[client] -= 1
                if not self._by_client[client]:
                    del self._by_client[client]  # the counter holds only clients reading now


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Pure ASGI middleware: checks Content-Length up front and counts streamed (chunked) bytes."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"detail": {"error": "RelayBodyTooLarge",
                                      "message": f"request body over {self.max_bytes} bytes", "args": [self.max_bytes]}})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body.encode()})
