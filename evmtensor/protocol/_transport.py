"""A lean, bounded HTTP/1.1 transport for `httpx.AsyncClient`: h11 over a bare `asyncio.Protocol`.

httpx's default stack (httpcore over anyio streams) spends ~2 ms of CPU per request on a small
cloud core, several times what the axon itself spends; validators fan out to hundreds of miners,
so the dendrite plugs this transport into `httpx.AsyncClient` instead. Parsing is h11's (strict,
linear in the bytes received, header size capped by ``max_incomplete_event_size``); this module
only adds keep-alive pooling per origin, TCP_NODELAY and the limits a validator needs against a
hostile miner:

- response headers above ``max_header_bytes`` and bodies above the request's
  ``max_response_bytes`` extension are refused while they arrive (never buffered whole);
- nothing is decoded here (no gzip bomb can inflate): the dendrite refuses encoded bodies;
- a pooled idle connection that receives any byte is closed (a server talking out of turn could
  otherwise grow our buffers or pre-load a forged "next" response);
- the request's httpx read timeout is a deadline for the whole exchange.

A reused keep-alive connection that the server closed while idle is retried once on a fresh
connection, and only when not one byte of response arrived (so the server cannot have run it).
No TLS, proxies or HTTP/2: for those pass your own client.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import defaultdict

import h11
import httpx

__all__ = [
    "DEFAULT_MAX_HEADER_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "EncodedResponse",
    "LeanTransport",
    "ResponseTooLarge",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_RESPONSE_EXTENSION = "max_response_bytes"
# h11 spends microseconds per event, so a body sent as millions of 1-byte chunks (or TCP
# segments) could keep the validator's event loop busy for minutes within the byte cap. Honest
# bodies arrive in a few pieces, each at least a few hundred bytes (a TCP segment, a chunk).
FREE_PIECES = 64
MIN_AVERAGE_PIECE = 512

_Reply = tuple[h11.Response, bytes]


class _Closed(Exception):
    """The connection closed before a complete response; `fresh` says none of it arrived."""

    def __init__(self, fresh: bool) -> None:
        super().__init__("connection closed before a complete response")
        self.fresh = fresh


class ResponseTooLarge(httpx.RemoteProtocolError):
    """The response announced or sent more bytes than the caller accepts."""


class EncodedResponse(httpx.RemoteProtocolError):
    """The response is content-encoded; we never decode (a few KB of gzip can be gigabytes)."""


class _Body(httpx.AsyncByteStream):
    """The received body, not an `httpx.ByteStream`: httpx would read (and decode) that at once."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self):  # type: ignore[override]
        yield self._body


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request in flight."""

    def __init__(self, max_header_bytes: int) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_header_bytes)
        self._waiter: asyncio.Future[_Reply] | None = None
        self._limit = 0
        self._head: h11.Response | None = None
        self._body = bytearray()
        self._pieces = 0
        self._got_bytes = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._pending():
            try:  # a body framed by the connection closing ends here
                self._h11.receive_data(b"")
                self._pump()
            except Exception as error:  # noqa: BLE001 - any parse failure fails this exchange
                self._fail(error)
        if self._pending():
            assert self._waiter is not None
            self._waiter.set_exception(_Closed(fresh=not self._got_bytes))

    def _pending(self) -> bool:
        return self._waiter is not None and not self._waiter.done()

    def data_received(self, data: bytes) -> None:
        if not self._pending():  # out of turn: never let an idle connection buffer anything
            log.debug("closing a pooled connection that received %s unsolicited bytes", len(data))
            self.close()
            return
        self._got_bytes = True
        try:
            self._h11.receive_data(data)
            self._pump()
        except Exception as exc:  # noqa: BLE001 - h11 errors and our caps alike fail the exchange
            self._fail(exc)

    def _pump(self) -> None:
        assert self._waiter is not None
        while not self._waiter.done():
            event = self._h11.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                return
            if isinstance(event, h11.Response):
                self._check_declared_length(event)
                self._head = event
            elif isinstance(event, h11.Data):
                if len(self._body) + len(event.data) > self._limit:
                    raise ResponseTooLarge(f"response body exceeds {self._limit} bytes")
                self._body += event.data
                self._pieces += 1
                if self._pieces > FREE_PIECES + len(self._body) // MIN_AVERAGE_PIECE:
                    raise ResponseTooLarge(f"response body in {self._pieces} tiny pieces")
            elif isinstance(event, h11.EndOfMessage):
                assert self._head is not None
                self._waiter.set_result((self._head, bytes(self._body)))
            elif isinstance(event, h11.ConnectionClosed):
                raise _Closed(fresh=not self._got_bytes)
            # InformationalResponse (1xx) carries nothing we use

    def _check_declared_length(self, head: h11.Response) -> None:
        for name, value in head.headers:
            if name == b"content-length" and int(value) > self._limit:
                raise ResponseTooLarge(f"response announces {int(value)} bytes > {self._limit}")
            if name == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
                raise EncodedResponse(f"response uses content-encoding {value[:40]!r}")

    def _fail(self, exc: Exception) -> None:
        if self._pending():
            assert self._waiter is not None
            if not isinstance(exc, (_Closed, httpx.TransportError)):
                exc = httpx.RemoteProtocolError(f"bad HTTP response: {type(exc).__name__}: {exc}")
            self._waiter.set_exception(exc)
        self.close()  # the stream state is unknown: never reuse it

    async def exchange(self, head: h11.Request, body: bytes, limit: int) -> _Reply:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._limit, self._head, self._body, self._got_bytes = limit, None, bytearray(), False
        self._pieces = 0
        data = self._h11.send(head) or b""
        data += (self._h11.send(h11.Data(data=body)) or b"") if body else b""
        data += self._h11.send(h11.EndOfMessage()) or b""
        self.transport.write(data)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def reusable(self) -> bool:
        """Whether the exchange ended cleanly and the connection can carry another one."""
        conn = self._h11
        if self.closed or conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
            return False
        if conn.trailing_data[0]:  # bytes past the response: a smuggled "next" reply
            return False
        conn.start_next_cycle()
        return True

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Pools keep-alive connections per (host, port); see the module docstring."""

    def __init__(
        self,
        max_idle_per_origin: int = 64,
        *,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle_per_origin
        self._max_header = max_header_bytes
        self._max_response = max_response_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"LeanTransport speaks plain http, not {request.url}")
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(timeout):
                head, body = await self._send(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no response within {timeout} s", request=request) from exc
        return httpx.Response(
            head.status_code, headers=list(head.headers), stream=_Body(body), request=request
        )

    async def _send(self, request: httpx.Request) -> _Reply:
        origin = (request.url.host, request.url.port or 80)
        limit = int(request.extensions.get(MAX_RESPONSE_EXTENSION, self._max_response))
        body = await request.aread()
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
        headers.append((b"content-length", b"%d" % len(body)))
        target = request.url.raw_path
        for attempt in (0, 1):
            conn, reused = await self._acquire(origin, request)
            # _parsed: skip h11's per-header regexes on what we send (httpx built these headers
            # and the dendrite's are hex and digits); every byte *received* is still validated
            head = h11.Request(
                method=request.method.encode(), target=target, headers=headers, _parsed=True
            )
            try:
                reply = await conn.exchange(head, body, limit)
            except _Closed as exc:
                conn.close()
                if reused and exc.fresh and attempt == 0:
                    continue  # the server dropped an idle connection; it never saw this request
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            except BaseException:
                conn.close()  # cancelled or broken mid-exchange: the stream state is unknown
                raise
            self._release(origin, conn)
            return reply
        raise AssertionError("unreachable")

    async def _acquire(
        self, origin: tuple[str, int], request: httpx.Request
    ) -> tuple[_Connection, bool]:
        idle = self._idle[origin]
        while idle:
            conn = idle.pop()
            if not conn.closed:
                return conn, True
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                lambda: _Connection(self._max_header), origin[0], origin[1]
            )
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {origin}: {exc}", request=request) from exc
        return conn, False

    def _release(self, origin: tuple[str, int], conn: _Connection) -> None:
        if conn.reusable() and len(self._idle[origin]) < self._max_idle:
            self._idle[origin].append(conn)
        else:
            conn.close()

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
