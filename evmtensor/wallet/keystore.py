"""Standard Ethereum v3 keystore files (scrypt), read and written safely.

Invariants:
- Files are plain Web3 Secret Storage v3 JSON, as produced by `eth_account.Account.encrypt`,
  so geth, MetaMask, Foundry's `cast wallet import` and any other Ethereum wallet can import them.
  One extra top-level object, ``"evmtensor"``, records the key's role, name and derivation path;
  importers ignore unknown fields.
- A key written without a password is still a v3 keystore, encrypted with the empty password
  (and a cheap scrypt cost, since the password adds no secrecy). ``"evmtensor.encrypted"`` is
  false for such files so loaders do not ask for a password.
- Writes never overwrite: the file is written to a temporary name, fsynced, then hard-linked to
  its final name (atomic, fails if the name exists). Files are mode 0600; every folder a write
  creates is 0700, parents included, whatever the umask.
- The file records how it was created (``"evmtensor.created"``: address, cipher, kdf and its
  parameters, whether it is encrypted). A file whose fields no longer match that record, say a
  key re-encrypted with a weaker scrypt cost or an edited address, is refused
  (`KeystoreCorrupt`) before any password is asked; an encrypted key below the standard scrypt
  cost is loaded with a warning.
- The scrypt cost defaults to the standard n=262144. ``EVMTENSOR_KDF_N`` (a power of two) lowers
  it; it exists for tests and must not be set in production.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from eth_account import Account

from evmtensor.wallet.errors import KeyExists, KeyNotFound, KeystoreCorrupt, WrongPassword

__all__ = [
    "KDF_N_ENV",
    "PASSWORDLESS_KDF_N",
    "STANDARD_KDF_N",
    "decrypt_keystore",
    "encrypt_key",
    "is_encrypted",
    "kdf_n",
    "keystore_address",
    "make_private_dirs",
    "tighten_dir",
    "read_keystore",
    "write_keystore",
]

log = logging.getLogger(__name__)

STANDARD_KDF_N = 262_144
PASSWORDLESS_KDF_N = 1_024
KDF_N_ENV = "EVMTENSOR_KDF_N"
_META = "evmtensor"


def kdf_n(explicit: int | None = None) -> int:
    """The scrypt cost to use: `explicit`, else ``$EVMTENSOR_KDF_N``, else the standard 262144."""
    raw: int | str | None = explicit if explicit is not None else os.environ.get(KDF_N_ENV)
    if raw is None or raw == "":
        return STANDARD_KDF_N
    try:
        n = int(raw)
    except ValueError as exc:
        raise ValueError(f"{KDF_N_ENV}={raw!r} is not an integer") from exc
    if n < 2 or n & (n - 1):
        raise ValueError(f"scrypt n must be a power of two >= 2, got {n}")
    return n


def encrypt_key(
    private_key: bytes,
    password: str | None,
    *,
    meta: dict[str, Any] | None = None,
    n: int | None = None,
) -> dict[str, Any]:
    """Encrypt a private key into a v3 keystore dict; ``password=None`` means no password."""
    encrypted = password is not None
    cost = kdf_n(n) if encrypted else PASSWORDLESS_KDF_N
    keystore: dict[str, Any] = Account.encrypt(
        private_key, password or "", kdf="scrypt", iterations=cost
    )
    keystore[_META] = {**(meta or {}), "encrypted": encrypted, "created": _fingerprint(keystore)}
    keystore[_META]["created"]["encrypted"] = encrypted
    return keystore


def _fingerprint(keystore: dict[str, Any]) -> dict[str, Any]:
    """What must never change after creation: the address and how the key is encrypted."""
    crypto = keystore.get("crypto", keystore.get("Crypto")) or {}
    return {
        "address": str(keystore.get("address", "")).lower().removeprefix("0x"),
        "cipher": crypto.get("cipher"),
        "kdf": crypto.get("kdf"),
        "kdfparams": crypto.get("kdfparams"),
    }


def _changed_since_creation(keystore: dict[str, Any]) -> str | None:
    meta = keystore.get(_META)
    record = meta.get("created") if isinstance(meta, dict) else None
    if record is None:  # written by another wallet, or before records existed
        return None
    if not isinstance(record, dict):
        return "its creation record is malformed"
    now = {**_fingerprint(keystore), "encrypted": meta.get("encrypted", True)}
    changed = sorted(k for k in now if record.get(k) != now[k])
    return f"its {', '.join(changed)} changed since it was created" if changed else None


def _warn_if_weak(keystore: dict[str, Any], what: str, path: Path) -> None:
    crypto = keystore.get("crypto", keystore.get("Crypto")) or {}
    params = crypto.get("kdfparams") if isinstance(crypto.get("kdfparams"), dict) else {}
    n = params.get("n")
    lowered = os.environ.get(KDF_N_ENV)
    if is_encrypted(keystore) and isinstance(n, int) and n < STANDARD_KDF_N and not lowered:
        log.warning("%s at %s uses scrypt n=%s, below the standard %s: re-create it with a "
                    "strong cost", what, path, n, STANDARD_KDF_N)


def make_private_dirs(folder: Path) -> None:
    """Create `folder` and its missing parents, each 0700 whatever the umask."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # made concurrently: still tighten it below
            pass
        os.chmod(path, 0o700)


