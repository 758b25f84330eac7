"""Compile every contract under ``contracts/`` with solc 0.8.37 through py-solc-x.

The compiler is ``tools/solc``, our native-CLI shim over the npm ``solc`` package (no native solc
is reachable offline). Artifacts are cached in ``build/contracts.json`` keyed by a hash of every
source and the settings, so an unchanged tree compiles once (~1 s per real compile).

``python -m evmtensor.devtools.compiler`` compiles and prints each contract's runtime size.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import solcx
from solcx.exceptions import SolcError

from evmtensor.errors import ToolchainError
from evmtensor.paths import BUILD_DIR, CONTRACTS_DIR, REPO_ROOT, SOLC_SHIM

__all__ = ["CompileError", "EIP170_LIMIT", "SETTINGS", "compile_contracts", "source_key"]

log = logging.getLogger(__name__)

SETTINGS = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "osaka",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
EIP170_LIMIT = 24_576


class CompileError(ToolchainError):
    """solc rejected the sources; the message holds its formatted errors."""


def _sources(contracts_dir: Path) -> dict[str, dict[str, str]]:
    files = sorted(contracts_dir.rglob("*.sol"))
    return {str(f.relative_to(contracts_dir.parent)): {"content": f.read_text()} for f in files}


def _cache_key(sources: dict) -> str:
    blob = json.dumps({"sources": sources, "settings": SETTINGS}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


def source_key(contracts_dir: Path = CONTRACTS_DIR) -> str:
    """A hash of every contract source and the compiler settings (what a deployment records, so
    a re-run can tell whether the sources changed since)."""
    return _cache_key(_sources(contracts_dir))


def _run_solc(sources: dict) -> dict:
    if not SOLC_SHIM.exists():
        raise ToolchainError(f"solc shim missing at {SOLC_SHIM}; run scripts/bootstrap.sh")
    payload = {"language": "Solidity", "sources": sources, "settings": SETTINGS}
    try:
        out = solcx.compile_standard(payload, solc_binary=SOLC_SHIM, base_path=str(REPO_ROOT))
    except SolcError as exc:
        raise CompileError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise ToolchainError(f"cannot run {SOLC_SHIM}: {exc} (is node installed?)") from exc
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))
    return out


def _artifacts(out: dict) -> dict[str, dict]:
    artifacts: dict[str, dict] = {}
    for source, contracts in out.get("contracts", {}).items():
        for name, c in contracts.items():
            artifacts[name] = {
                "source": source,
                "abi": c["abi"],
                "bytecode": "0x" + c["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + c["evm"]["deployedBytecode"]["object"],
            }
    return artifacts


def compile_contracts(contracts_dir: Path = CONTRACTS_DIR, *, force: bool = False) -> dict[str, dict]:
    """Compile (or load from cache) every contract; returns ``{name: {abi, bytecode, ...}}``.

    Raises:
        CompileError: solc reported errors.
        ToolchainError: the shim or node is missing.
    """
    sources = _sources(contracts_dir)
    key = _cache_key(sources)
    cache = BUILD_DIR / "contracts.json"
    if not force and cache.exists():
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            return cached["artifacts"]
    artifacts = _artifacts(_run_solc(sources))
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"key": key, "artifacts": artifacts}))
    os.replace(tmp, cache)  # atomic: parallel test workers never read half a file
    log.info("compiled %d contracts", len(artifacts))
    return artifacts


def _report() -> None:
    for name, art in sorted(compile_contracts(force=True).items()):
        size = (len(art["deployedBytecode"]) - 2) // 2
        if size:
            flag = "  OVER EIP-170" if size > EIP170_LIMIT else ""
            print(f"{name:32s} {size:6d} bytes{flag}")


if __name__ == "__main__":
    _report()
