"""The axon: a FastAPI app that serves typed tasks to callers who prove who they are.

Order of work for ``POST /<route>``; each step runs only if the ones before it passed, so the
handler never runs for a refused request, and nothing but headers is read until the caller is
known to be a registered hotkey that signed this very request:

1. route known?                         else 404 UNKNOWN_ROUTE
2. version header spoken?               else 426 UNSUPPORTED_VERSION (401 if absent)
3. headers well formed                  else 401 MISSING_HEADER / BAD_HEADER
   (from here on every refusal is signed over the request id, so it cannot be replayed)
4. addressed here, timeout positive     else 401 WRONG_TARGET / BAD_HEADER
5. timestamp fresh, not from the future else 401 NONCE_STALE / CLOCK_SKEW (with server time)
6. caller registered                    else 403 UNKNOWN_CALLER
7. EIP-712 signature by the caller      else 401 BAD_SIGNATURE (empty signatures included)
8. nonce not seen yet, blacklist hook   else 401 NONCE_REPLAY / 403 BLACKLISTED
9. body read within the route's cap and the body deadline, keccak256 = the signed hash
                                        else 413 BODY_TOO_LARGE / 408 BODY_TIMEOUT / 401 BODY_MISMATCH
10. nonce recorded (durable window)     else 401 NONCE_REPLAY / NONCE_STALE, 503 STORAGE_UNAVAILABLE
11. body parsed into the task's model   else 422 INVALID_BODY
12. priority gate (stake), handler off the event loop, within the caller's remaining timeout
                                        else 429 OVERLOADED / 504 TIMEOUT (result discarded)

Every reply, refusals included, is signed by the axon's hotkey over (request id, status,
keccak256(body)); see `evmtensor.protocol.canonical`. Refusal log lines are rate-limited (an
attacker decides how many refusals there are). Connection-level limits (head deadline,
connection caps, header size) are `AxonSettings.connections`, applied by
`evmtensor.protocol.server` through `evmtensor.protocol._guard`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import json
import logging
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from evmtensor.protocol import canonical as c
from evmtensor.protocol._guard import RateLimitedLog
from evmtensor.protocol.crypto import Signer, keccak, recover_address
from evmtensor.protocol.errors import Refusal, RefusalCode, SignatureInvalid
from evmtensor.protocol.gate import PriorityGate
from evmtensor.protocol.nonces import NonceStore
from evmtensor.protocol.policy import (
    AxonSettings,
    Blacklist,
    Handler,
    Priority,
    by_stake,
    require_permit,
)
from evmtensor.protocol.registry import (
    NeuronInfo,
    RefreshableRegistry,
    Registry,
    RegistryRefresher,
)
from evmtensor.protocol.tasks import CallContext, Task

__all__ = ["Axon", "AxonSettings", "Blacklist", "Handler", "Priority", "by_stake", "require_permit"]

log = logging.getLogger(__name__)
_ZERO32 = bytes(32)

@dataclass(frozen=True)
class _Binding:
    task: Task[Any, Any]
    handler: Handler
    is_async: bool
    blacklist: Blacklist | None
    priority: Priority


@lru_cache(maxsize=65536)
def _checksum(raw: bytes) -> str:
    return to_checksum_address(raw)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Axon:
    """Serves attached tasks; build the ASGI app with `app()` and run it with uvicorn."""

    def __init__(
        self,
        signer: Signer,
        registry: Registry,
        *,
        data_dir: Path | None,
        settings: AxonSettings | None = None,
    ) -> None:
        self.signer = signer
        self.registry = registry
        self.settings = settings or AxonSettings()
        s = self.settings
        store_path = None if data_dir is None else data_dir / f"nonces-{signer.address}.log"
        window_ms = int((s.max_age_s + s.max_skew_s) * 1000)
        self.nonces = NonceStore(
            store_path,
            window_ms=window_ms,
            per_caller=s.nonces_per_caller,
            fsync=s.fsync_nonces,
            skew_ms=int(s.max_skew_s * 1000),
        )
        self._bindings: dict[str, _Binding] = {}
        self._gate = PriorityGate(s.slots, s.max_waiting)
        self._executor = ThreadPoolExecutor(s.worker_threads, thread_name_prefix="axon-handler")
        self._refusals = RateLimitedLog(log, per_second=10.0)

    def attach(
        self,
        task: Task[Any, Any],
        handler: Handler,
        *,
        blacklist: Blacklist | None = None,
        priority: Priority = by_stake,
    ) -> Axon:
        """Serve `task` with `handler(request, ctx)`; sync handlers run in worker threads."""
        if task.route in self._bindings:
            raise ValueError(f"route {task.route!r} is already attached")
        is_async = inspect.iscoroutinefunction(handler)
        self._bindings[task.route] = _Binding(task, handler, is_async, blacklist, priority)
        return self

    def app(self) -> FastAPI:
        """The ASGI application: ``GET /`` describes the axon, ``POST /<route>`` serves."""
        app = FastAPI(lifespan=self._lifespan, openapi_url=None, docs_url=None, redoc_url=None)
        app.state.connection_limits = self.settings.connections
        app.add_api_route("/", self._describe, methods=["GET"])
        app.add_route("/{route}", self._endpoint, methods=["POST"])
        return app

    async def _describe(self) -> dict[str, Any]:
        return {
            "hotkey": self.signer.address,
            "versions": sorted(c.SUPPORTED_VERSIONS),
            "routes": sorted(self._bindings),
            "server_time_ms": _now_ms(),
        }

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        refresher = None
        if isinstance(self.registry, RefreshableRegistry):
            # Start even if the chain is down: refusing every caller (403) until a refresh
            # succeeds beats a miner that cannot start; RegistryRefresher says so in the log.
            refresher = RegistryRefresher(self.registry)
            await refresher.start()
        log.info("axon %s serving %s", self.signer.address, ", ".join(sorted(self._bindings)))
        try:
            yield
        finally:
            if refresher is not None:
                await refresher.stop()
            self._executor.shutdown(wait=False, cancel_futures=True)
            self.nonces.close()

    # -- request path -----------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        arrived = time.monotonic()
        request_id = _ZERO32
        body_read = False
        try:
            binding = self._bindings.get(request.path_params["route"])
            if binding is None:
                raise Refusal(404, RefusalCode.UNKNOWN_ROUTE, "no such route on this axon")
            envelope, request_id, neuron = self._authenticate(request, binding.task.route)
            self._admit(binding, envelope, neuron)
            timeout_s = min(envelope.timeout_ms / 1000, self.settings.max_timeout_s)
            body = await self._read_body(request, binding.task, envelope, arrived + timeout_s)
            body_read = True
            self._record_nonce(envelope)
            payload = self._parse(binding.task, body)
            ctx = CallContext(neuron, request_id, arrived + timeout_s)
            result = await self._run(binding, payload, ctx)
        except Refusal as refusal:
            # a body we did not read whole must not be parsed as the next request: close
            return self._refusal_response(refusal, request_id, close=not body_read)
        content = result.model_dump_json().encode()
        return self._signed(200, content, request_id, arrived)

    def _authenticate(
        self, request: Request, route: str
    ) -> tuple[c.SignedRequest, bytes, NeuronInfo]:
        """Every check the headers allow, cheapest first, before any byte of body is read."""
        envelope, signature = c.parse_request_headers(request.headers, route)
        digest = envelope.digest()  # from here on every refusal is bound to this request
        try:
            self._check_envelope(envelope)
            neuron = self.registry.lookup(_checksum(envelope.caller))
            if neuron is None:
                reason = f"caller {_checksum(envelope.caller)} is not registered"
                raise Refusal(403, RefusalCode.UNKNOWN_CALLER, reason)
            try:
                signer = recover_address(digest, signature)
            except SignatureInvalid as exc:
                raise Refusal(401, RefusalCode.BAD_SIGNATURE, str(exc)) from exc
            if signer != envelope.caller:
                reason = f"signature is not by the claimed caller 0x{envelope.caller.hex()}"
                raise Refusal(401, RefusalCode.BAD_SIGNATURE, reason)
        except Refusal as refusal:
            raise _with_id(refusal, digest) from None
        return envelope, digest, neuron

    def _check_envelope(self, envelope: c.SignedRequest) -> None:
        if envelope.target != self.signer.address_bytes:
            raise Refusal(
                401,
                RefusalCode.WRONG_TARGET,
                f"request is for 0x{envelope.target.hex()}, this axon is {self.signer.address}",
            )
        if envelope.timeout_ms == 0:
            raise Refusal(401, RefusalCode.BAD_HEADER, f"{c.H_TIMEOUT} must be positive")
        self._check_clock(envelope.timestamp_ms)

    def _check_clock(self, timestamp_ms: int) -> None:
        now = _now_ms()
        age_s = (now - timestamp_ms) / 1000
        s = self.settings
        if age_s > s.max_age_s:
            raise Refusal(
                401,
                RefusalCode.NONCE_STALE,
                f"request is {age_s:.3f} s old; this axon accepts up to {s.max_age_s} s "
                f"(server time {now} ms): send promptly and check your clock",
            )
        if -age_s > s.max_skew_s:
            raise Refusal(
                401,
                RefusalCode.CLOCK_SKEW,
                f"request timestamp is {-age_s:.3f} s ahead of this axon's clock (server time "
                f"{now} ms, allowed skew {s.max_skew_s} s): synchronise your clock (NTP)",
            )

    def _admit(self, binding: _Binding, envelope: c.SignedRequest, neuron: NeuronInfo) -> None:
        """The early replay check (nothing recorded yet) and the blacklist, still body-free."""
        if self.nonces.seen(envelope.caller, envelope.nonce):
            reason = f"nonce {envelope.nonce} was already used by this caller"
            raise Refusal(401, RefusalCode.NONCE_REPLAY, reason)
        if binding.blacklist is not None:
            reason = binding.blacklist(neuron, binding.task.route)
            if reason is not None:
                raise Refusal(403, RefusalCode.BLACKLISTED, reason)

    async def _read_body(
        self, request: Request, task: Task[Any, Any], envelope: c.SignedRequest, deadline: float
    ) -> bytes:
        """The body, within the route's cap and the body deadline, checked against its hash."""
        limit = min(task.max_request_bytes, self.settings.max_body_bytes)
        too_large = Refusal(413, RefusalCode.BODY_TOO_LARGE, f"body exceeds {limit} bytes")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            raise too_large
        loop = asyncio.get_running_loop()
        wait = min(self.settings.body_timeout_s, deadline - time.monotonic())
        chunks, size = [], 0
        try:
            async with asyncio.timeout_at(loop.time() + max(0.0, wait)):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    chunks.append(chunk)
        except TimeoutError:
            reason = f"body not received within {wait:.3f} s"
            raise Refusal(408, RefusalCode.BODY_TIMEOUT, reason) from None
        body = b"".join(chunks)
        if keccak(body) != envelope.body_hash:
            reason = f"the body does not match {c.H_BODY_HASH} (the hash the caller signed)"
            raise Refusal(401, RefusalCode.BODY_MISMATCH, reason)
        return body

    def _record_nonce(self, envelope: c.SignedRequest) -> None:
        verdict = self.nonces.check_and_add(
            envelope.caller, envelope.nonce, envelope.timestamp_ms, _now_ms()
        )
        if verdict is not None:
            status = 503 if verdict[0] is RefusalCode.STORAGE_UNAVAILABLE else 401
            raise Refusal(status, verdict[0], verdict[1])

    @staticmethod
    def _parse(task: Task[Any, Any], body: bytes) -> BaseModel:
        try:
            return task.request.model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise Refusal(422, RefusalCode.INVALID_BODY, problems) from exc

    async def _run(self, binding: _Binding, payload: BaseModel, ctx: CallContext) -> BaseModel:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(loop.time() + ctx.remaining()):
                await self._gate.acquire(self._priority(binding, ctx.caller))
                result = await self._call(binding, payload, ctx)
        except TimeoutError as exc:
            ctx.cancelled.set()
            log.info("abandoned %s for uid %s past its timeout", binding.task.route, ctx.caller.uid)
            raise Refusal(504, RefusalCode.TIMEOUT, "handler did not finish in time") from exc
        return self._check_result(binding.task, result)

    @staticmethod
    def _priority(binding: _Binding, neuron: NeuronInfo) -> float:
        try:
            return float(binding.priority(neuron))
        except Exception:  # noqa: BLE001 - a broken priority hook ranks the caller last
            log.exception("priority hook for %s failed", binding.task.route)
            return float("-inf")

    async def _call(self, binding: _Binding, payload: BaseModel, ctx: CallContext) -> Any:
        """Run the handler holding one gate slot, released only when the work has stopped."""
        try:
            if binding.is_async:
                try:  # cancellation really stops a coroutine: release when it unwinds
                    return await binding.handler(payload, ctx)
                finally:
                    self._gate.release()
            return await self._in_thread(binding, payload, ctx)
        except (Refusal, asyncio.CancelledError):
            raise
        except Exception as exc:  # a handler bug must not look like a caller mistake
            log.exception("handler for %s failed", binding.task.route)
            raise Refusal(
                500, RefusalCode.HANDLER_ERROR, f"handler raised {type(exc).__name__}"
            ) from exc

    async def _in_thread(self, binding: _Binding, payload: BaseModel, ctx: CallContext) -> Any:
        """A thread cannot be cancelled: its slot is freed when the thread returns, not when
        the caller's timeout abandons it, so slots never outnumber busy threads."""
        loop = asyncio.get_running_loop()

        def release(_: concurrent.futures.Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed during shutdown
                loop.call_soon_threadsafe(self._gate.release)

        job = self._executor.submit(binding.handler, payload, ctx)
        job.add_done_callback(release)
        return await asyncio.wrap_future(job)

    @staticmethod
    def _check_result(task: Task[Any, Any], result: Any) -> BaseModel:
        if isinstance(result, task.response):
            return result
        try:
            return task.response.model_validate(result)
        except ValidationError as exc:
            log.error("handler for %s returned an invalid %s", task.route, task.response.__name__)
            reason = "handler returned an invalid response"
            raise Refusal(500, RefusalCode.HANDLER_ERROR, reason) from exc

    # -- replies ----------------------------------------------------------------------------

    def _refusal_response(self, refusal: Refusal, request_id: bytes, *, close: bool) -> Response:
        rid = refusal.request_id or request_id
        self._refusals.log(
            logging.INFO, "refused %s %s: %s", refusal.status, refusal.code, refusal.reason[:200]
        )
        content = (
            b'{"error":"%s","reason":%s,"server_time_ms":%d}'
            % (refusal.code.value.encode(), _json_str(refusal.reason), _now_ms())
        )
        extra = {**refusal.headers, "connection": "close"} if close else refusal.headers
        return self._signed(refusal.status, content, rid, None, extra)

    def _signed(
        self,
        status: int,
        content: bytes,
        request_id: bytes,
        arrived: float | None,
        extra: dict[str, str] | None = None,
    ) -> Response:
        digest = c.response_digest(request_id, status, keccak(content))
        headers = {
            c.H_REQUEST_ID: "0x" + request_id.hex(),
            c.H_SIGNATURE: "0x" + self.signer.sign(digest).hex(),
            c.H_SERVER_TIME: str(_now_ms()),
            **(extra or {}),
        }
        if arrived is not None:
            headers[c.H_PROCESS_MS] = f"{(time.monotonic() - arrived) * 1000:.3f}"
        return Response(content, status, headers, media_type="application/json")


def _with_id(refusal: Refusal, request_id: bytes) -> Refusal:
    refusal.request_id = request_id
    return refusal


def _json_str(text: str) -> bytes:
    return json.dumps(text).encode()
