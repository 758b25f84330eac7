"""The validator's settings: defaults, overridden by ``VALIDATOR_*`` environment variables, then
by explicit keyword arguments (flags).

``ValidatorSettings.from_env()`` reads e.g. ``VALIDATOR_ROUND_INTERVAL_S=6``; an unknown
``VALIDATOR_`` variable or a value of the wrong type is a `ConfigError` naming it, at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from miner.settings import ConfigError, settings_from_env

__all__ = ["ConfigError", "ValidatorSettings", "settings_from_env"]

class ValidatorSettings(BaseModel):
    """How the validator runs its rounds, sets weights and serves the gateway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    netuid: int = Field(default=1, ge=0, lt=2**16)
    data_dir: Path = Path.home() / ".evmtensor" / "validator"
    round_interval_s: float = Field(default=12.0, gt=0)
    weights_interval_s: float = Field(default=120.0, gt=0)
    sample_size: int = Field(default=16, ge=1)
    timeout_s: float = Field(default=12.0, gt=0)
    alpha: float = Field(default=0.1, gt=0, le=1)
    max_weight_limit: float = Field(default=1.0, gt=0, le=1)
    seed: int | None = None
    gateway_top_k: int = Field(default=3, ge=1)
    gateway_timeout_s: float = Field(default=30.0, gt=0)
    gateway_api_key: str | None = None
    model_name: str = "evmtensor-subnet"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ValidatorSettings:
        return settings_from_env(cls, "VALIDATOR_", environ, **overrides)
