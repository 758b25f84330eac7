"""Fixtures for wallet tests: a scratch wallet root and a cheap scrypt cost."""

from __future__ import annotations

import pytest

from evmtensor.wallet import PasswordSource, Wallet

# One fixed, valid BIP-39 phrase (the well-known Hardhat/Anvil test mnemonic).
TEST_MNEMONIC = "test test test test test test test test test test test junk"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard scrypt (n=262144) takes ~0.5 s a key; tests use n=16."""
    monkeypatch.setenv("EVMTENSOR_KDF_N", "16")
    for name in ("EVMTENSOR_PASSWORD", "EVMTENSOR_PASSWORD_FILE", "EVMTENSOR_WALLET_PATH"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def root(tmp_path):
    return tmp_path / "wallets"


@pytest.fixture
def passwords() -> PasswordSource:
    return PasswordSource(password="correct horse", prompt=False)


@pytest.fixture
def wallet(root, passwords) -> Wallet:
    w = Wallet("alice", root)
    w.create(passwords, mnemonic=TEST_MNEMONIC)
    return w
