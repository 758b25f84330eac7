"""An OpenAI-compatible API on the validator: the subnet's miners behind ``/v1``.

``POST /v1/chat/completions`` (``stream: true`` answers as server-sent events),
``POST /v1/completions`` and ``GET /v1/models``. A request goes to the top miners by incentive
(the validator's own scores break ties and stand in before the chain has any incentive), their
answers are rewarded like a round's (similarity to the validator's own answer, copy penalty),
the rewards feed the score store, and the best answer is returned with the miner's UID in the
``x-evmtensor-miner-uid`` header. Streaming sends the chosen answer one token per event (cut
where the validator's own tokenizer puts token boundaries) once it is chosen: the choice needs
every answer, and the signed protocol carries whole answers (one signed body per call), so no
token reaches the user before the miners have answered and been scored.

Errors use OpenAI's shape, ``{"error": {"message", "type", "code"}}``: 400 for a bad request,
401 for a wrong API key, 503 when no miner is serving or none answered.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse, StreamingResponse

from miner.tasks import GenerateRequest
from validator.metagraph import Neuron
from validator.scoring import TextGenerationTask

if TYPE_CHECKING:
    from validator.neuron import Validator

__all__ = ["MINER_UID_HEADER", "GatewayError", "gateway_router", "install_error_handlers",
           "token_pieces"]

MINER_UID_HEADER = "x-evmtensor-miner-uid"


class GatewayError(Exception):
    """An error the gateway answers in OpenAI's format."""

    def __init__(self, status: int, message: str, kind: str, code: str) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.kind, "code": self.code,
                          "param": None}}
        return JSONResponse(body, self.status)


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | list[dict[str, Any]] | None = None


class _Common(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenAI clients send options we do not use
    model: str
    max_tokens: int | None = Field(default=None, ge=1, le=1024)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    seed: int | None = Field(default=None, ge=0, lt=2**32)
    stream: bool = False


class ChatCompletionIn(_Common):
    messages: list[_Message] = Field(min_length=1, max_length=64)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=1024)


class CompletionIn(_Common):
    prompt: str


_ROLES = {"system", "user", "assistant", "developer"}


def _text_of(content: str | list[dict[str, Any]] | None) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")


def _generate_request(body: _Common, messages: list[dict[str, str]]) -> GenerateRequest:
    for m in messages:
        if m["role"] not in _ROLES:
            raise GatewayError(400, f"unsupported role {m['role']!r}", "invalid_request_error",
                               "invalid_role")
        if m["role"] == "developer":
            m["role"] = "system"
    limit = getattr(body, "max_completion_tokens", None) or body.max_tokens or 64
    return GenerateRequest(messages=messages, max_tokens=limit,
                           temperature=body.temperature or 0.0, top_p=body.top_p or 1.0,
                           seed=body.seed or 0)


def _top_miners(validator: Validator, k: int) -> list[Neuron]:
    mg = validator.metagraph
    if mg is None:
        return []
    serving = mg.serving(exclude=validator.signer.address)
    # By on-chain incentive, then by our own score (a young subnet has no incentive yet).
    ranked = sorted(serving, key=lambda n: (-n.incentive, -validator.store.score_of(n.uid), n.uid))
    return ranked[:k]


