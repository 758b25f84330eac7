"""Development accounts from Anvil's public test mnemonic: one definition for the devnet, the
tests and the benches. Their keys are public: never use them outside a development chain."""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount

__all__ = ["DEFAULT_MNEMONIC", "dev_account", "dev_hotkey"]

# Anvil's (and Hardhat's) well-known development mnemonic: its accounts are public test keys.
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"

Account.enable_unaudited_hdwallet_features()


def dev_account(index: int) -> LocalAccount:
    """Anvil's development account ``index`` (a coldkey holding genesis TAO and ETH)."""
    return Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def dev_hotkey(index: int) -> LocalAccount:
    """Development hotkey ``index`` (its own derivation branch: it holds no TAO)."""
    return Account.from_mnemonic(DEFAULT_MNEMONIC, account_path=f"m/44'/60'/1'/0/{index}")
