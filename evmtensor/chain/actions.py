"""The user actions on the protocol, one function each: register a subnet or a neuron (with
the hotkey's signature), serve an axon, stake, unstake, move or transfer stake, set a subnet's
hyperparameters, transfer TAO, accrue emission.

Every function takes a :class:`~evmtensor.chain.client.ChainClient` and the signing accounts,
sends through it, and raises ``ContractRevert`` named after the contract's error. The CLI, the
devnet and the neurons all act through here.
"""

from __future__ import annotations

import ipaddress

from eth_account.signers.local import LocalAccount

from evmtensor.chain.client import ChainClient
from evmtensor.chain.registration import sign_registration
from evmtensor.chain.views import function_abi
from evmtensor.units import MAX_UINT256

__all__ = [
    "accrue",
    "encode_ip",
    "move_stake",
    "register_neuron",
    "register_neuron_receipt",
    "register_subnet",
    "register_subnet_receipt",
    "registration_signature",
    "serve_axon",
    "set_hyperparameters",
    "stake",
    "transfer_stake",
    "transfer_tao",
    "unstake",
]


def registration_signature(client: ChainClient, hotkey: LocalAccount, coldkey: str, netuid: int, deadline: int,
                           nonce: int | None = None) -> bytes:
    """``hotkey``'s signature registering it on ``netuid`` (0: a new subnet's owner) for ``coldkey``;
    ``nonce`` defaults to the hotkey's current ``registrationNonce``."""
    neurons = client.contract("NeuronRegistry")
    if nonce is None:
        nonce = client.call(neurons.functions.registrationNonce(hotkey.address))
    return sign_registration(hotkey, neurons.address, client.deployment.chain_id, netuid, coldkey, nonce, deadline)


def register_subnet_receipt(client: ChainClient, coldkey: LocalAccount, hotkey: LocalAccount,
                            max_lock: int = MAX_UINT256) -> dict:
    """:func:`register_subnet`, returning the receipt (its ``SubnetRegistered`` event has the netuid)."""
    deadline = client.deadline()
    sig = registration_signature(client, hotkey, coldkey.address, 0, deadline)
    call = client.contract("SubnetRegistry").functions.registerSubnet(hotkey.address, max_lock, deadline, sig)
    return client.send(call, coldkey)


def register_subnet(client: ChainClient, coldkey: LocalAccount, hotkey: LocalAccount,
                    max_lock: int = MAX_UINT256) -> int:
    """Register a subnet owned by ``coldkey`` with ``hotkey`` as UID 0; returns its netuid."""
    receipt = register_subnet_receipt(client, coldkey, hotkey, max_lock)
    (event,) = client.events(receipt, "SubnetRegistry", "SubnetRegistered")
    return event["args"]["netuid"]


def register_neuron_receipt(client: ChainClient, netuid: int, coldkey: LocalAccount, hotkey: LocalAccount,
                            max_burn: int = MAX_UINT256) -> dict:
    """:func:`register_neuron`, returning the receipt (its ``NeuronRegistered`` event has the UID)."""
    deadline = client.deadline()
    sig = registration_signature(client, hotkey, coldkey.address, netuid, deadline)
    call = client.contract("NeuronRegistry").functions.registerNeuron(netuid, hotkey.address, max_burn, deadline, sig)
    return client.send(call, coldkey)


def register_neuron(client: ChainClient, netuid: int, coldkey: LocalAccount, hotkey: LocalAccount,
                    max_burn: int = MAX_UINT256) -> int:
    """Burn-register ``hotkey`` on ``netuid`` paid by ``coldkey``; returns the UID."""
    receipt = register_neuron_receipt(client, netuid, coldkey, hotkey, max_burn)
    (event,) = client.events(receipt, "NeuronRegistry", "NeuronRegistered")
    return event["args"]["uid"]


def encode_ip(host: str) -> tuple[int, int]:
    """``(ip as integer, ip type 4 or 6)`` for an address string."""
    ip = ipaddress.ip_address(host)
    return int(ip), ip.version


