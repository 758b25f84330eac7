"""A miner serving a real model: the signed axon plus model loading, batching, health, metrics.

``MinerService(...).app()`` is an ASGI app with three parts:

- ``POST /generate`` (`GENERATE_TASK`), ``POST /text`` (`TEXT_TASK`, the user's text as one chat
  turn) and, with an embedder, ``POST /embed`` (`EMBED_TASK`): the axon's signed routes;
- ``GET /health``: 200 ``{"status": "ready"}`` once the model is loaded, 503 before (or if the
  load failed, with the error);
- ``GET /metrics``: Prometheus text.

The model loads in a background task started by the app's lifespan, so the server accepts
connections (and answers /health) at once; signed calls before the model is ready get 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount

from evmtensor.protocol import (
    TEXT_TASK,
    Axon,
    AxonSettings,
    CallContext,
    Refusal,
    RefusalCode,
    Registry,
    Signer,
    TextRequest,
    TextResponse,
    require_permit,
)
from miner.backend import Generation, ModelBackend, Prompt, SamplingKey, TransformersBackend
from miner.batcher import BatcherClosed, DynamicBatcher, RequestExpired
from miner.embedding import MiniLMEmbedder
from miner.metrics import CONTENT_TYPE_LATEST, MinerMetrics
from miner.settings import MinerSettings
from miner.tasks import (
    EMBED_TASK,
    GENERATE_TASK,
    EmbedRequest,
    EmbedResponse,
    GenerateRequest,
    GenerateResponse,
)

__all__ = ["MinerService", "build_model_miner"]

log = logging.getLogger(__name__)


class MinerService:
    """Model backend + dynamic batcher + axon for one hotkey."""

    def __init__(
        self,
        signer: Signer,
        registry: Registry,
        backend: ModelBackend,
        *,
        data_dir: Path | None,
        embedder: MiniLMEmbedder | None = None,
        settings: AxonSettings | None = None,
        max_batch: int = 8,
        max_wait_s: float = 0.01,
        validators_only: bool = False,
    ) -> None:
        self.backend = backend
        self.embedder = embedder
        self.metrics = MinerMetrics()
        self.batcher = DynamicBatcher(backend, max_batch=max_batch, max_wait_s=max_wait_s,
                                      metrics=self.metrics)
        self.axon = Axon(signer, registry, data_dir=data_dir, settings=settings)
        # validators_only (bittensor's force_validator_permit): a registered miner without a
        # permit cannot relay the validators' queries here and hand in our answers as its own.
        gate = require_permit() if validators_only else None
        self.axon.attach(GENERATE_TASK, self._generate, blacklist=gate)
        self.axon.attach(TEXT_TASK, self._text, blacklist=gate)
        if embedder is not None:
            self.axon.attach(EMBED_TASK, self._embed, blacklist=gate)
        self.ready = asyncio.Event()
        self.load_error: str | None = None

    def app(self) -> FastAPI:
        inner = self.axon.app()

        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with inner.router.lifespan_context(inner):
                self.ready = asyncio.Event()
                self.batcher.start()
                loader = asyncio.create_task(self._load(), name="miner-load")
                try:
                    yield
                finally:
                    loader.cancel()
                    await self.batcher.stop()

        app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
        app.add_api_route("/health", self._health, methods=["GET"])
        app.add_api_route("/metrics", self._metrics, methods=["GET"])
        app.router.routes.append(Mount("", app=inner))
        return app

    async def _load(self) -> None:
        log.info("loading model %s ...", getattr(self.backend, "source", None) or "(default)")
        started = time.perf_counter()
        try:
            if not self.backend.loaded:  # a backend may come loaded (shared by two services)
                await asyncio.to_thread(self.backend.load)
            if self.embedder is not None and not self.embedder.loaded:
                await asyncio.to_thread(self.embedder.load)
        except Exception as exc:  # keep serving /health with the reason rather than dying silently
            self.load_error = f"{type(exc).__name__}: {exc}"
            log.error("model failed to load: %s", self.load_error)
            return
        self.metrics.model_ready.set(1)
        self.ready.set()
        log.info("model %s loaded in %.1f s: ready", self.backend.name,
                 time.perf_counter() - started)

    async def _health(self) -> Response:
        if self.ready.is_set():
            return JSONResponse({"status": "ready", "model": self.backend.name})
        if self.load_error is not None:
            return JSONResponse({"status": "failed", "error": self.load_error}, 503)
        return JSONResponse({"status": "loading"}, 503)

    async def _metrics(self) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    # -- handlers (async: they only await the batcher; the model runs on its own thread) ---------

    async def _generate(self, request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        prompt = Prompt(tuple((m.role, m.content) for m in request.messages), request.max_tokens)
        key = SamplingKey(request.temperature, request.top_p)
        gen = await self._submit("generate", prompt, key, request.seed, ctx)
        return GenerateResponse(text=gen.text, model=self.backend.name,
                                completion_tokens=gen.completion_tokens,
                                prompt_tokens=gen.prompt_tokens)

    async def _text(self, request: TextRequest, ctx: CallContext) -> TextResponse:
        prompt = Prompt((("user", request.text),), 64)
        gen = await self._submit("text", prompt, SamplingKey(), 0, ctx)
        return TextResponse(text=gen.text)

    async def _embed(self, request: EmbedRequest, ctx: CallContext) -> EmbedResponse:
        self._require_ready()
        assert self.embedder is not None
        vectors = await asyncio.to_thread(self.embedder.embed, request.texts)
        self.metrics.requests.labels(route="embed", outcome="ok").inc()
        return EmbedResponse(embeddings=vectors.tolist())

    def _require_ready(self) -> None:
        if not self.ready.is_set():
            state = "failed to load" if self.load_error else "is still loading"
            raise Refusal(429, RefusalCode.OVERLOADED, f"the model {state}",
                          headers={"retry-after": "5"})

    async def _submit(self, route: str, prompt: Prompt, key: SamplingKey, seed: int,
                      ctx: CallContext) -> Generation:
        self._require_ready()
        try:
            gen = await self.batcher.submit(prompt, key, seed, ctx.deadline)
        except RequestExpired as exc:
            self.metrics.requests.labels(route=route, outcome="expired").inc()
            raise Refusal(504, RefusalCode.TIMEOUT, "the caller's timeout passed in the queue") from exc
        except BatcherClosed as exc:
            raise Refusal(429, RefusalCode.OVERLOADED, str(exc)) from exc
        except asyncio.CancelledError:
            self.metrics.requests.labels(route=route, outcome="abandoned").inc()
            raise
        self.metrics.requests.labels(route=route, outcome="ok").inc()
        return gen

    def describe(self) -> dict[str, Any]:
        return {"hotkey": self.axon.signer.address, "model": self.backend.name}


def build_model_miner(signer: Signer, registry: Registry, data_dir: Path,
                      settings: MinerSettings) -> MinerService:
    """The miner ``python -m miner --model ...`` runs: the settings' model (SmolLM2 by default;
    a GGUF's float copy kept under ``data_dir/models``), batched, optionally with embeddings."""
    backend = TransformersBackend(settings.model, cache_dir=data_dir / "models",
                                  device=settings.device, threads=settings.threads)
    embedder = MiniLMEmbedder() if settings.embeddings else None
    return MinerService(signer, registry, backend, data_dir=data_dir, embedder=embedder,
                        max_batch=settings.max_batch, max_wait_s=settings.max_wait_ms / 1000,
                        validators_only=settings.validators_only)
