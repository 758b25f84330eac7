"""A lean HTTP/1.1 transport for `httpx.AsyncClient`, built on a bare `asyncio.Protocol`.

httpx's default stack (httpcore over anyio streams) spends ~2 ms of CPU per request on a small
cloud core, several times what the axon itself spends; validators fan out to hundreds of miners,
so the dendrite plugs this transport into `httpx.AsyncClient` instead. It speaks exactly what
axons need: plain-HTTP keep-alive connections pooled per origin, request bodies in memory,
responses framed by Content-Length or chunked encoding, TCP_NODELAY, and the request's httpx
read timeout as a total deadline. No TLS, proxies or HTTP/2: for those pass your own client.

A reused keep-alive connection that the server closed while idle is retried once on a fresh
connection, and only when not one byte of response arrived (so the server cannot have run it).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import defaultdict

import httpx

__all__ = ["LeanTransport"]

log = logging.getLogger(__name__)

_NO_BODY = {204, 304}


class _Closed(Exception):
    """The connection closed before a complete response; `fresh` says none of it arrived."""

    def __init__(self, fresh: bool) -> None:
        super().__init__("connection closed before a complete response")
        self.fresh = fresh


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._buf = bytearray()
        self._waiter: asyncio.Future[tuple[int, list[tuple[bytes, bytes]], bytes]] | None = None
        self._head: tuple[int, list[tuple[bytes, bytes]], int, bool] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(_Closed(fresh=not self._buf and self._head is None))

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if self._waiter is None or self._waiter.done():
            return
        try:
            parsed = self._try_parse()
        except (ValueError, IndexError) as exc:
            self._waiter.set_exception(httpx.RemoteProtocolError(f"bad HTTP response: {exc}"))
            return
        if parsed is not None:
            self._waiter.set_result(parsed)

    def _try_parse(self) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        if self._head is None:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return None
            lines = bytes(self._buf[:end]).split(b"\r\n")
            del self._buf[: end + 4]
            status = int(lines[0].split(b" ", 2)[1])
            headers = [tuple(p.strip() for p in line.split(b":", 1)) for line in lines[1:]]
            fields = {k.lower(): v for k, v in headers}
            chunked = b"chunked" in fields.get(b"transfer-encoding", b"").lower()
            length = 0 if status in _NO_BODY else int(fields.get(b"content-length", b"-1"))
            self._head = (status, headers, length, chunked)  # type: ignore[assignment]
        status, headers, length, chunked = self._head
        body = self._take_chunked() if chunked else self._take_length(length)
        if body is None:
            return None
        self._head = None
        return status, headers, body

    def _take_length(self, length: int) -> bytes | None:
        if length < 0:  # framed by connection close: not produced by axons
            raise ValueError("response without Content-Length or chunked encoding")
        if len(self._buf) < length:
            return None
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return body

    def _take_chunked(self) -> bytes | None:
        pos, parts = 0, []
        while True:
            eol = self._buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(self._buf[pos:eol]).split(b";")[0], 16)
            start, stop = eol + 2, eol + 2 + size
            if size == 0:
                trailer_end = self._buf.find(b"\r\n\r\n", eol)
                if trailer_end < 0 and self._buf[start : start + 2] != b"\r\n":
                    return None
                del self._buf[: (start + 2 if trailer_end < 0 else trailer_end + 4)]
                return b"".join(parts)
            if len(self._buf) < stop + 2:
                return None
            parts.append(bytes(self._buf[start:stop]))
            pos = stop + 2

    async def exchange(self, raw: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """Pools keep-alive connections per (host, port); see the module docstring."""

    def __init__(self, max_idle_per_origin: int = 64) -> None:
        self._idle: dict[tuple[str, int], list[_Connection]] = defaultdict(list)
        self._max_idle = max_idle_per_origin

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"LeanTransport speaks plain http, not {request.url}")
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            async with asyncio.timeout(timeout):
                status, headers, body = await self._send(request)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no response within {timeout} s", request=request) from exc
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(body), request=request
        )

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        origin = (request.url.host, request.url.port or 80)
        raw = _serialise(request, await request.aread())
        for attempt in (0, 1):
            conn, reused = await self._acquire(origin, request)
            try:
                status, headers, body = await conn.exchange(raw)
            except _Closed as exc:
                conn.close()
                if reused and exc.fresh and attempt == 0:
                    continue  # the server dropped an idle connection; it never saw this request
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            except BaseException:
                conn.close()  # cancelled or broken mid-exchange: the stream state is unknown
                raise
            self._release(origin, conn, headers)
            return status, headers, body
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
            _, conn = await loop.create_connection(_Connection, origin[0], origin[1])
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {origin}: {exc}", request=request) from exc
        return conn, False

    def _release(
        self, origin: tuple[str, int], conn: _Connection, headers: list[tuple[bytes, bytes]]
    ) -> None:
        closing = any(k.lower() == b"connection" and v.lower() == b"close" for k, v in headers)
        if closing or conn.closed or len(self._idle[origin]) >= self._max_idle:
            conn.close()
        else:
            self._idle[origin].append(conn)

    async def aclose(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()


def _serialise(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    lines = [b"%s %s HTTP/1.1" % (request.method.encode(), target)]
    lines.extend(
        b"%s: %s" % (k, v) for k, v in request.headers.raw if k.lower() != b"content-length"
    )
    lines.append(b"content-length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