def gateway_router(validator: Validator) -> APIRouter:
    """The ``/v1`` routes, bound to `validator`."""
    task = next((t for t in validator.tasks if isinstance(t, TextGenerationTask)), None)
    settings = validator.settings

    def pieces(text: str) -> list[str]:
        # looked up per request: the task's model loads after the router is built
        return token_pieces(getattr(getattr(task, "generator", None), "tokenizer", None), text)

    async def authorize(request: Request) -> None:
        if settings.gateway_api_key is None:
            return
        if request.headers.get("authorization") != f"Bearer {settings.gateway_api_key}":
            raise GatewayError(401, "invalid API key", "invalid_request_error", "invalid_api_key")

    router = APIRouter(prefix="/v1", dependencies=[Depends(authorize)])

    async def answer(gen: GenerateRequest) -> tuple[str, int, int]:
        """(text, miner uid, completion tokens) of the best answer."""
        if task is None:
            raise GatewayError(503, "this validator runs no text-generation task",
                               "server_error", "no_task")
        if validator.metagraph is None:
            await validator.refresh()
        neurons = _top_miners(validator, settings.gateway_top_k)
        if not neurons:
            raise GatewayError(503, "no miner is serving", "server_error", "no_miners")
        results, rewards = await validator.query_and_score(task, gen, neurons,
                                                           settings.gateway_timeout_s)
        answered = [i for i, r in enumerate(results) if r.ok and r.response.text.strip()]
        if not answered:
            raise GatewayError(503, "no miner answered in time", "server_error", "no_answer")
        best = max(answered, key=lambda i: (rewards[i], -results[i].elapsed_ms))
        response = results[best].response
        return response.text, neurons[best].uid, response.completion_tokens

    @router.get("/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": settings.model_name, "object": "model",
                                            "created": 0, "owned_by": "evmtensor"}]}

    @router.post("/chat/completions")
    async def chat(body: ChatCompletionIn) -> Any:
        messages = [{"role": m.role, "content": _text_of(m.content)} for m in body.messages]
        text, uid, tokens = await answer(_generate_request(body, messages))
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        headers = {MINER_UID_HEADER: str(uid)}
        if body.stream:
            chunks = _chat_chunks(ident, created, body.model, pieces(text))
            return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
        return JSONResponse({
            "id": ident, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(tokens),
        }, headers=headers)

    @router.post("/completions")
    async def completions(body: CompletionIn) -> Any:
        text, uid, tokens = await answer(
            _generate_request(body, [{"role": "user", "content": body.prompt}]))
        ident, created = f"cmpl-{uuid.uuid4().hex}", int(time.time())
        headers = {MINER_UID_HEADER: str(uid)}
        if body.stream:
            chunks = _completion_chunks(ident, created, body.model, pieces(text))
            return StreamingResponse(chunks, media_type="text/event-stream", headers=headers)
        return JSONResponse({
            "id": ident, "object": "text_completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(tokens),
        }, headers=headers)

    return router


def install_error_handlers(app: Any) -> None:
    """OpenAI-shaped errors for `GatewayError` and for request bodies that fail validation."""

    async def on_gateway(request: Request, exc: GatewayError) -> JSONResponse:
        return exc.response()

    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or 'body'}: {e['msg']}"
                             for e in exc.errors()[:5])
        return GatewayError(400, problems, "invalid_request_error", "invalid_body").response()

    app.add_exception_handler(GatewayError, on_gateway)
    app.add_exception_handler(RequestValidationError, on_invalid)


def _usage(completion_tokens: int) -> dict[str, int]:
    return {"prompt_tokens": 0, "completion_tokens": completion_tokens,
            "total_tokens": completion_tokens}


_PIECES = re.compile(r"\S{1,16}\s*|\s+")  # words, long runs cut every 16 characters


def token_pieces(tokenizer: Any, text: str) -> list[str]:
    """`text` cut at the token boundaries of a fast tokenizer (words without one); the pieces
    join back to `text` exactly. A character split over several byte-level tokens stays whole."""
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        return _PIECES.findall(text)
    offsets = tokenizer(text, add_special_tokens=False,
                        return_offsets_mapping=True)["offset_mapping"]
    pieces, start = [], 0
    for _, end in offsets:
        if end > start:
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _sse(payload: dict[str, Any]) -> str:
    return f"data: {json.dumps(payload)}\n\n"


def _chat_chunks(ident: str, created: int, model: str, pieces: list[str]) -> Iterator[str]:
    base = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
    yield _sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                     "finish_reason": None}]})
    for piece in pieces:
        yield _sse({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                         "finish_reason": None}]})
    yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    yield "data: [DONE]\n\n"


def _completion_chunks(ident: str, created: int, model: str,
                       pieces: list[str]) -> Iterator[str]:
    base = {"id": ident, "object": "text_completion", "created": created, "model": model}
    for piece in pieces:
        yield _sse({**base, "choices": [{"index": 0, "text": piece, "finish_reason": None,
                                         "logprobs": None}]})
    yield _sse({**base, "choices": [{"index": 0, "text": "", "finish_reason": "stop",
                                     "logprobs": None}]})
    yield "data: [DONE]\n\n"

