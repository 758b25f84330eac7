"""uvicorn's h11 protocol with the limits an axon on the open internet needs, and a rate limit
for log lines an attacker can trigger.

uvicorn (0.54, h11 backend) has a keep-alive timeout but no deadline for a request head that
trickles in byte by byte, no cap on open connections short of `limit_concurrency` (which answers
503 and still keeps idle sockets), and lets an unexpected parser exception escape. `guarded_h11`
builds a subclass that adds, per server:

- a head deadline: from accepting a connection, and from the end of each response, the next
  request's head must be complete within ``head_timeout_s`` or the connection gets a bare 408
  and is closed (slowloris);
- a connection cap, total and per client IP: a connection over the cap evicts the oldest idle
  one (no request in progress), or is itself closed when every connection is busy, so idle
  sockets can never exhaust the axon's file descriptors;
- any parser failure other than h11's own becomes a 400 and a closed connection.

Header size is h11's ``max_incomplete_event_size`` (uvicorn's ``h11_max_incomplete_event_size``),
answered with 400 by uvicorn. Body deadlines and caps are the axon's (it knows the route).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["ConnectionLimits", "RateLimitedLog", "guarded_h11"]

log = logging.getLogger(__name__)

_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_400 = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@dataclass(frozen=True)
class ConnectionLimits:
    """What one server accepts before a request reaches the app."""

    head_timeout_s: float = 5.0
    max_connections: int = 1024
    max_connections_per_ip: int = 256
    max_header_bytes: int = 16 * 1024
    keep_alive_s: int = 5


class RateLimitedLog:
    """At most `per_second` lines a second (a burst of that size); the rest are counted and the
    count is reported with the next line that gets through."""

    def __init__(self, logger: logging.Logger, per_second: float = 10.0) -> None:
        self._log = logger
        self._rate = per_second
        self._tokens = per_second
        self._stamp = time.monotonic()
        self._dropped = 0

    def log(self, level: int, msg: str, *args: Any) -> None:
        now = time.monotonic()
        self._tokens = min(self._rate, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1:
            self._dropped += 1
            return
        self._tokens -= 1
        if self._dropped:
            msg = f"{msg} ({self._dropped} similar lines suppressed)"
            self._dropped = 0
        self._log.log(level, msg, *args)


def guarded_h11(limits: ConnectionLimits) -> type[H11Protocol]:
    """A fresh H11Protocol subclass enforcing `limits` (its connection counts are per class)."""

    class Guarded(_GuardedBase):
        pass

    Guarded.limits = limits
    Guarded.per_ip = Counter()
    return Guarded


class _GuardedBase(H11Protocol):
    limits: ConnectionLimits = ConnectionLimits()
    per_ip: Counter[str] = Counter()
    _drops = RateLimitedLog(log, per_second=1.0)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._opened = time.monotonic()
        self._ip = self.client[0] if self.client else "?"
        self.per_ip[self._ip] += 1
        self._counted = True
        self._arm_head_timer()
        self._enforce_caps()

    def _enforce_caps(self) -> None:
        lim = self.limits
        if self.per_ip[self._ip] > lim.max_connections_per_ip:
            self._evict(same_ip=True, why=f"over {lim.max_connections_per_ip} from {self._ip}")
        elif len(self.connections) > lim.max_connections:
            self._evict(same_ip=False, why=f"over {lim.max_connections} connections")

    def _evict(self, *, same_ip: bool, why: str) -> None:
        idle = [
            c for c in self.connections
            if isinstance(c, _GuardedBase) and c is not self and c._idle()
            and (not same_ip or c._ip == self._ip)
        ]
        victim = min(idle, key=lambda c: c._opened) if idle else self
        self._drops.log(logging.WARNING, "closing a connection: %s", why)
        victim._close_now(None)

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.head_timeout_s, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self._idle() and not self.transport.is_closing():
            self._drops.log(logging.INFO, "request head from %s not complete in time", self._ip)
            self._close_now(_408)

    def _close_now(self, reply: bytes | None) -> None:
        if self.transport.is_closing():
            return
        if reply is not None:
            self.transport.write(reply)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        if getattr(self, "_counted", False):
            self._counted = False
            self.per_ip[self._ip] -= 1
            if self.per_ip[self._ip] <= 0:
                del self.per_ip[self._ip]
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.cycle
        try:
            super().handle_events()
        except Exception as exc:  # noqa: BLE001 - a request must never take the server down
            self._drops.log(logging.WARNING, "unparsable request from %s: %r", self._ip, exc)
            self._close_now(_400)
            return
        if self.cycle is not before:  # a request head arrived: its body has the app's deadline
            self._cancel_head_timer()

    def on_response_complete(self) -> None:
        self._arm_head_timer()  # before super(): it may start a pipelined request at once
        super().on_response_complete()
