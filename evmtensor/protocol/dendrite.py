"""The dendrite: an async client that signs requests to axons and verifies their answers.

Use it as ``async with Dendrite(signer) as d: results = await d.query(targets, TASK, req)``.
Per-axon failures never raise from `call`/`query`: each `CallResult` carries either a verified,
parsed response or a `CallFailed` (`AxonRefused`, `ResponseUnverified`, `ResponseInvalid`,
`CallTimeout`, `AxonUnreachable`). A 200 whose signature is missing, malformed or not the target
hotkey's over *this* request's id is a failure, never a response. A hostile miner gets no more
than it can get by not answering: replies are capped (headers by the transport, bodies by the
task's ``max_response_bytes``), never decoded (any content encoding is refused), and the timeout
covers the whole exchange: connect, send, receive, verify and parse.

The timeout travels in the signed ``x-evmt-timeout`` header; the axon abandons the handler when it
runs out and answers 504. The dendrite waits `timeout` plus a small grace for that answer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from evmtensor.protocol import canonical as c
from evmtensor.protocol._transport import (
    DEFAULT_MAX_HEADER_BYTES,
    MAX_RESPONSE_EXTENSION,
    EncodedResponse,
    LeanTransport,
    ResponseTooLarge,
)
from evmtensor.protocol.crypto import Signer, address_bytes, keccak, recover_address
from evmtensor.protocol.errors import (
    AxonRefused,
    AxonUnreachable,
    CallFailed,
    CallTimeout,
    PRE_DIGEST_CODES,
    ResponseInvalid,
    ResponseUnverified,
    SignatureInvalid,
)
from evmtensor.protocol.tasks import Task

__all__ = ["AxonTarget", "CallResult", "Dendrite"]

log = logging.getLogger(__name__)

RespT = TypeVar("RespT", bound=BaseModel)
_ZERO32 = bytes(32)


@dataclass(frozen=True)
class AxonTarget:
    """Where an axon listens and which hotkey must sign its answers."""

    url: str  # e.g. "http://127.0.0.1:8091"
    hotkey: str
    uid: int | None = None

    @property
    def hotkey_bytes(self) -> bytes:
        return address_bytes(self.hotkey)


@dataclass(frozen=True)
class CallResult(Generic[RespT]):
    """The outcome of one call: a verified response or the reason there is none."""

    target: AxonTarget
    response: RespT | None
    error: CallFailed | None
    status: int  # HTTP status, 0 if no answer arrived
    elapsed_ms: float
    process_ms: float | None = None  # handler-side time reported by the axon

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> RespT:
        """The response, or raise the failure."""
        if self.error is not None:
            raise self.error
        assert self.response is not None
        return self.response


class Dendrite:
    """Signs with `signer` (the validator's hotkey) and talks to axons over one HTTP pool."""

    def __init__(
        self,
        signer: Signer,
        *,
        timeout: float = 12.0,
        grace: float = 0.25,
        max_connections: int = 64,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.signer = signer
        self.timeout = timeout
        self.grace = grace
        self._client = client or _client(max_connections, timeout + grace, max_header_bytes)

    async def __aenter__(self) -> Dendrite:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def call(
        self,
        target: AxonTarget,
        task: Task[Any, RespT],
        request: BaseModel,
        *,
        timeout: float | None = None,
    ) -> CallResult[RespT]:
        """Send one signed request to one axon."""
        body = request.model_dump_json().encode()
        return await self._call(target, task, body, keccak(body), timeout or self.timeout)

    async def query(
        self,
        targets: list[AxonTarget],
        task: Task[Any, RespT],
        request: BaseModel,
        *,
        timeout: float | None = None,
    ) -> list[CallResult[RespT]]:
        """Send the same request to every target concurrently; results in target order."""
        body = request.model_dump_json().encode()
        body_hash = keccak(body)
        limit = timeout or self.timeout
        started = time.perf_counter()
        results = await asyncio.gather(
            *(self._call(t, task, body, body_hash, limit) for t in targets)
        )
        ok = sum(r.ok for r in results)
        log.info(
            "queried %s axons on %s: %s ok, %s failed in %.1f ms",
            len(targets), task.route, ok, len(targets) - ok, (time.perf_counter() - started) * 1e3,
        )
        return list(results)

    async def _call(
        self,
        target: AxonTarget,
        task: Task[Any, RespT],
        body: bytes,
        body_hash: bytes,
        timeout: float,
    ) -> CallResult[RespT]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout + self.grace):  # the whole exchange, parse included
                return await self._exchange(target, task, body, body_hash, timeout, started)
        except (TimeoutError, httpx.TimeoutException):
            error: CallFailed = CallTimeout(f"no answer from {target.url} within {timeout} s")
        except (ResponseTooLarge, EncodedResponse) as exc:
            error = ResponseInvalid(f"{target.url}: {exc}")
        except httpx.ConnectError as exc:
            error = AxonUnreachable(f"{target.url} unreachable: {exc}")
        except httpx.TransportError as exc:
            error = AxonUnreachable(f"{target.url} broke the exchange: {type(exc).__name__}: {exc}")
        except CallFailed as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - one axon's failure must not sink the round
            log.warning("call to %s failed unexpectedly: %r", target.url, exc)
            error = CallFailed(f"{target.url}: {type(exc).__name__}: {exc}")
        return CallResult(target, None, error, error.status, _ms_since(started))

    async def _exchange(
        self,
        target: AxonTarget,
        task: Task[Any, RespT],
        body: bytes,
        body_hash: bytes,
        timeout: float,
        started: float,
    ) -> CallResult[RespT]:
        envelope = c.SignedRequest(
            version=c.PROTOCOL_VERSION,
            route=task.route,
            caller=self.signer.address_bytes,
            target=target.hotkey_bytes,
            nonce=int.from_bytes(os.urandom(8), "big"),
            timestamp_ms=time.time_ns() // 1_000_000,
            timeout_ms=max(1, int(timeout * 1000)),
            body_hash=body_hash,
        )
        request_id = envelope.digest()
        headers = envelope.headers(self.signer.sign(request_id))
        headers["content-type"] = "application/json"
        headers["accept-encoding"] = "identity"  # we never decode: no gzip bomb can inflate
        limit = task.max_response_bytes
        extensions = {MAX_RESPONSE_EXTENSION: limit}
        url = f"{target.url}/{task.route}"
        async with self._client.stream(
            "POST", url, content=body, headers=headers, extensions=extensions,
            timeout=httpx.Timeout(timeout + self.grace),  # this call's, not the client default
        ) as reply:
            content = await _read_capped(reply, limit)
        return _interpret(target, task, reply, content, request_id, _ms_since(started))


def _client(max_connections: int, timeout: float, max_header_bytes: int) -> httpx.AsyncClient:
    transport = LeanTransport(max_idle_per_origin=max_connections, max_header_bytes=max_header_bytes)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(timeout), trust_env=False)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