def serve_axon(client: ChainClient, netuid: int, hotkey: LocalAccount, host: str, port: int,
               protocol: int = 4, version: int = 1) -> dict:
    """Publish ``hotkey``'s axon endpoint on ``netuid`` (sent by the hotkey itself)."""
    ip, ip_type = encode_ip(host)
    call = client.contract("NeuronRegistry").functions.serveAxon(netuid, ip, port, ip_type, protocol, version)
    return client.send(call, hotkey)


def stake(client: ChainClient, netuid: int, coldkey: LocalAccount, hotkey: str, tao: int,
          limit_price: int = MAX_UINT256) -> dict:
    """Stake ``tao`` rao from ``coldkey`` to ``hotkey`` on ``netuid`` (a TAO->alpha swap that
    may not lift the price above ``limit_price``, 1e18-scaled TAO per alpha)."""
    call = client.contract("StakingPools").functions.stake(netuid, hotkey, tao, limit_price, client.deadline())
    return client.send(call, coldkey)


def unstake(client: ChainClient, netuid: int, coldkey: LocalAccount, hotkey: str, alpha: int,
            limit_price: int = 0) -> dict:
    """Unstake ``alpha`` from ``hotkey`` on ``netuid`` back to TAO (an alpha->TAO swap that may
    not push the price below ``limit_price``)."""
    call = client.contract("StakingPools").functions.unstake(netuid, hotkey, alpha, limit_price, client.deadline())
    return client.send(call, coldkey)


def move_stake(client: ChainClient, coldkey: LocalAccount, origin_hotkey: str, destination_hotkey: str,
               origin_netuid: int, destination_netuid: int, alpha: int, limit_price: int = 0) -> dict:
    """Move ``alpha`` of ``coldkey``'s stake from (origin hotkey, subnet) to (destination hotkey,
    subnet); across subnets ``limit_price`` bounds price(origin)/price(destination) from below."""
    call = client.contract("StakingPools").functions.moveStake(
        origin_hotkey, destination_hotkey, origin_netuid, destination_netuid, alpha, limit_price, client.deadline())
    return client.send(call, coldkey)


def transfer_stake(client: ChainClient, coldkey: LocalAccount, destination_coldkey: str, hotkey: str,
                   origin_netuid: int, destination_netuid: int, alpha: int, limit_price: int = 0) -> dict:
    """Give ``alpha`` of ``coldkey``'s stake on (hotkey, origin subnet) to ``destination_coldkey``
    on (hotkey, destination subnet), with :func:`move_stake`'s rules."""
    call = client.contract("StakingPools").functions.transferStake(
        destination_coldkey, hotkey, origin_netuid, destination_netuid, alpha, limit_price, client.deadline())
    return client.send(call, coldkey)


def set_hyperparameters(client: ChainClient, owner: LocalAccount, netuid: int, hyperparameters: dict) -> dict:
    """Replace every hyperparameter of ``netuid`` (only its owner coldkey); ``hyperparameters``
    holds every ABI field by name (e.g. ``client.view("SubnetRegistry", "hyperparameters", n)``
    with some changed)."""
    registry = client.contract("SubnetRegistry")
    fields = function_abi(client.deployment.abi("SubnetRegistry"), "setHyperparameters")["inputs"][1]["components"]
    value = tuple(hyperparameters[f["name"]] for f in fields)
    return client.send(registry.functions.setHyperparameters(netuid, value), owner)


def transfer_tao(client: ChainClient, sender: LocalAccount, to: str, rao: int) -> dict:
    """Send ``rao`` of TAO (the ERC-20) from ``sender`` to ``to``."""
    return client.send(client.contract("TaoToken").functions.transfer(to, rao), sender)


def accrue(client: ChainClient, sender: LocalAccount) -> dict:
    """Accrue emission for every block since the last accrual (anyone may call)."""
    return client.send(client.contract("Emission").functions.accrue(), sender)
