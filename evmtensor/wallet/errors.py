"""Exceptions raised by the wallet package.

Every message names what failed and where (wallet, key, file path), never a secret.

    EvmTensorError                (evmtensor.errors) root of every EVMTensor error
    └── WalletError               root of this package
        ├── WalletNotFound        wallet folder missing        (also FileNotFoundError)
        ├── KeyNotFound           coldkey/hotkey file missing  (also FileNotFoundError)
        ├── KeyExists             refusing to overwrite a key  (also FileExistsError)
        ├── KeystoreCorrupt       not JSON / not a v3 keystore / foreign or damaged file
        ├── WrongPassword         the keystore MAC did not match
        ├── PasswordUnavailable   no password source (prompt, env, file) could answer
        └── MnemonicInvalid       not a valid BIP-39 phrase or derivation path
"""

from __future__ import annotations

from evmtensor.errors import EvmTensorError

__all__ = [
    "KeyExists",
    "KeyNotFound",
    "KeystoreCorrupt",
    "MnemonicInvalid",
    "PasswordUnavailable",
    "WalletError",
    "WalletNotFound",
    "WrongPassword",
]


class WalletError(EvmTensorError):
    """Root of every wallet failure."""


class WalletNotFound(WalletError, FileNotFoundError):
    """The wallet folder does not exist."""


class KeyNotFound(WalletError, FileNotFoundError):
    """The requested coldkey or hotkey file does not exist."""


class KeyExists(WalletError, FileExistsError):
    """A key file already exists; wallets never overwrite keys."""


class KeystoreCorrupt(WalletError, ValueError):
    """The file is not a readable Ethereum v3 keystore."""


class WrongPassword(WalletError, ValueError):
    """The password does not decrypt the keystore."""


class PasswordUnavailable(WalletError):
    """No password could be obtained (no prompt available, no env var, no file)."""


class MnemonicInvalid(WalletError, ValueError):
    """The mnemonic phrase or derivation path is not valid."""
