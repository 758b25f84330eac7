"""The one home of EIP-712 in Python, mirroring ``contracts/libraries/TypedData.sol``.

Every signed type (registrations now; weights and epoch results next) shares the domain
{name "EVMTensor", version "1", chainId, verifyingContract} and declares only its own fields here,
in :data:`TYPES`. ``sign_typed`` signs, ``typed_digest`` gives the 32-byte digest the contract
recovers from, and ``recover_typed`` the signer of a signature.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "TYPES",
    "domain",
    "recover_typed",
    "sign_typed",
    "typed_digest",
    "typed_message",
]

DOMAIN_NAME = "EVMTensor"
DOMAIN_VERSION = "1"

_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

#: Every primary type the protocol signs, by name: ``[{name, type}, ...]`` in signing order.
TYPES: dict[str, list[dict[str, str]]] = {
    "Registration": [
        {"name": "netuid", "type": "uint16"},
        {"name": "coldkey", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
    # Weights rows and commits (contracts/interfaces/IWeights.sol; evmtensor.chain.weights).
    "Weights": [
        {"name": "netuid", "type": "uint16"},
        {"name": "uids", "type": "bytes"},
        {"name": "values", "type": "bytes"},
        {"name": "versionKey", "type": "uint64"},
        {"name": "nonce", "type": "uint64"},
        {"name": "deadlineBlock", "type": "uint64"},
    ],
    "WeightsCommit": [
        {"name": "netuid", "type": "uint16"},
        {"name": "commitHash", "type": "bytes32"},
        {"name": "nonce", "type": "uint64"},
        {"name": "deadlineBlock", "type": "uint64"},
    ],
    # Epoch results (contracts/interfaces/IEpochSettlement.sol; oracle.epoch).
    "EpochResult": [
        {"name": "netuid", "type": "uint16"},
        {"name": "epoch", "type": "uint64"},
        {"name": "snapshotBlock", "type": "uint64"},
        {"name": "inputsHash", "type": "bytes32"},
        {"name": "incentive", "type": "bytes"},
        {"name": "dividends", "type": "bytes"},
        {"name": "permits", "type": "bytes"},
        {"name": "bondsHash", "type": "bytes32"},
    ],
}


def domain(chain_id: int, verifying_contract: str) -> dict[str, Any]:
    return {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id,
            "verifyingContract": verifying_contract}


def typed_message(primary: str, chain_id: int, verifying_contract: str, message: dict) -> dict[str, Any]:
    """The full EIP-712 JSON message of type ``primary`` (one of :data:`TYPES`)."""
    if primary not in TYPES:
        raise KeyError(f"unknown signed type {primary!r}; add it to evmtensor.chain.typed_data.TYPES")
    return {
        "types": {"EIP712Domain": _DOMAIN_FIELDS, primary: TYPES[primary]},
        "primaryType": primary,
        "domain": domain(chain_id, verifying_contract),
        "message": message,
    }


def _encoded(primary: str, chain_id: int, verifying_contract: str, message: dict):
    return encode_typed_data(full_message=typed_message(primary, chain_id, verifying_contract, message))


def sign_typed(account: Any, primary: str, chain_id: int, verifying_contract: str, message: dict) -> bytes:
    """``account``'s 65-byte (r, s, v) signature of the typed ``message``."""
    return bytes(account.sign_message(_encoded(primary, chain_id, verifying_contract, message)).signature)


def typed_digest(primary: str, chain_id: int, verifying_contract: str, message: dict) -> bytes:
    """The 32-byte digest ``keccak(0x1901 ‖ domainSeparator ‖ structHash)`` a contract recovers from."""
    from eth_utils import keccak

    signable = _encoded(primary, chain_id, verifying_contract, message)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def recover_typed(signature: bytes, primary: str, chain_id: int, verifying_contract: str, message: dict) -> str:
    """The checksummed address that signed ``message``."""
    return Account.recover_message(_encoded(primary, chain_id, verifying_contract, message), signature=signature)