def tighten_dir(folder: Path) -> None:
    """Make an existing folder the wallet owns 0700, warning if it was open to others."""
    if not folder.is_dir():
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        log.warning("wallet folder %s was mode %o; making it 0700", folder, mode)
        os.chmod(folder, 0o700)


def is_encrypted(keystore: dict[str, Any]) -> bool:
    """Whether loading this keystore needs a password (files from other wallets: yes)."""
    meta = keystore.get(_META)
    return not (isinstance(meta, dict) and meta.get("encrypted") is False)


def keystore_address(keystore: dict[str, Any]) -> str:
    """The checksummed address a keystore claims to hold (readable without the password)."""
    from eth_utils import to_checksum_address

    return to_checksum_address("0x" + str(keystore["address"]).removeprefix("0x"))


def write_keystore(path: Path, keystore: dict[str, Any]) -> None:
    """Write `keystore` to `path` (mode 0600) atomically; raise `KeyExists` if `path` exists."""
    make_private_dirs(path.parent)
    if path.exists():
        raise KeyExists(f"refusing to overwrite existing key file {path}")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(keystore, fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError as exc:
            raise KeyExists(f"refusing to overwrite existing key file {path}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    log.info("wrote keystore %s", path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_keystore(path: Path, *, what: str = "key") -> dict[str, Any]:
    """Read and shape-check a v3 keystore; `what` names the key in error messages."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KeyNotFound(f"{what} not found: no file at {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KeystoreCorrupt(f"{what} at {path} cannot be read: {exc}") from exc
    try:
        keystore = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeystoreCorrupt(f"{what} at {path} is not JSON ({exc.msg})") from exc
    problem = _shape_problem(keystore)
    if problem:
        raise KeystoreCorrupt(f"{what} at {path} is not an Ethereum v3 keystore: {problem}")
    changed = _changed_since_creation(keystore)
    if changed:
        raise KeystoreCorrupt(
            f"{what} at {path} was tampered with or damaged: {changed}; refusing to use it "
            "(restore it from a backup or regenerate it from its mnemonic)"
        )
    _warn_if_weak(keystore, what, path)
    return keystore


def _shape_problem(keystore: Any) -> str | None:
    if not isinstance(keystore, dict):
        return "top level is not an object"
    if keystore.get("version") != 3:
        return f"version is {keystore.get('version')!r}, expected 3"
    crypto = keystore.get("crypto", keystore.get("Crypto"))
    if not isinstance(crypto, dict):
        return "no crypto section"
    missing = [k for k in ("cipher", "ciphertext", "kdf", "kdfparams", "mac") if k not in crypto]
    if missing:
        return f"crypto section lacks {', '.join(missing)}"
    address = str(keystore.get("address", "")).removeprefix("0x")
    if len(address) != 40 or any(c not in "0123456789abcdefABCDEF" for c in address):
        return "no valid address field"
    return None


def decrypt_keystore(keystore: dict[str, Any], password: str | None, *, where: str) -> bytes:
    """Decrypt and return the 32-byte private key; checks it matches the stored address."""
    try:
        private_key = bytes(Account.decrypt(keystore, password or ""))
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise WrongPassword(f"wrong password for {where}") from exc
        raise KeystoreCorrupt(f"{where} cannot be decrypted: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise KeystoreCorrupt(f"{where} has a malformed crypto section: {exc!r}") from exc
    actual = Account.from_key(private_key).address
    if actual != keystore_address(keystore):
        raise KeystoreCorrupt(f"{where} decrypts to {actual}, not its stated address")
    return private_key
