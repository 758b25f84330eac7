"""The axon: a FastAPI app that serves typed tasks to callers who prove who they are.

Order of work for ``POST /<route>`` (each step runs only if the ones before it passed, so the
handler never runs for a refused request and nothing is parsed before the signature holds):

1. route known?                         else 404 UNKNOWN_ROUTE
2. raw body read (bounded), keccak256   else 413 BODY_TOO_LARGE
3. version header spoken?               else 426 UNSUPPORTED_VERSION (401 if absent)
4. headers well formed, addressed here  else 401 MISSING_HEADER / BAD_HEADER / WRONG_TARGET
5. timestamp fresh, not from the future else 401 NONCE_STALE / CLOCK_SKEW (with server time)
6. EIP-712 signature by the caller      else 401 BAD_SIGNATURE (empty signatures included)
7. caller registered                    else 403 UNKNOWN_CALLER
8. nonce unused (durable window)        else 401 NONCE_REPLAY / NONCE_STALE
9. blacklist hook                       else 403 BLACKLISTED
10. body parsed into the task's model   else 422 INVALID_BODY
11. priority gate (stake), handler off the event loop, within the caller's remaining timeout
                                         else 429 OVERLOADED / 504 TIMEOUT (result discarded)

Every reply, refusals included, is signed by the axon's hotkey over (request id, status,
keccak256(body)); see `evmtensor.protocol.canonical`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
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
from evmtensor.protocol.crypto import Signer, keccak, recover_address
from evmtensor.protocol.errors import Refusal, RefusalCode, SignatureInvalid
from evmtensor.protocol.gate import PriorityGate
from evmtensor.protocol.nonces import NonceStore
from evmtensor.protocol.registry import NeuronInfo, RefreshableRegistry, Registry
from evmtensor.protocol.tasks import CallContext, Task

__all__ = ["Axon", "AxonSettings", "Blacklist", "Handler", "Priority", "by_stake", "require_permit"]

log = logging.getLogger(__name__)

Handler = Callable[[Any, CallContext], Any]
Blacklist = Callable[[NeuronInfo, str], str | None]  # returns a reason to refuse, or None
Priority = Callable[[NeuronInfo], float]
_ZERO32 = bytes(32)


def by_stake(neuron: NeuronInfo) -> float:
    """The default priority: the caller's stake."""
    return float(neuron.stake)


def require_permit(min_stake: int = 0) -> Blacklist:
    """A blacklist refusing callers without a validator permit or below `min_stake` rao."""

    def blacklist(neuron: NeuronInfo, route: str) -> str | None:
        if not neuron.validator_permit:
            return f"caller uid {neuron.uid} has no validator permit"
        if neuron.stake < min_stake:
            return f"caller uid {neuron.uid} stakes {neuron.stake} rao < {min_stake}"
        return None

    return blacklist


