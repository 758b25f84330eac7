"""BIP-39 mnemonics and the BIP-32/44 derivation paths of EVMTensor keys.

Derivation paths (documented, stable; changing them would orphan every wallet):

- coldkey:               ``m/44'/60'/0'/0/0``  (Ethereum account #0 of the mnemonic, so the same
                          phrase typed into MetaMask or any BIP-44 wallet shows the coldkey)
- hotkey named ``NAME``: ``m/44'/60'/1'/0/I`` where ``I`` is the first 31 bits (big-endian) of
                          ``keccak256("evmtensor-hotkey:" + NAME)``; so a hotkey regenerates from
                          the phrase and its name alone, and hotkeys never collide with the
                          coldkey (different account level, 1' vs 0').

A wallet created in one go derives its coldkey and first hotkey from one phrase; a hotkey added
later gets its own fresh phrase (shown once), derived at the same named path.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.hdaccount import generate_mnemonic as _generate_mnemonic
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_utils import keccak

from evmtensor.wallet.errors import MnemonicInvalid

__all__ = [
    "COLDKEY_PATH",
    "WORD_COUNTS",
    "derive_private_key",
    "generate_mnemonic",
    "hotkey_index",
    "hotkey_path",
]

Account.enable_unaudited_hdwallet_features()

COLDKEY_PATH = "m/44'/60'/0'/0/0"
WORD_COUNTS = (12, 15, 18, 21, 24)


def hotkey_index(name: str) -> int:
    """The non-hardened child index of hotkey `name` (0 <= index < 2**31)."""
    digest = keccak(b"evmtensor-hotkey:" + name.encode("utf-8"))
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


def hotkey_path(name: str) -> str:
    """The BIP-44 path of hotkey `name`."""
    return f"m/44'/60'/1'/0/{hotkey_index(name)}"


def generate_mnemonic(words: int = 12) -> str:
    """A fresh English BIP-39 phrase of `words` words from the OS random source."""
    if words not in WORD_COUNTS:
        raise MnemonicInvalid(f"a mnemonic has one of {WORD_COUNTS} words, not {words}")
    return str(_generate_mnemonic(num_words=words, lang="english"))


def derive_private_key(mnemonic: str, path: str, passphrase: str = "") -> bytes:
    """The 32-byte private key at `path` under `mnemonic` (checksum verified)."""
    phrase = " ".join(mnemonic.split())
    if not Mnemonic("english").is_mnemonic_valid(phrase):
        raise MnemonicInvalid("the mnemonic is not a valid English BIP-39 phrase (checksum failed)")
    try:
        account = Account.from_mnemonic(phrase, passphrase=passphrase, account_path=path)
    except ValueError as exc:
        raise MnemonicInvalid(f"cannot derive a key at {path!r}: {exc}") from exc
    return bytes(account.key)
