"""Errors raised by the Yuma engine, under the project's one root (``evmtensor.errors``).

Hierarchy::

    EvmTensorError
    └── YumaError
        └── YumaInputError(YumaError, ValueError)   bad epoch input; ``field`` names the culprit

Only the CLI turns these into exit codes; library code never exits.
"""
from __future__ import annotations

from evmtensor.errors import EvmTensorError

__all__ = ["YumaError", "YumaInputError"]


class YumaError(EvmTensorError):
    """Root of every error the Yuma engine raises on purpose."""


class YumaInputError(YumaError, ValueError):
    """An epoch input is malformed. ``field`` is the dotted name of the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
