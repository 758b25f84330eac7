"""A named wallet: one coldkey and named hotkeys, each a v3 keystore file.

Layout (the root defaults to ``~/.evmtensor/wallets``, overridden by ``$EVMTENSOR_WALLET_PATH``
or the ``root=`` argument, which the CLI exposes as ``--wallet-path``)::

    <root>/<wallet>/coldkey.json            encrypted (a password is required)
    <root>/<wallet>/hotkeys/<hotkey>.json   encrypted unless created with encrypt=False

Invariants: creating or regenerating never overwrites an existing key file (`KeyExists`);
every folder the wallet creates is 0700 (parents included) and its own folders are kept 0700,
files 0600; `create` asks for every password before it writes anything, and removes the coldkey
again if the hotkey cannot be written, so no key exists whose mnemonic nobody saw; addresses
are readable without a password; private keys and mnemonics are returned to the caller once
and never logged or stored in plain text.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from evmtensor.wallet.errors import KeyExists, KeyNotFound, WalletError, WalletNotFound
from evmtensor.wallet.keystore import (
    decrypt_keystore,
    encrypt_key,
    is_encrypted,
    keystore_address,
    read_keystore,
    tighten_dir,
    write_keystore,
)
from evmtensor.wallet.mnemonic import (
    COLDKEY_PATH,
    derive_private_key,
    generate_mnemonic,
    hotkey_path,
)
from evmtensor.wallet.passwords import PasswordSource

__all__ = ["WALLET_PATH_ENV", "CreatedKey", "Wallet", "default_wallet_root", "list_wallets"]

log = logging.getLogger(__name__)

WALLET_PATH_ENV = "EVMTENSOR_WALLET_PATH"
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def default_wallet_root() -> Path:
    """``$EVMTENSOR_WALLET_PATH`` if set, else ``~/.evmtensor/wallets``."""
    env = os.environ.get(WALLET_PATH_ENV)
    return Path(env).expanduser() if env else Path.home() / ".evmtensor" / "wallets"


def list_wallets(root: Path | None = None) -> list[str]:
    """Names of the wallets under `root` that hold a coldkey."""
    base = root or default_wallet_root()
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "coldkey.json").is_file())


def _check_name(kind: str, name: str) -> str:
    if not _NAME.match(name):
        raise WalletError(
            f"invalid {kind} name {name!r}: use letters, digits, '_', '-', '.' (max 64)"
        )
    return name


@dataclass(frozen=True, repr=False)
class CreatedKey:
    """What a create/regenerate call returns: the address and, when fresh, the mnemonic."""

    address: str
    path: Path
    mnemonic: str | None = None

    def __repr__(self) -> str:  # the mnemonic must not leak into logs or tracebacks
        return f"CreatedKey(address={self.address}, path={self.path})"


class Wallet:
    """One named wallet under a root folder."""

    def __init__(self, name: str = "default", root: Path | str | None = None) -> None:
        self.name = _check_name("wallet", name)
        self.root = Path(root).expanduser() if root is not None else default_wallet_root()

    def __repr__(self) -> str:
        return f"Wallet(name={self.name!r}, path={self.path})"

    @property
    def path(self) -> Path:
        return self.root / self.name

    @property
    def coldkey_file(self) -> Path:
        return self.path / "coldkey.json"

    def hotkey_file(self, hotkey: str) -> Path:
        return self.path / "hotkeys" / f"{_check_name('hotkey', hotkey)}.json"

    def hotkeys(self) -> list[str]:
        """Names of the hotkeys in this wallet."""
        folder = self.path / "hotkeys"
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    # -- creation ---------------------------------------------------------------------------

    def create(
        self,
        passwords: PasswordSource,
        *,
        hotkey: str = "default",
        words: int = 12,
        encrypt_hotkey: bool = True,
        mnemonic: str | None = None,
    ) -> tuple[CreatedKey, CreatedKey]:
        """Create the coldkey and a first hotkey from one (fresh unless given) mnemonic."""
        for path in (self.coldkey_file, self.hotkey_file(hotkey)):
            if path.exists():
                raise KeyExists(f"refusing to overwrite existing key file {path}")
        phrase = mnemonic or generate_mnemonic(words)
        derive_private_key(phrase, COLDKEY_PATH)  # a bad phrase fails before any prompt
        # every question first: a prompt that fails must not leave a coldkey behind
        cold_password = passwords.get(f"new coldkey of wallet {self.name!r}", new=True)
        what = f"new hotkey {hotkey!r} of wallet {self.name!r}"
        hot_password = passwords.get(what, new=True) if encrypt_hotkey else None
        cold = self._write_coldkey(phrase, cold_password)
        try:
            hot = self._write_hotkey(hotkey, phrase, hot_password)
        except BaseException:
            self.coldkey_file.unlink(missing_ok=True)
            raise
        fresh = None if mnemonic else phrase
        return (
            CreatedKey(cold.address, cold.path, fresh),
            CreatedKey(hot.address, hot.path, fresh),
        )

    def regenerate_coldkey(self, mnemonic: str, passwords: PasswordSource) -> CreatedKey:
        """Write the coldkey derived from `mnemonic` (at ``COLDKEY_PATH``); never overwrites."""
        self._refuse_existing(self.coldkey_file)
        derive_private_key(mnemonic, COLDKEY_PATH)  # a bad phrase fails before any prompt
        password = passwords.get(f"new coldkey of wallet {self.name!r}", new=True)
        return self._write_coldkey(mnemonic, password)

    def _write_coldkey(self, mnemonic: str, password: str) -> CreatedKey:
        self._refuse_existing(self.coldkey_file)
        key = derive_private_key(mnemonic, COLDKEY_PATH)
        meta = {"role": "coldkey", "wallet": self.name, "path": COLDKEY_PATH}
        write_keystore(self.coldkey_file, encrypt_key(key, password, meta=meta))
        tighten_dir(self.path)
        return CreatedKey(Account.from_key(key).address, self.coldkey_file)

    def new_hotkey(
        self, hotkey: str, passwords: PasswordSource, *, encrypt: bool = True, words: int = 12
    ) -> CreatedKey:
        """Add a hotkey from its own fresh mnemonic, returned once in the result."""
        self._refuse_existing(self.hotkey_file(hotkey))
        phrase = generate_mnemonic(words)
        created = self.regenerate_hotkey(hotkey, phrase, passwords, encrypt=encrypt)
        return CreatedKey(created.address, created.path, phrase)

    def regenerate_hotkey(
        self, hotkey: str, mnemonic: str, passwords: PasswordSource, *, encrypt: bool = True
    ) -> CreatedKey:
        """Write hotkey `hotkey` derived from `mnemonic` at its named path; never overwrites."""
        self._refuse_existing(self.hotkey_file(hotkey))
        derive_private_key(mnemonic, hotkey_path(hotkey))  # a bad phrase fails before any prompt
        what = f"new hotkey {hotkey!r} of wallet {self.name!r}"
        password = passwords.get(what, new=True) if encrypt else None
        return self._write_hotkey(hotkey, mnemonic, password)

    def _write_hotkey(self, hotkey: str, mnemonic: str, password: str | None) -> CreatedKey:
        path = self.hotkey_file(hotkey)
        self._refuse_existing(path)
        derivation = hotkey_path(hotkey)
        key = derive_private_key(mnemonic, derivation)
        meta = {"role": "hotkey", "wallet": self.name, "name": hotkey, "path": derivation}
        write_keystore(path, encrypt_key(key, password, meta=meta))
        tighten_dir(self.path)
        tighten_dir(path.parent)
        return CreatedKey(Account.from_key(key).address, path)

    @staticmethod
    def _refuse_existing(path: Path) -> None:
        if path.exists():
            raise KeyExists(f"refusing to overwrite existing key file {path}")

    # -- loading ----------------------------------------------------------------------------

    def coldkey_address(self) -> str:
        """The coldkey's address, read without the password."""
        return keystore_address(read_keystore(self._existing(self.coldkey_file, "coldkey")))

    def hotkey_address(self, hotkey: str = "default") -> str:
        """Hotkey `hotkey`'s address, read without the password."""
        path = self._existing(self.hotkey_file(hotkey), f"hotkey {hotkey!r}")
        return keystore_address(read_keystore(path))

    def coldkey(self, passwords: PasswordSource) -> LocalAccount:
        """Decrypt the coldkey."""
        return self._load(self.coldkey_file, "coldkey", passwords)

    def hotkey(self, passwords: PasswordSource, hotkey: str = "default") -> LocalAccount:
        """Decrypt hotkey `hotkey` (no password asked if it was stored without one)."""
        return self._load(self.hotkey_file(hotkey), f"hotkey {hotkey!r}", passwords)

    def _existing(self, path: Path, what: str) -> Path:
        if not self.path.is_dir():
            raise WalletNotFound(f"wallet {self.name!r} not found: no folder {self.path}")
        if not path.is_file():
            known = ", ".join(self.hotkeys()) or "none"
            raise KeyNotFound(
                f"{what} of wallet {self.name!r} not found at {path} (hotkeys here: {known})"
            )
        return path

    def _load(self, path: Path, what: str, passwords: PasswordSource) -> LocalAccount:
        keystore = read_keystore(self._existing(path, what), what=f"{what} of {self.name!r}")
        where = f"{what} of wallet {self.name!r} ({path})"
        password = passwords.get(where) if is_encrypted(keystore) else None
        account: LocalAccount = Account.from_key(
            decrypt_keystore(keystore, password, where=where)
        )
        log.debug("loaded %s of wallet %s (%s)", what, self.name, account.address)
        return account
