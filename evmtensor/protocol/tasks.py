"""Typed tasks: a route with a pydantic request model and a pydantic response model.

A subnet defines its tasks on top of this module::

    class Summarize(BaseModel):
        text: str

    class Summary(BaseModel):
        summary: str

    SUMMARIZE = Task("summarize", Summarize, Summary)

and a miner attaches a handler ``def handle(request: Summarize, ctx: CallContext) -> Summary``
(sync handlers run in a worker thread; ``async def`` handlers run on the event loop and must not
block). `TEXT_TASK` is the simple text-in, text-out task shipped to exercise the stack.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from evmtensor.protocol.registry import NeuronInfo

__all__ = ["DEFAULT_MAX_BODY_BYTES", "TEXT_TASK", "CallContext", "Task", "TextRequest", "TextResponse"]

ReqT = TypeVar("ReqT", bound=BaseModel)
RespT = TypeVar("RespT", bound=BaseModel)
_ROUTE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Task(Generic[ReqT, RespT]):
    """One route of the protocol: ``POST /<route>`` with `request` in and `response` out."""

    route: str
    request: type[ReqT]
    response: type[RespT]
    # Largest raw bodies accepted: the axon refuses bigger requests (413) before reading them
    # whole, the dendrite refuses bigger responses while they arrive. Size them to the models.
    max_request_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_response_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not _ROUTE.match(self.route):
            raise ValueError(f"route {self.route!r} must match {_ROUTE.pattern}")
        if self.max_request_bytes < 1 or self.max_response_bytes < 1:
            raise ValueError(f"route {self.route!r}: body caps must be positive")


@dataclass(frozen=True)
class CallContext:
    """What a handler knows about the call it serves."""

    caller: NeuronInfo
    request_id: bytes
    deadline: float  # time.monotonic() after which the caller has given up
    cancelled: threading.Event = field(default_factory=threading.Event)

    def remaining(self) -> float:
        """Seconds left before the caller's timeout (negative once past it)."""
        return self.deadline - time.monotonic()


class TextRequest(BaseModel):
    """Text in."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=1_000_000)


class TextResponse(BaseModel):
    """Text out."""

    model_config = ConfigDict(extra="forbid")
    text: str


# 1,000,000 characters of text JSON-escaped as \uXXXX take at most ~6 MB
TEXT_TASK: Task[TextRequest, TextResponse] = Task(
    "text", TextRequest, TextResponse, max_request_bytes=6_100_000, max_response_bytes=6_100_000
)
