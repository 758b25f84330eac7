"""The root of every EVMTensor exception.

Hierarchy::

    EvmTensorError
    ├── ConfigError            bad settings, missing files, unusable paths
    ├── ToolchainError         solc / anvil / node missing or failing
    ├── ChainError             JSON-RPC and transaction failures
    │   ├── ContractRevert     a named custom error decoded from a revert (name, args)
    │   └── DeploymentError    nothing deployed where a deployment file points
    ├── WalletError            (evmtensor.wallet) keys, keystores, passwords
    ├── ProtocolError          (evmtensor.protocol) signed HTTP between neurons
    └── YumaError              (oracle.yuma) the Yuma Consensus engine
        └── YumaInputError     bad epoch input (also a ValueError); ``field`` names it
"""

from __future__ import annotations

__all__ = [
    "EvmTensorError",
    "ConfigError",
    "ToolchainError",
    "ChainError",
    "ContractRevert",
    "DeploymentError",
]


class EvmTensorError(Exception):
    """Root of every error raised on purpose by EVMTensor code."""


class ConfigError(EvmTensorError):
    """A setting, path or file the user supplied cannot be used."""


class ToolchainError(EvmTensorError):
    """An external tool (solc shim, anvil, node) is missing or failed."""


class ChainError(EvmTensorError):
    """A JSON-RPC call or a transaction failed."""


class ContractRevert(ChainError):
    """A transaction or call reverted with a custom error, decoded by name.

    Attributes:
        name: the Solidity error name (e.g. ``PoolLimitPriceExceeded``), or ``"Error"`` for a
            revert string, ``"Panic"`` for a panic code, ``"Unknown"`` when undecodable.
        args: the decoded arguments, in declaration order.
    """

    def __init__(self, name: str, args: tuple = (), *, data: str | None = None):
        self.name = name
        self.args_decoded = tuple(args)
        self.data = data
        rendered = ", ".join(repr(a) for a in self.args_decoded)
        super().__init__(f"{name}({rendered})")


class DeploymentError(ChainError):
    """The deployment file is missing, stale, or points to no code."""
