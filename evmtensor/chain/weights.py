"""Validators' weights rows: packing, EIP-712 signing and submission to the Weights contract.

A row is a subnet's UIDs (strictly ascending) with one u16 weight each, a version key, a nonce
(per netuid and hotkey, strictly increasing) and the last block it may land in. The hotkey signs

    Weights(uint16 netuid, bytes uids, bytes values, uint64 versionKey, uint64 nonce, uint64 deadlineBlock)

where ``uids`` and ``values`` are packed big-endian u16s, under the protocol's EIP-712 domain
(``evmtensor.chain.typed_data``; verifyingContract: the Weights contract). Anyone (a
relay) can then post it; the contract stores only ``row_hash(uids, values)`` and the block.

With commit-reveal the hotkey signs ``WeightsCommit(netuid, commitHash, nonce, deadlineBlock)``
for ``commit_hash(...)`` of the row and a salt, and the reveal (no signature) posts the preimage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from eth_abi import encode as abi_encode
from eth_keys import KeyAPI
from eth_keys.exceptions import BadSignature
from eth_utils import ValidationError, keccak, to_checksum_address

from evmtensor.chain.client import ChainClient
from evmtensor.chain.typed_data import DOMAIN_NAME, DOMAIN_VERSION, sign_typed, typed_message

__all__ = [
    "CommitMessage",
    "Reveal",
    "SignedCommit",
    "SignedWeights",
    "WeightsRow",
    "commit_digest",
    "commit_hash",
    "commit_typed_data",
    "commit_weights",
    "pack_u16",
    "recover_digest_signer",
    "recover_commit_signer",
    "recover_weights_signer",
    "reveal_weights",
    "row_hash",
    "set_weights",
    "sign_commit",
    "sign_weights",
    "submit_commits",
    "submit_reveals",
    "submit_weights",
    "unpack_u16",
    "weights_digest",
    "weights_typed_data",
]

_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0

def pack_u16(values: Sequence[int]) -> bytes:
    """Big-endian u16s, 2 bytes each (raises ValueError outside 0..65535)."""
    return b"".join(int(v).to_bytes(2, "big") for v in values)


def unpack_u16(packed: bytes) -> list[int]:
    if len(packed) % 2:
        raise ValueError(f"a packed u16 sequence has an even length, got {len(packed)} bytes")
    return [int.from_bytes(packed[i : i + 2], "big") for i in range(0, len(packed), 2)]


def row_hash(uids: Sequence[int], values: Sequence[int]) -> bytes:
    """What the contract stores of a row: keccak256(uids ++ values), both packed."""
    return keccak(pack_u16(uids) + pack_u16(values))


@dataclass(frozen=True)
class WeightsRow:
    """One validator's weights on one subnet, as signed."""

    netuid: int
    uids: tuple[int, ...]
    values: tuple[int, ...]
    version_key: int
    nonce: int
    deadline_block: int

    @property
    def hash(self) -> bytes:
        return row_hash(self.uids, self.values)


@dataclass(frozen=True)
class SignedWeights:
    """A row with its signer and the 65-byte signature: what anyone may post."""

    hotkey: str
    row: WeightsRow
    signature: bytes

    def as_tuple(self) -> tuple:
        """The ABI tuple of ``IWeights.SignedWeights``."""
        r = self.row
        return (self.hotkey, r.netuid, pack_u16(r.uids), pack_u16(r.values), r.version_key, r.nonce,
                r.deadline_block, self.signature)


@dataclass(frozen=True)
class CommitMessage:
    netuid: int
    commit_hash: bytes
    nonce: int
    deadline_block: int


@dataclass(frozen=True)
class SignedCommit:
    hotkey: str
    commit: CommitMessage
    signature: bytes

    def as_tuple(self) -> tuple:
        c = self.commit
        return (self.hotkey, c.netuid, c.commit_hash, c.nonce, c.deadline_block, self.signature)


@dataclass(frozen=True)
class Reveal:
    """The preimage of a commit: no signature needed (the commit binds the hotkey)."""

    hotkey: str
    netuid: int
    uids: tuple[int, ...]
    values: tuple[int, ...]
    version_key: int
    salt: bytes

    def as_tuple(self) -> tuple:
        return (self.hotkey, self.netuid, pack_u16(self.uids), pack_u16(self.values), self.version_key, self.salt)

    @property
    def commit_hash(self) -> bytes:
        return commit_hash(self.hotkey, self.netuid, self.uids, self.values, self.version_key, self.salt)


def _weights_message(row: WeightsRow) -> dict:
    return {"netuid": row.netuid, "uids": pack_u16(row.uids), "values": pack_u16(row.values),
            "versionKey": row.version_key, "nonce": row.nonce, "deadlineBlock": row.deadline_block}


def _commit_message(commit: CommitMessage) -> dict:
    return {"netuid": commit.netuid, "commitHash": commit.commit_hash, "nonce": commit.nonce,
            "deadlineBlock": commit.deadline_block}


def weights_typed_data(contract: str, chain_id: int, row: WeightsRow) -> dict[str, Any]:
    """The full EIP-712 message (JSON form) a hotkey signs for ``row``."""
    return typed_message("Weights", chain_id, to_checksum_address(contract), _weights_message(row))


def commit_typed_data(contract: str, chain_id: int, commit: CommitMessage) -> dict[str, Any]:
    return typed_message("WeightsCommit", chain_id, to_checksum_address(contract), _commit_message(commit))


