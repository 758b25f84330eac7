"""Task types the validator runs: how to ask, what the right answer is, how to reward.

A subnet plugs in its incentive mechanism by implementing `ValidatorTask`:

- ``load()`` loads its models (blocking, once, before the first round);
- ``make_request(rng)`` builds one round's request;
- ``reference(request)`` computes the validator's own answer (blocking; runs in a thread);
- ``rewards(request, reference, results)`` turns the miners' `CallResult`s into an (m,) array in
  [0, 1] through the pure functions of `validator.rewards`.

Two ship here: `TextGenerationTask` (semantic similarity to the validator's own generation, with
the copy penalty) and `EmbeddingTask` (cosine agreement with the validator's embeddings).
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel

from evmtensor.protocol import CallResult, Task
from miner.backend import ModelBackend, Prompt, SamplingKey
from miner.embedding import MiniLMEmbedder
from miner.tasks import EMBED_TASK, GENERATE_TASK, EmbedRequest, GenerateRequest
from validator.rewards import apply_copy_penalty, embedding_rewards, similarity_rewards

__all__ = [
    "DEFAULT_PROMPTS",
    "DEFAULT_TEXTS",
    "EmbeddingTask",
    "TextGenerationTask",
    "ValidatorTask",
    "answer_groups",
    "generation_rewards",
]

DEFAULT_PROMPTS = (
    "Explain in one sentence why the sky is blue.",
    "Name three uses of a hash function.",
    "What does a validator do in a proof-of-stake network?",
    "Write a short greeting for a new colleague.",
    "Why do plants need sunlight?",
    "Give one tip for writing clear code.",
    "What is the capital of France, and why is it famous?",
    "Describe a cat in two sentences.",
)
DEFAULT_TEXTS = (
    "The quick brown fox jumps over the lazy dog.",
    "Validators score miners and set weights on chain.",
    "A constant-product pool keeps the product of its reserves fixed.",
    "Rain is expected tomorrow in the afternoon.",
    "The model was trained on a large corpus of text.",
    "Stake determines a validator's influence in consensus.",
    "Fresh bread smells wonderful in the morning.",
    "Embeddings map sentences to points in a vector space.",
)


@runtime_checkable
class ValidatorTask(Protocol):
    name: str
    task: Task[Any, Any]

    def load(self) -> None: ...

    def make_request(self, rng: np.random.Generator) -> BaseModel: ...

    def reference(self, request: Any) -> Any: ...

    def rewards(self, request: Any, reference: Any, results: list[CallResult]) -> np.ndarray: ...


_SPACE = re.compile(r"\s+")


def answer_groups(texts: list[str | None]) -> np.ndarray:
    """(m,) group ids: equal answers after case and whitespace folding share one; None -> -1."""
    ids: dict[bytes, int] = {}
    out = np.full(len(texts), -1, dtype=np.int64)
    for i, text in enumerate(texts):
        if text is None:
            continue
        key = hashlib.sha256(_SPACE.sub(" ", text.strip().casefold()).encode()).digest()
        out[i] = ids.setdefault(key, len(ids))
    return out


def generation_rewards(embedder: MiniLMEmbedder, reference: str, texts: list[str | None],
                       elapsed_s: np.ndarray) -> np.ndarray:
    """Similarity rewards for answers `texts` (None: no valid answer) with the copy penalty."""
    valid = np.array([bool(t and t.strip()) for t in texts], dtype=bool)
    answers = [t if v else "" for t, v in zip(texts, valid)]
    vectors = embedder.embed([reference, *answers])  # (1 + m, d)
    rewards = similarity_rewards(vectors[1:].reshape(len(texts), -1), vectors[0], valid)
    groups = answer_groups([t if v else None for t, v in zip(texts, valid)])
    return apply_copy_penalty(rewards, groups, elapsed_s)


class TextGenerationTask:
    """Chat generation, rewarded by semantic similarity to the validator's own answer."""

    name = "generate"
    task = GENERATE_TASK

    def __init__(self, generator: ModelBackend, embedder: MiniLMEmbedder, *,
                 prompts: tuple[str, ...] = DEFAULT_PROMPTS, max_tokens: int = 32) -> None:
        self.generator = generator
        self.embedder = embedder
        self.prompts = prompts
        self.max_tokens = max_tokens
        self._lock = threading.Lock()  # the backend serves one thread at a time

    def load(self) -> None:
        for model in (self.generator, self.embedder):
            if not model.loaded:
                model.load()

    def make_request(self, rng: np.random.Generator) -> GenerateRequest:
        prompt = self.prompts[int(rng.integers(len(self.prompts)))]
        return GenerateRequest(messages=[{"role": "user", "content": prompt}],
                               max_tokens=self.max_tokens, temperature=0.0,
                               seed=int(rng.integers(2**32)))

    def reference(self, request: GenerateRequest) -> str:
        prompt = Prompt(tuple((m.role, m.content) for m in request.messages), request.max_tokens)
        key = SamplingKey(request.temperature, request.top_p)
        with self._lock:
            return self.generator.generate([prompt], key, request.seed)[0].text

    def rewards(self, request: GenerateRequest, reference: str,
                results: list[CallResult]) -> np.ndarray:
        texts = [r.response.text if r.ok and r.response is not None else None for r in results]
        elapsed = np.array([r.elapsed_ms / 1000 if r.ok else np.nan for r in results])
        return generation_rewards(self.embedder, reference, texts, elapsed)


class EmbeddingTask:
    """Sentence embeddings, rewarded by agreement with the validator's own MiniLM vectors."""

    name = "embed"
    task = EMBED_TASK

    def __init__(self, embedder: MiniLMEmbedder, *, texts: tuple[str, ...] = DEFAULT_TEXTS,
                 per_round: int = 4) -> None:
        self.embedder = embedder
        self.texts = texts
        self.per_round = per_round

    def load(self) -> None:
        if not self.embedder.loaded:
            self.embedder.load()

    def make_request(self, rng: np.random.Generator) -> EmbedRequest:
        picks = rng.choice(len(self.texts), size=min(self.per_round, len(self.texts)),
                           replace=False)
        return EmbedRequest(texts=[self.texts[int(i)] for i in picks])

    def reference(self, request: EmbedRequest) -> np.ndarray:
        return self.embedder.embed(request.texts)  # (t, d)

    def rewards(self, request: EmbedRequest, reference: np.ndarray,
                results: list[CallResult]) -> np.ndarray:
        t, d = reference.shape
        answers = np.zeros((len(results), t, d))
        valid = np.zeros(len(results), dtype=bool)
        for i, r in enumerate(results):
            if not r.ok or r.response is None:
                continue
            try:
                arr = np.asarray(r.response.embeddings, dtype=np.float64)
            except ValueError:  # ragged rows
                continue
            if arr.shape == (t, d) and np.isfinite(arr).all():
                answers[i], valid[i] = arr, True
        return embedding_rewards(answers, reference, valid)
