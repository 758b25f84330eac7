"""The validator's settings: defaults, overridden by ``VALIDATOR_*`` environment variables, then
by explicit keyword arguments (flags), through the project's `ServiceSettings` pattern.

``ValidatorSettings.from_env()`` reads e.g. ``VALIDATOR_ROUND_INTERVAL_S=6``; a value of the
wrong type is a `ConfigError` naming the variable, at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field

from evmtensor.settings import ServiceSettings

__all__ = ["ValidatorSettings"]


class ValidatorSettings(ServiceSettings):
    """How the validator runs its rounds, sets weights and serves the gateway."""

    ENV_PREFIX: ClassVar[str] = "VALIDATOR_"

    netuid: int = Field(default=1, ge=0, lt=2**16)
    data_dir: Path = Path.home() / ".evmtensor" / "validator"
    round_interval_s: float = Field(default=12.0, gt=0)
    weights_interval_s: float = Field(default=120.0, gt=0)
    #: A signed row may land on chain until this many blocks after the block it was signed at.
    weights_deadline_blocks: int = Field(default=50, ge=1)
    #: The relay weights and epoch attestations go to (None: weights to a file, no attestations).
    relay_url: str | None = None
    #: How often the epoch job checks for a due epoch and attests (with a relay).
    epoch_interval_s: float = Field(default=6.0, gt=0)
    sample_size: int = Field(default=16, ge=1)
    timeout_s: float = Field(default=12.0, gt=0)
    alpha: float = Field(default=0.1, gt=0, le=1)
    max_weight_limit: float = Field(default=1.0, gt=0, le=1)
    seed: int | None = None
    gateway_top_k: int = Field(default=3, ge=1)
    gateway_timeout_s: float = Field(default=30.0, gt=0)
    gateway_api_key: str | None = None
    model_name: str = "evmtensor-subnet"  # the gateway's model id
    model: Path | None = None  # the reference generator: a folder or .gguf (default SmolLM2)
    device: str | None = None  # "cuda" or "cpu"; None: cuda when available
    embedding_task: bool = False  # also run the embedding task (miners with MINER_EMBEDDINGS)
