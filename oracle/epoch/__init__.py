"""Epoch settlement off-chain: the inputs builder, the signed result, and the payout.

    snap = find_opened(client, netuid)                 # the epoch's snapshot (EpochOpened)
    result, inputs, out = compute_result(client, snap) # inputs from the chain, Yuma exact mode
    att = sign_result(client, hotkey, uid, result)     # a validator's EIP-712 attestation
    settle(client, result, snap, attestations, sender) # anyone posts a quorum of them
"""

from .inputs import build_epoch_inputs, decode_bonds, encode_bonds, previous_bonds, yuma_params
from .payout import Payout, compute_payout
from .result import (Attestation, SettlementResult, compute_result, quorum_reached, recover_attestation, settle,
                     sign_result, signed_stake)
from .snapshot import EpochSnapshot, NeuronAtSnapshot, find_opened, parse_opened

__all__ = [
    "Attestation",
    "EpochSnapshot",
    "NeuronAtSnapshot",
    "Payout",
    "SettlementResult",
    "build_epoch_inputs",
    "compute_payout",
    "compute_result",
    "decode_bonds",
    "encode_bonds",
    "find_opened",
    "open_epoch",
    "parse_opened",
    "previous_bonds",
    "quorum_reached",
    "recover_attestation",
    "settle",
    "sign_result",
    "signed_stake",
    "yuma_params",
]


def open_epoch(client, netuid: int, sender) -> EpochSnapshot:
    """Open ``netuid``'s current epoch from ``sender``; returns its snapshot."""
    receipt = client.send(client.contract("EpochSettlement").functions.openEpoch(netuid), sender)
    return parse_opened(client.events(receipt, "EpochSettlement", "EpochOpened")[0])
