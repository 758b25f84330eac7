"""The subnet's tasks: chat-style text generation and text embeddings (route, request, response).

Miners serve them and validators query them; both import these definitions, so the wire format
has one home. A subnet with other tasks defines its own `Task` objects the same way.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from evmtensor.protocol import Task

__all__ = [
    "EMBED_TASK",
    "GENERATE_TASK",
    "ChatMessage",
    "EmbedRequest",
    "EmbedResponse",
    "GenerateRequest",
    "GenerateResponse",
]


class ChatMessage(BaseModel):
    """One turn of a conversation."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=32_000)


class GenerateRequest(BaseModel):
    """Continue a conversation. ``temperature == 0`` asks for greedy (deterministic) decoding."""

    model_config = ConfigDict(extra="forbid")
    messages: list[ChatMessage] = Field(min_length=1, max_length=64)
    max_tokens: int = Field(default=64, ge=1, le=1024)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int = Field(default=0, ge=0, lt=2**32)


class GenerateResponse(BaseModel):
    """The assistant's next turn."""

    model_config = ConfigDict(extra="forbid")
    text: str
    model: str = ""
    completion_tokens: int = Field(default=0, ge=0)
    prompt_tokens: int = Field(default=0, ge=0)


class EmbedRequest(BaseModel):
    """Texts to embed."""

    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(min_length=1, max_length=64)


class EmbedResponse(BaseModel):
    """One vector per text, in order."""

    model_config = ConfigDict(extra="forbid")
    embeddings: list[list[float]]


GENERATE_TASK: Task[GenerateRequest, GenerateResponse] = Task(
    "generate", GenerateRequest, GenerateResponse
)
EMBED_TASK: Task[EmbedRequest, EmbedResponse] = Task("embed", EmbedRequest, EmbedResponse)
