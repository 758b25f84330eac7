"""EVMTensor wallets: a coldkey and named hotkeys stored as standard Ethereum v3 keystores.

See `evmtensor.wallet.wallet` for the folder layout, `evmtensor.wallet.mnemonic` for the
derivation paths and `evmtensor.wallet.passwords` for where passwords come from.
"""

from evmtensor.wallet.errors import (
    KeyExists,
    KeyNotFound,
    KeystoreCorrupt,
    MnemonicInvalid,
    PasswordUnavailable,
    WalletError,
    WalletNotFound,
    WrongPassword,
)
from evmtensor.wallet.keystore import KDF_N_ENV, STANDARD_KDF_N
from evmtensor.wallet.mnemonic import COLDKEY_PATH, generate_mnemonic, hotkey_path
from evmtensor.wallet.passwords import PASSWORD_ENV, PASSWORD_FILE_ENV, PasswordSource
from evmtensor.wallet.wallet import (
    WALLET_PATH_ENV,
    CreatedKey,
    Wallet,
    default_wallet_root,
    list_wallets,
)

__all__ = [
    "COLDKEY_PATH",
    "KDF_N_ENV",
    "PASSWORD_ENV",
    "PASSWORD_FILE_ENV",
    "STANDARD_KDF_N",
    "WALLET_PATH_ENV",
    "CreatedKey",
    "KeyExists",
    "KeyNotFound",
    "KeystoreCorrupt",
    "MnemonicInvalid",
    "PasswordSource",
    "PasswordUnavailable",
    "Wallet",
    "WalletError",
    "WalletNotFound",
    "WrongPassword",
    "default_wallet_root",
    "generate_mnemonic",
    "hotkey_path",
    "list_wallets",
]
