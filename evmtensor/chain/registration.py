"""EIP-712 hotkey signatures for subnet and neuron registration.

Registering a hotkey needs a signature by that hotkey, so nobody can register a key they do not
hold. The NeuronRegistry contract verifies a typed message

    Registration(uint16 netuid, address coldkey, uint256 nonce, uint256 deadline)

under the domain {name: "EVMTensor", version: "1", chainId, verifyingContract: NeuronRegistry}.
``nonce`` is the hotkey's current ``registrationNonce(hotkey)`` (consumed on use, so a signature
cannot be replayed) and ``deadline`` a unix time. netuid 0 signs the owner hotkey of a new subnet
(``SubnetRegistry.registerSubnet``).
"""

from __future__ import annotations

import time
from typing import Any

from eth_account.messages import encode_typed_data

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "SUBNET_OWNER_NETUID",
    "registration_typed_data",
    "sign_registration",
    "default_deadline",
]

DOMAIN_NAME = "EVMTensor"
DOMAIN_VERSION = "1"
#: The netuid signed for the owner hotkey of a subnet being registered.
SUBNET_OWNER_NETUID = 0

_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Registration": [
        {"name": "netuid", "type": "uint16"},
        {"name": "coldkey", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
}


def registration_typed_data(
    registry_address: str, chain_id: int, netuid: int, coldkey: str, nonce: int, deadline: int
) -> dict[str, Any]:
    """The full EIP-712 message (JSON form) a hotkey signs to register on ``netuid``."""
    return {
        "types": _TYPES,
        "primaryType": "Registration",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": registry_address,
        },
        "message": {"netuid": netuid, "coldkey": coldkey, "nonce": nonce, "deadline": deadline},
    }


def sign_registration(
    hotkey_account: Any,
    registry_address: str,
    chain_id: int,
    netuid: int,
    coldkey: str,
    nonce: int,
    deadline: int,
) -> bytes:
    """Signs the registration of ``hotkey_account`` on ``netuid`` for ``coldkey``.

    Args:
        hotkey_account: an eth_account ``LocalAccount`` (the hotkey).
        registry_address: the NeuronRegistry contract (verifyingContract).
        chain_id: the chain id of the network.
        netuid: the subnet (0 for the owner hotkey of a new subnet).
        coldkey: the address that will send the registration and own the hotkey.
        nonce: ``NeuronRegistry.registrationNonce(hotkey)``.
        deadline: unix time after which the signature is void.

    Returns:
        The 65-byte signature (r, s, v) as the contract expects it.
    """
    message = encode_typed_data(
        full_message=registration_typed_data(registry_address, chain_id, netuid, coldkey, nonce, deadline)
    )
    return bytes(hotkey_account.sign_message(message).signature)


def default_deadline(seconds: int = 3600, now: float | None = None) -> int:
    """A deadline ``seconds`` from ``now`` (default: the local clock)."""
    return int(now if now is not None else time.time()) + seconds