def sign_weights(hotkey: Any, contract: str, chain_id: int, row: WeightsRow) -> SignedWeights:
    """``hotkey`` (an eth_account LocalAccount) signs ``row`` for the Weights contract ``contract``."""
    sig = sign_typed(hotkey, "Weights", chain_id, to_checksum_address(contract), _weights_message(row))
    return SignedWeights(hotkey.address, row, sig)


def sign_commit(hotkey: Any, contract: str, chain_id: int, commit: CommitMessage) -> SignedCommit:
    sig = sign_typed(hotkey, "WeightsCommit", chain_id, to_checksum_address(contract), _commit_message(commit))
    return SignedCommit(hotkey.address, commit, sig)


# Verification hashes the typed data directly (eth_account's generic encoder costs ~1.4 ms a
# message, most of a relay's per-row CPU); tests pin it to eth_account's encoding.
_DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_WEIGHTS_TYPEHASH = keccak(
    b"Weights(uint16 netuid,bytes uids,bytes values,uint64 versionKey,uint64 nonce,uint64 deadlineBlock)")
_COMMIT_TYPEHASH = keccak(b"WeightsCommit(uint16 netuid,bytes32 commitHash,uint64 nonce,uint64 deadlineBlock)")


def _domain_separator(contract: str, chain_id: int) -> bytes:
    return keccak(abi_encode(["bytes32", "bytes32", "bytes32", "uint256", "address"],
                             [_DOMAIN_TYPEHASH, keccak(DOMAIN_NAME.encode()), keccak(DOMAIN_VERSION.encode()),
                              chain_id, to_checksum_address(contract)]))


def weights_digest(contract: str, chain_id: int, row: WeightsRow) -> bytes:
    """The EIP-712 hash a hotkey signs for ``row`` (a row's identity: its relay receipt id)."""
    struct_hash = keccak(abi_encode(
        ["bytes32", "uint16", "bytes32", "bytes32", "uint64", "uint64", "uint64"],
        [_WEIGHTS_TYPEHASH, row.netuid, keccak(pack_u16(row.uids)), keccak(pack_u16(row.values)), row.version_key,
         row.nonce, row.deadline_block],
    ))
    return keccak(b"\x19\x01" + _domain_separator(contract, chain_id) + struct_hash)


def commit_digest(contract: str, chain_id: int, commit: CommitMessage) -> bytes:
    struct_hash = keccak(abi_encode(["bytes32", "uint16", "bytes32", "uint64", "uint64"],
                                    [_COMMIT_TYPEHASH, commit.netuid, commit.commit_hash, commit.nonce,
                                     commit.deadline_block]))
    return keccak(b"\x19\x01" + _domain_separator(contract, chain_id) + struct_hash)


def recover_digest_signer(digest: bytes, signature: bytes) -> str:
    """The signer of an EIP-712 ``digest``; ValueError for a malformed or malleable (high s) signature."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        raise ValueError("a signature is 65 bytes r, s, v with v 27 or 28")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")
    if s > _HALF_ORDER:
        raise ValueError("malleable signature (high s)")
    try:
        key = KeyAPI.Signature(vrs=(signature[64] - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValidationError) as exc:  # r or s zero or past the curve order: no signer
        raise ValueError(f"invalid signature: {exc}") from exc
    return key.to_checksum_address()


def recover_weights_signer(contract: str, chain_id: int, row: WeightsRow, signature: bytes) -> str:
    """The address that signed ``row`` (raises ValueError on a malformed signature)."""
    return recover_digest_signer(weights_digest(contract, chain_id, row), signature)


def recover_commit_signer(contract: str, chain_id: int, commit: CommitMessage, signature: bytes) -> str:
    return recover_digest_signer(commit_digest(contract, chain_id, commit), signature)


def commit_hash(hotkey: str, netuid: int, uids: Sequence[int], values: Sequence[int], version_key: int,
                salt: bytes) -> bytes:
    """keccak256(abi.encode(hotkey, netuid, keccak(uids), keccak(values), versionKey, salt))."""
    return keccak(abi_encode(
        ["address", "uint16", "bytes32", "bytes32", "uint64", "bytes32"],
        [to_checksum_address(hotkey), netuid, keccak(pack_u16(uids)), keccak(pack_u16(values)), version_key, salt],
    ))


def _call(client: ChainClient, function: str, arg):
    return getattr(client.contract("Weights").functions, function)(arg)


def set_weights(client: ChainClient, signed: SignedWeights, sender: Any) -> dict:
    """Post one signed row from ``sender`` (who pays gas); reverts raise ContractRevert."""
    return client.send(_call(client, "setWeights", signed.as_tuple()), sender)


def submit_weights(client: ChainClient, rows: Sequence[SignedWeights], sender: Any, *, gas: int | None = None) -> dict:
    """Post many signed rows in one transaction; rejected rows are logged as ``WeightsRejected``."""
    return client.send(_call(client, "submitWeights", [r.as_tuple() for r in rows]), sender, gas=gas)


def commit_weights(client: ChainClient, signed: SignedCommit, sender: Any) -> dict:
    return client.send(_call(client, "commitWeights", signed.as_tuple()), sender)


def submit_commits(client: ChainClient, commits: Sequence[SignedCommit], sender: Any) -> dict:
    return client.send(_call(client, "submitCommits", [c.as_tuple() for c in commits]), sender)


def reveal_weights(client: ChainClient, reveal: Reveal, sender: Any) -> dict:
    return client.send(_call(client, "revealWeights", reveal.as_tuple()), sender)


def submit_reveals(client: ChainClient, reveals: Sequence[Reveal], sender: Any) -> dict:
    return client.send(_call(client, "submitReveals", [r.as_tuple() for r in reveals]), sender)