@dataclass(frozen=True)
class AxonSettings:
    """Limits of one axon; the defaults suit a miner on the open internet."""

    max_age_s: float = 10.0  # oldest request timestamp accepted
    max_skew_s: float = 2.0  # how far in the future a timestamp may be
    max_timeout_s: float = 300.0  # caller timeouts are clamped to this
    max_body_bytes: int = 16 * 1024 * 1024
    slots: int = 64  # handlers running at once
    max_waiting: int = 1024  # requests queued behind the slots before 429
    worker_threads: int = 16  # threads for synchronous handlers
    nonces_per_caller: int = 4096
    fsync_nonces: bool = False


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
            store_path, window_ms=window_ms, per_caller=s.nonces_per_caller, fsync=s.fsync_nonces
        )
        self._bindings: dict[str, _Binding] = {}
        self._gate = PriorityGate(s.slots, s.max_waiting)
        self._executor = ThreadPoolExecutor(s.worker_threads, thread_name_prefix="axon-handler")

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
            await self._refresh_once(self.registry)  # serve no request on an empty registry
            refresher = asyncio.create_task(self._refresh_registry(self.registry))
        log.info("axon %s serving %s", self.signer.address, ", ".join(sorted(self._bindings)))
        try:
            yield
        finally:
            if refresher is not None:
                refresher.cancel()
            self._executor.shutdown(wait=False, cancel_futures=True)
            self.nonces.close()

    async def _refresh_once(self, registry: RefreshableRegistry) -> None:
        try:
            await asyncio.to_thread(registry.refresh)
        except (OSError, ValueError, RuntimeError) as exc:  # chain hiccups: keep serving
            log.warning("registry refresh failed: %s", exc)

    async def _refresh_registry(self, registry: RefreshableRegistry) -> None:
        while True:
            await asyncio.sleep(registry.poll_interval_s)
            await self._refresh_once(registry)

    # -- request path -----------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        arrived = time.monotonic()
        request_id = _ZERO32
        try:
            binding = self._bindings.get(request.path_params["route"])
            if binding is None:
                raise Refusal(404, RefusalCode.UNKNOWN_ROUTE, "no such route on this axon")
            body = await self._read_body(request)
            envelope, request_id, neuron = self._authenticate(request, binding.task.route, body)
            self._admit(binding, envelope, request_id, neuron)
            payload = self._parse(binding.task, body)
            timeout_s = min(envelope.timeout_ms / 1000, self.settings.max_timeout_s)
            ctx = CallContext(neuron, request_id, arrived + timeout_s)
            result = await self._run(binding, payload, ctx)
        except Refusal as refusal:
            return self._refusal_response(refusal, refusal.request_id or request_id)
        content = result.model_dump_json().encode()
        return self._signed(200, content, request_id, arrived)

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise Refusal(413, RefusalCode.BODY_TOO_LARGE, f"body exceeds {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise Refusal(413, RefusalCode.BODY_TOO_LARGE, f"body exceeds {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _authenticate(
        self, request: Request, route: str, body: bytes
    ) -> tuple[c.SignedRequest, bytes, NeuronInfo]:
        envelope, signature = c.parse_request_headers(request.headers, route, keccak(body))
        if envelope.target != self.signer.address_bytes:
            raise Refusal(
                401,
                RefusalCode.WRONG_TARGET,
                f"request is for 0x{envelope.target.hex()}, this axon is {self.signer.address}",
            )
        if envelope.timeout_ms == 0:
            raise Refusal(401, RefusalCode.BAD_HEADER, f"{c.H_TIMEOUT} must be positive")
        self._check_clock(envelope.timestamp_ms)
        digest = envelope.digest()
        try:
            signer = recover_address(digest, signature)
        except SignatureInvalid as exc:
            raise _with_id(Refusal(401, RefusalCode.BAD_SIGNATURE, str(exc)), digest) from exc
        if signer != envelope.caller:
            reason = f"signature is not by the claimed caller 0x{envelope.caller.hex()}"
            raise _with_id(Refusal(401, RefusalCode.BAD_SIGNATURE, reason), digest)
        neuron = self.registry.lookup(_checksum(envelope.caller))
        if neuron is None:
            reason = f"caller {_checksum(envelope.caller)} is not registered"
            raise _with_id(Refusal(403, RefusalCode.UNKNOWN_CALLER, reason), digest)
        return envelope, digest, neuron

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

    def _admit(
        self, binding: _Binding, envelope: c.SignedRequest, digest: bytes, neuron: NeuronInfo
    ) -> None:
        verdict = self.nonces.check_and_add(
            envelope.caller, envelope.nonce, envelope.timestamp_ms, _now_ms()
        )
        if verdict is not None:
            raise _with_id(Refusal(401, verdict[0], verdict[1]), digest)
        if binding.blacklist is not None:
            reason = binding.blacklist(neuron, binding.task.route)
            if reason is not None:
                raise _with_id(Refusal(403, RefusalCode.BLACKLISTED, reason), digest)

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
                await self._gate.acquire(binding.priority(ctx.caller))
                try:
                    result = await self._call(binding, payload, ctx)
                finally:
                    self._gate.release()
        except TimeoutError as exc:
            ctx.cancelled.set()
            log.info("abandoned %s for uid %s past its timeout", binding.task.route, ctx.caller.uid)
            raise Refusal(504, RefusalCode.TIMEOUT, "handler did not finish in time") from exc
        return self._check_result(binding.task, result)

    async def _call(self, binding: _Binding, payload: BaseModel, ctx: CallContext) -> Any:
        try:
            if binding.is_async:
                return await binding.handler(payload, ctx)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, binding.handler, payload, ctx)
        except (Refusal, asyncio.CancelledError):
            raise
        except Exception as exc:  # a handler bug must not look like a caller mistake
            log.exception("handler for %s failed", binding.task.route)
            raise Refusal(
                500, RefusalCode.HANDLER_ERROR, f"handler raised {type(exc).__name__}"
            ) from exc

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

    def _refusal_response(self, refusal: Refusal, request_id: bytes) -> Response:
        log.info("refused %s %s: %s", refusal.status, refusal.code, refusal.reason)
        server_time = _now_ms()
        content = (
            b'{"error":"%s","reason":%s,"server_time_ms":%d}'
            % (refusal.code.value.encode(), _json_str(refusal.reason), server_time)
        )
        return self._signed(refusal.status, content, request_id, None, refusal.headers)

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