async def _read_capped(reply: httpx.Response, limit: int) -> bytes:
    """The raw body, refusing any content encoding and anything past `limit` bytes."""
    encoding = reply.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise ResponseInvalid(f"reply uses content-encoding {encoding[:40]!r}; we accept none")
    try:
        content = reply.content  # already read: a mock or a client of the caller's choosing
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > limit:
            raise ResponseTooLarge(f"response body exceeds {limit} bytes")
        return content
    chunks, size = [], 0
    async for chunk in reply.aiter_raw():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(f"response body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _process_ms(reply: httpx.Response) -> float | None:
    """The axon's own handling time: informational, unsigned, so anything odd is ignored."""
    raw = reply.headers.get(c.H_PROCESS_MS, "")
    if not raw or len(raw) > 32:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _interpret(
    target: AxonTarget,
    task: Task[Any, RespT],
    reply: httpx.Response,
    content: bytes,
    request_id: bytes,
    elapsed_ms: float,
) -> CallResult[RespT]:
    status = reply.status_code
    process_ms = _process_ms(reply)
    code, reason = _refusal_fields(content) if status != 200 else (None, "")
    verified = _signed_by(target, reply, content, request_id, code)
    if status != 200:
        error = _refusal(target, status, code, reason, verified)
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    if not verified:
        error = ResponseUnverified(
            f"response from {target.url} is not signed by {target.hotkey} for this request",
            status=status,
        )
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    try:
        response = task.response.model_validate_json(content)
    except ValidationError as exc:
        reason = f"{target.url} sent an invalid {task.response.__name__}: {exc}"
        error = ResponseInvalid(reason, status=status)
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    return CallResult(target, response, None, status, elapsed_ms, process_ms)


def _signed_by(
    target: AxonTarget, reply: httpx.Response, content: bytes, request_id: bytes, code: str | None
) -> bool:
    """Whether the target hotkey signed (request id, status, body hash) of this reply.

    Answers must be bound to our request id, so an old reply replayed for a new request fails.
    Only refusals the axon issues before it can compute that id (unknown route, unparsable
    headers) may be bound to the zero id instead.
    """
    raw = reply.headers.get(c.H_SIGNATURE, "")
    if len(raw) > 132:
        return False
    try:
        signature = bytes.fromhex(raw.removeprefix("0x"))
    except ValueError:
        return False
    ids = (request_id, _ZERO32) if code in PRE_DIGEST_CODES else (request_id,)
    body_hash = keccak(content)
    for rid in ids:
        try:
            digest = c.response_digest(rid, reply.status_code, body_hash)
            if recover_address(digest, signature) == target.hotkey_bytes:
                return True
        except (SignatureInvalid, OverflowError):
            return False
    return False


def _refusal_fields(content: bytes) -> tuple[str | None, str]:
    try:
        data = json.loads(content)
        return str(data["error"])[:64], str(data.get("reason"))[:500]
    except (ValueError, TypeError, KeyError, RecursionError):
        return None, content[:200].decode("utf-8", "replace")


def _refusal(
    target: AxonTarget, status: int, code: str | None, reason: str, verified: bool
) -> CallFailed:
    message = f"{target.url} refused with {status} {code}: {reason}"
    if not verified:
        message = f"unsigned or mis-signed reply, not trusted: {message}"
        return ResponseUnverified(message, status=status, code=code)
    if status == 504:
        return CallTimeout(message, status=504, code=code)
    return AxonRefused(message, status=status, code=code)
