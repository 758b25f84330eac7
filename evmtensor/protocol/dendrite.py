"""The dendrite: an async client that signs requests to axons and verifies their answers.

Use it as ``async with Dendrite(signer) as d: results = await d.query(targets, TASK, req)``.
Per-axon failures never raise from `call`/`query`: each `CallResult` carries either a verified,
parsed response or a `CallFailed` (`AxonRefused`, `ResponseUnverified`, `CallTimeout`,
`AxonUnreachable`). A 200 whose signature is missing, malformed or not the target hotkey's over
*this* request's id is a failure, never a response.

The timeout travels in the signed ``x-evmt-timeout`` header; the axon abandons the handler when it
runs out and answers 504. The dendrite waits `timeout` plus a small grace for that answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from evmtensor.protocol import canonical as c
from evmtensor.protocol._transport import LeanTransport
from evmtensor.protocol.crypto import Signer, address_bytes, keccak, recover_address
from evmtensor.protocol.errors import (
    AxonRefused,
    AxonUnreachable,
    CallFailed,
    CallTimeout,
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
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.signer = signer
        self.timeout = timeout
        self.grace = grace
        self._client = client or _client(max_connections, timeout + grace)

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
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout + self.grace):
                reply = await self._client.post(
                    f"{target.url}/{task.route}", content=body, headers=headers
                )
        except (TimeoutError, httpx.TimeoutException):
            error = CallTimeout(f"no answer from {target.url} within {timeout} s")
            return CallResult(target, None, error, 0, _ms_since(started))
        except httpx.TransportError as exc:
            error = AxonUnreachable(f"{target.url} unreachable: {type(exc).__name__}: {exc}")
            return CallResult(target, None, error, 0, _ms_since(started))
        return _interpret(target, task, reply, request_id, _ms_since(started))


def _client(max_connections: int, timeout: float) -> httpx.AsyncClient:
    transport = LeanTransport(max_idle_per_origin=max_connections)
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(timeout), trust_env=False)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _interpret(
    target: AxonTarget,
    task: Task[Any, RespT],
    reply: httpx.Response,
    request_id: bytes,
    elapsed_ms: float,
) -> CallResult[RespT]:
    status = reply.status_code
    process = reply.headers.get(c.H_PROCESS_MS)
    process_ms = float(process) if process else None
    verified = _signed_by(target, reply, request_id, status)
    if status != 200:
        error = _refusal(target, reply, verified)
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    if not verified:
        error = ResponseUnverified(
            f"response from {target.url} is not signed by {target.hotkey} for this request",
            status=status,
        )
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    try:
        response = task.response.model_validate_json(reply.content)
    except ValidationError as exc:
        reason = f"{target.url} sent an invalid {task.response.__name__}: {exc}"
        error = CallFailed(reason, status=status)
        return CallResult(target, None, error, status, elapsed_ms, process_ms)
    return CallResult(target, response, None, status, elapsed_ms, process_ms)


def _signed_by(target: AxonTarget, reply: httpx.Response, request_id: bytes, status: int) -> bool:
    """Whether the target hotkey signed (request id, status, body hash) of this reply.

    Successes must be bound to our request id. Refusals issued before the axon could compute
    it (unknown route, oversized body, unparsable headers) are bound to the zero id instead.
    """
    raw = reply.headers.get(c.H_SIGNATURE, "")
    try:
        signature = bytes.fromhex(raw.removeprefix("0x"))
    except ValueError:
        return False
    ids = (request_id,) if status == 200 else (request_id, _ZERO32)
    body_hash = keccak(reply.content)
    for rid in ids:
        try:
            digest = c.response_digest(rid, status, body_hash)
            if recover_address(digest, signature) == target.hotkey_bytes:
                return True
        except SignatureInvalid:
            return False
    return False


def _refusal(target: AxonTarget, reply: httpx.Response, verified: bool) -> CallFailed:
    try:
        data = reply.json()
        code, reason = str(data.get("error")), str(data.get("reason"))
    except (ValueError, AttributeError):
        code, reason = None, reply.text[:200]
    message = f"{target.url} refused with {reply.status_code} {code}: {reason}"
    if not verified:
        message = f"unsigned or mis-signed reply, not trusted: {message}"
        return ResponseUnverified(message, status=reply.status_code, code=code)
    if reply.status_code == 504:
        return CallTimeout(message, status=504, code=code)
    return AxonRefused(message, status=reply.status_code, code=code)
