"""EIP-712 hotkey signatures for subnet and neuron registration.

Registering a hotkey needs a signature by that hotkey, so nobody can register a key they do not
hold. The NeuronRegistry contract verifies the typed message

    Registration(uint16 netuid, address coldkey, uint256 nonce, uint256 deadline)

on the protocol's shared domain (``evmtensor.chain.typed_data``) with verifyingContract =
NeuronRegistry. ``nonce`` is the hotkey's current ``registrationNonce(hotkey)`` (consumed on use,
so a signature cannot be replayed) and ``deadline`` a unix time. netuid 0 signs the owner hotkey
of a new subnet (``SubnetRegistry.registerSubnet``).
"""

from __future__ import annotations

from typing import Any

from evmtensor.chain.typed_data import sign_typed, typed_message

__all__ = ["SUBNET_OWNER_NETUID", "registration_typed_data", "sign_registration"]

#: The netuid signed for the owner hotkey of a subnet being registered.
SUBNET_OWNER_NETUID = 0


def _message(netuid: int, coldkey: str, nonce: int, deadline: int) -> dict:
    return {"netuid": netuid, "coldkey": coldkey, "nonce": nonce, "deadline": deadline}


def registration_typed_data(
    registry_address: str, chain_id: int, netuid: int, coldkey: str, nonce: int, deadline: int
) -> dict[str, Any]:
    """The full EIP-712 message (JSON form) a hotkey signs to register on ``netuid``."""
    return typed_message("Registration", chain_id, registry_address, _message(netuid, coldkey, nonce, deadline))


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
    return sign_typed(hotkey_account, "Registration", chain_id, registry_address,
                      _message(netuid, coldkey, nonce, deadline))
