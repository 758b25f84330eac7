"""The user actions on the protocol, one function each: register a subnet or a neuron (with
the hotkey's signature), serve an axon, stake, unstake, accrue emission.

Every function takes a :class:`Deployment` and the signing accounts, sends through
:func:`evmtensor.chain.tx.send`, and raises ``ContractRevert`` named after the contract's error.
The CLI, the devnet and the neurons all act through here.
"""

from __future__ import annotations

import ipaddress
import time

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD

from evmtensor.chain.deploy import Deployment
from evmtensor.chain.registration import sign_registration
from evmtensor.chain.tx import send

__all__ = [
    "accrue",
    "chain_deadline",
    "register_neuron",
    "register_neuron_receipt",
    "register_subnet",
    "register_subnet_receipt",
    "registration_signature",
    "serve_axon",
    "stake",
    "unstake",
    "encode_ip",
]

UNLIMITED = 2**256 - 1


def chain_deadline(dep: Deployment, seconds: int = 3600) -> int:
    """A deadline ``seconds`` after now, by chain time where it is ahead of ours."""
    # Chain time, not wall time: Anvil's clock can be moved ahead of ours.
    return max(int(time.time()), dep.w3.eth.get_block("latest")["timestamp"]) + seconds


def registration_signature(dep: Deployment, hotkey: LocalAccount, coldkey: str, netuid: int, deadline: int,
                           nonce: int | None = None) -> bytes:
    """``hotkey``'s signature registering it on ``netuid`` (0: a new subnet's owner) for ``coldkey``;
    ``nonce`` defaults to the hotkey's current ``registrationNonce``."""
    neurons = dep.contract("NeuronRegistry")
    if nonce is None:
        nonce = neurons.functions.registrationNonce(hotkey.address).call()
    return sign_registration(hotkey, neurons.address, dep.chain_id, netuid, coldkey, nonce, deadline)


def register_subnet_receipt(dep: Deployment, coldkey: LocalAccount, hotkey: LocalAccount,
                            max_lock: int = UNLIMITED) -> dict:
    """:func:`register_subnet`, returning the receipt (its ``SubnetRegistered`` event has the netuid)."""
    deadline = chain_deadline(dep)
    sig = registration_signature(dep, hotkey, coldkey.address, 0, deadline)
    call = dep.contract("SubnetRegistry").functions.registerSubnet(hotkey.address, max_lock, deadline, sig)
    return send(dep.w3, call, coldkey)


def register_subnet(dep: Deployment, coldkey: LocalAccount, hotkey: LocalAccount, max_lock: int = UNLIMITED) -> int:
    """Register a subnet owned by ``coldkey`` with ``hotkey`` as UID 0; returns its netuid."""
    receipt = register_subnet_receipt(dep, coldkey, hotkey, max_lock)
    (event,) = dep.contract("SubnetRegistry").events.SubnetRegistered().process_receipt(receipt, errors=DISCARD)
    return event["args"]["netuid"]


def register_neuron_receipt(dep: Deployment, netuid: int, coldkey: LocalAccount, hotkey: LocalAccount,
                            max_burn: int = UNLIMITED) -> dict:
    """:func:`register_neuron`, returning the receipt (its ``NeuronRegistered`` event has the UID)."""
    deadline = chain_deadline(dep)
    sig = registration_signature(dep, hotkey, coldkey.address, netuid, deadline)
    call = dep.contract("NeuronRegistry").functions.registerNeuron(netuid, hotkey.address, max_burn, deadline, sig)
    return send(dep.w3, call, coldkey)


def register_neuron(
    dep: Deployment, netuid: int, coldkey: LocalAccount, hotkey: LocalAccount, max_burn: int = UNLIMITED
) -> int:
    """Burn-register ``hotkey`` on ``netuid`` paid by ``coldkey``; returns the UID."""
    receipt = register_neuron_receipt(dep, netuid, coldkey, hotkey, max_burn)
    (event,) = dep.contract("NeuronRegistry").events.NeuronRegistered().process_receipt(receipt, errors=DISCARD)
    return event["args"]["uid"]


def encode_ip(host: str) -> tuple[int, int]:
    """``(ip as integer, ip type 4 or 6)`` for an address string."""
    ip = ipaddress.ip_address(host)
    return int(ip), ip.version


def serve_axon(dep: Deployment, netuid: int, hotkey: LocalAccount, host: str, port: int,
               protocol: int = 4, version: int = 1) -> dict:
    """Publish ``hotkey``'s axon endpoint on ``netuid`` (sent by the hotkey itself)."""
    ip, ip_type = encode_ip(host)
    call = dep.contract("NeuronRegistry").functions.serveAxon(netuid, ip, port, ip_type, protocol, version)
    return send(dep.w3, call, hotkey)


def stake(dep: Deployment, netuid: int, coldkey: LocalAccount, hotkey: str, tao: int,
          limit_price: int = UNLIMITED) -> dict:
    """Stake ``tao`` rao from ``coldkey`` to ``hotkey`` on ``netuid`` (a TAO->alpha swap that
    may not lift the price above ``limit_price``, 1e18-scaled TAO per alpha)."""
    call = dep.contract("StakingPools").functions.stake(netuid, hotkey, tao, limit_price, chain_deadline(dep))
    return send(dep.w3, call, coldkey)


def unstake(dep: Deployment, netuid: int, coldkey: LocalAccount, hotkey: str, alpha: int,
            limit_price: int = 0) -> dict:
    """Unstake ``alpha`` from ``hotkey`` on ``netuid`` back to TAO (an alpha->TAO swap that may
    not push the price below ``limit_price``)."""
    call = dep.contract("StakingPools").functions.unstake(netuid, hotkey, alpha, limit_price, chain_deadline(dep))
    return send(dep.w3, call, coldkey)


def accrue(dep: Deployment, sender: LocalAccount) -> dict:
    """Accrue emission for every block since the last accrual (anyone may call)."""
    return send(dep.w3, dep.contract("Emission").functions.accrue(), sender)
