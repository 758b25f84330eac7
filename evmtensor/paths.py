"""Where the repository's tools and data live, resolved once from this file's location."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["REPO_ROOT", "CONTRACTS_DIR", "BUILD_DIR", "SOLC_SHIM", "anvil_binary", "data_dir"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = REPO_ROOT / "contracts"
BUILD_DIR = REPO_ROOT / "build"
SOLC_SHIM = REPO_ROOT / "tools" / "solc"
_NODE_MODULES = REPO_ROOT / "node_modules"


def anvil_binary() -> Path:
    """The anvil binary from npm (calling it directly skips node's ~4 ms start)."""
    override = os.environ.get("EVMTENSOR_ANVIL")
    if override:
        return Path(override)
    return _NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"


def data_dir() -> Path:
    """The folder for persistent local state (Anvil state, deployments): ``EVMTENSOR_DATA``
    or ``<repo>/.data``."""
    return Path(os.environ.get("EVMTENSOR_DATA", REPO_ROOT / ".data"))
