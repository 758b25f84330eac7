"""Pin the public surface: every name in `__all__` exists, and every public module has one."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import evmtensor.chain
import evmtensor.cli
import evmtensor.protocol
import evmtensor.wallet

MODULES = sorted(
    f"{pkg.__name__}.{m.name}"
    for pkg in (evmtensor.chain, evmtensor.cli, evmtensor.protocol, evmtensor.wallet)
    for m in pkgutil.iter_modules(pkg.__path__)
) + ["evmtensor.chain", "evmtensor.cli", "evmtensor.protocol", "evmtensor.wallet", "evmtensor.units",
     "evmtensor.settings", "miner", "validator"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_explicit_and_resolves(name: str):
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing members: {missing}"


def test_package_roots_export_the_key_types():
    assert {"Axon", "Dendrite", "Signer", "TEXT_TASK", "ProtocolError"} <= set(evmtensor.protocol.__all__)
    assert {"Wallet", "PasswordSource", "WalletError"} <= set(evmtensor.wallet.__all__)
