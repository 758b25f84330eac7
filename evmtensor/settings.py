"""Typed settings from the environment, one pattern for every service.

pydantic-settings would do this, but its python-dotenv floor conflicts with eth-brownie's pins,
so this is a small reader over plain pydantic models::

    class RelaySettings(ServiceSettings):
        ENV_PREFIX: ClassVar[str] = "RELAY_"
        rpc_url: str                      # required: RELAY_RPC_URL
        port: int = 8600                  # RELAY_PORT, optional

    settings = RelaySettings.from_env()   # or get_settings(RelaySettings), cached

A required value that is missing, or a value of the wrong type, fails at start-up with a
:class:`ConfigError` naming the environment variable. Tests build settings directly
(``RelaySettings(rpc_url=...)``) or pass an ``environ`` mapping; nothing reads a global.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from evmtensor.errors import ConfigError

__all__ = ["ServiceSettings", "get_settings"]

S = TypeVar("S", bound="ServiceSettings")


class ServiceSettings(BaseModel):
    """Base for a service's settings; subclasses set ``ENV_PREFIX`` and declare fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    ENV_PREFIX: ClassVar[str] = ""

    @classmethod
    def env_name(cls, field: str) -> str:
        return f"{cls.ENV_PREFIX}{field}".upper()

    @classmethod
    def from_env(cls: type[S], environ: Mapping[str, str] | None = None, **overrides: Any) -> S:
        """Settings from ``environ`` (default ``os.environ``), ``overrides`` taking precedence.

        Raises:
            ConfigError: a required variable is missing or a value does not parse.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = environ.get(cls.env_name(name))
            if raw is not None:
                values[name] = _parse(raw)
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{cls.env_name(str(err['loc'][0])) if err['loc'] else cls.__name__}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"{cls.__name__}: {problems}") from exc


def _parse(raw: str) -> Any:
    """Environment strings stay strings unless they are JSON lists or objects (for list fields);
    pydantic coerces "8600" to int and "true" to bool by the field's type."""
    stripped = raw.strip()
    if stripped[:1] in "[{":
        try:
            return json.loads(stripped)
        except ValueError:
            return raw
    return raw


@lru_cache(maxsize=None)
def get_settings(cls: type[S]) -> S:
    """The process's settings of ``cls`` from the environment, read once (a FastAPI dependency
    target; tests use ``app.dependency_overrides`` or build settings directly)."""
    return cls.from_env()
