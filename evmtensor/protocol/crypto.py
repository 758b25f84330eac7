"""secp256k1 signing and address recovery for 32-byte digests, fast when `coincurve` is there.

Signatures are 65 bytes ``r || s || v`` with ``v`` in {27, 28}: the same bytes `eth_account`
produces for `unsafe_sign_hash`/`sign_typed_data`, so any Ethereum tool can check them. Only
low-``s`` signatures (EIP-2) are accepted, so a signature has exactly one valid encoding.

`coincurve` (libsecp256k1) signs or recovers in ~0.1 ms on a small cloud core. Without it we
fall back to `eth_keys` in pure Python (~10 ms per recover on the same core), with identical
results: install coincurve wherever an axon serves real traffic.
"""

from __future__ import annotations

import logging
from typing import Any

from eth_utils import to_checksum_address

from evmtensor.protocol.errors import SignatureInvalid

try:  # pragma: no cover - which branch runs depends on the environment
    import coincurve as _coincurve
except ImportError:  # pragma: no cover
    _coincurve = None

try:  # pragma: no cover - safe-pysha3 (a brownie dependency) hashes ~3x faster than eth_hash
    from sha3 import keccak_256 as _keccak_256

    def keccak(data: bytes) -> bytes:
        """keccak256 of `data`."""
        return _keccak_256(data).digest()

except ImportError:  # pragma: no cover
    from eth_hash.auto import keccak

__all__ = ["BACKEND", "Signer", "address_bytes", "keccak", "recover_address"]

log = logging.getLogger(__name__)

BACKEND = "coincurve" if _coincurve is not None else "eth_keys"
if _coincurve is None:  # pragma: no cover
    log.warning("coincurve is not installed: signatures use pure-Python eth_keys (~100x slower)")
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = _N // 2


def address_bytes(address: str) -> bytes:
    """The 20 raw bytes of a hex address (checksum not enforced); ValueError if malformed."""
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"address {address!r} is not 20 bytes")
    return raw


class Signer:
    """Holds one private key and signs digests with it. Its repr never shows the key."""

    __slots__ = ("_eth_key", "_key", "address", "address_bytes")

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32:
            raise ValueError("a secp256k1 private key is 32 bytes")
        self._key: Any
        self._eth_key: Any = None
        if _coincurve is not None:
            self._key = _coincurve.PrivateKey(private_key)
            public = self._key.public_key.format(compressed=False)[1:]
        else:  # pragma: no cover
            from eth_keys import keys

            self._key = self._eth_key = keys.PrivateKey(private_key)
            public = self._eth_key.public_key.to_bytes()
        self.address_bytes: bytes = keccak(public)[-20:]
        self.address: str = to_checksum_address(self.address_bytes)

    @classmethod
    def from_account(cls, account: Any) -> Signer:
        """Build from an `eth_account` LocalAccount (e.g. `Wallet.hotkey(...)`)."""
        return cls(bytes(account.key))

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    def sign(self, digest: bytes) -> bytes:
        """Sign a 32-byte digest; returns 65 bytes ``r || s || v`` (v = 27/28, low s)."""
        if _coincurve is not None:
            sig = self._key.sign_recoverable(digest, hasher=None)
            return sig[:64] + bytes((sig[64] + 27,))
        sig = self._eth_key.sign_msg_hash(digest)  # pragma: no cover
        return sig.to_bytes()[:64] + bytes((sig.v + 27,))  # pragma: no cover


def recover_address(digest: bytes, signature: bytes) -> bytes:
    """The 20-byte address that signed `digest`; raises `SignatureInvalid` otherwise."""
    if len(signature) != 65:
        raise SignatureInvalid(f"signature is {len(signature)} bytes, expected 65")
    v = signature[64]
    if v not in (27, 28):
        raise SignatureInvalid(f"signature v is {v}, expected 27 or 28")
    s = int.from_bytes(signature[32:64], "big")
    if not 0 < s <= _HALF_N:
        raise SignatureInvalid("signature s is not in the lower half of the curve order")
    try:
        if _coincurve is not None:
            rsv = signature[:64] + bytes((v - 27,))
            public = _coincurve.PublicKey.from_signature_and_message(rsv, digest, hasher=None)
            return bytes(keccak(public.format(compressed=False)[1:])[-20:])
        return _recover_eth_keys(digest, signature)  # pragma: no cover
    except ValueError as exc:  # coincurve: unparsable signature or no recoverable point
        raise SignatureInvalid(f"signature does not recover: {exc}") from exc


def _recover_eth_keys(digest: bytes, signature: bytes) -> bytes:  # pragma: no cover
    from eth_keys import keys
    from eth_keys.exceptions import BadSignature

    try:
        sig = keys.Signature(signature[:64] + bytes((signature[64] - 27,)))
        return bytes(sig.recover_public_key_from_msg_hash(digest).to_canonical_address())
    except BadSignature as exc:
        raise SignatureInvalid(f"signature does not recover: {exc}") from exc
