"""An epoch's result as validators sign it, its EIP-712 attestation, and its settlement.

The result (IEpochSettlement.EpochResult) carries the Yuma outputs settlement pays by: per UID
incentive and dividends (u16, big-endian) and the new validator permits (one byte each), plus the
hash of the new bonds and ``inputsHash`` = ``oracle.yuma.epoch_hash(inputs, result)``, the keccak
of the exact mode's canonical bytes: validators that read different inputs sign different hashes
and never add up to a quorum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from eth_utils import keccak, to_checksum_address

from evmtensor.chain.client import ChainClient
from evmtensor.chain.typed_data import recover_typed, sign_typed
from evmtensor.chain.weights import pack_u16
from oracle.yuma import EpochInputs, EpochResult, YumaMode, epoch_hash, run_epoch

from .inputs import build_epoch_inputs, encode_bonds
from .snapshot import EpochSnapshot, find_opened

__all__ = ["Attestation", "SettlementResult", "compute_result", "quorum_reached", "recover_attestation", "settle",
           "sign_result", "signed_stake"]


@dataclass(frozen=True)
class SettlementResult:
    """What validators sign for one epoch, with the bonds bytes it commits to."""

    netuid: int
    epoch: int
    snapshot_block: int
    inputs_hash: bytes
    incentive: tuple[int, ...]
    dividends: tuple[int, ...]
    permits: tuple[bool, ...]
    bonds: bytes

    @property
    def bonds_hash(self) -> bytes:
        return keccak(self.bonds)

    def message(self) -> dict:
        """The EIP-712 message (typed_data.TYPES["EpochResult"])."""
        return {"netuid": self.netuid, "epoch": self.epoch, "snapshotBlock": self.snapshot_block,
                "inputsHash": self.inputs_hash, "incentive": pack_u16(self.incentive),
                "dividends": pack_u16(self.dividends), "permits": bytes(int(p) for p in self.permits),
                "bondsHash": self.bonds_hash}

    def as_tuple(self) -> tuple:
        """The ABI tuple of ``IEpochSettlement.EpochResult``."""
        m = self.message()
        return (m["netuid"], m["epoch"], m["snapshotBlock"], m["inputsHash"], m["incentive"], m["dividends"],
                m["permits"], m["bondsHash"])


@dataclass(frozen=True)
class Attestation:
    """One validator's (``uid`` in the snapshot) signature of a result."""

    uid: int
    hotkey: str
    signature: bytes


def compute_result(client: ChainClient, snap: EpochSnapshot | None = None, *, netuid: int | None = None
                   ) -> tuple[SettlementResult, EpochInputs, EpochResult]:
    """Read the epoch's inputs from the chain, run Yuma (exact mode) and build the result."""
    if snap is None:
        snap = find_opened(client, netuid)
    inputs = build_epoch_inputs(client, snap)
    out = run_epoch(inputs, mode=YumaMode.EXACT)
    result = SettlementResult(
        snap.netuid, snap.epoch, snap.snapshot_block, epoch_hash(inputs, out),
        tuple(int(v) for v in out.u16["incentive"]), tuple(int(v) for v in out.u16["dividends"]),
        tuple(bool(p) for p in out.validator_permits), encode_bonds(out.bonds_u16),
    )
    return result, inputs, out


def _domain(client: ChainClient) -> tuple[int, str]:
    return client.deployment.chain_id, to_checksum_address(client.deployment.address("EpochSettlement"))


def sign_result(client: ChainClient, hotkey: Any, uid: int, result: SettlementResult) -> Attestation:
    """``hotkey`` (a LocalAccount, UID ``uid`` in the snapshot) signs ``result``."""
    chain_id, contract = _domain(client)
    return Attestation(uid, hotkey.address, sign_typed(hotkey, "EpochResult", chain_id, contract, result.message()))


def recover_attestation(client: ChainClient, result: SettlementResult, signature: bytes) -> str:
    """The address that signed ``result`` with ``signature``."""
    chain_id, contract = _domain(client)
    return recover_typed(signature, "EpochResult", chain_id, contract, result.message())


def settle(client: ChainClient, result: SettlementResult, snap: EpochSnapshot,
           attestations: Sequence[Attestation], sender: Any, *, gas: int | None = None) -> dict:
    """Post ``result`` with ``attestations`` (sorted by UID here) from ``sender``; returns the receipt."""
    atts = [(a.uid, a.signature) for a in sorted(attestations, key=lambda a: a.uid)]
    fn = client.contract("EpochSettlement").functions.settle(result.as_tuple(), snap.snapshot, result.bonds, atts)
    return client.send(fn, sender, gas=gas)


def signed_stake(snap: EpochSnapshot, uids) -> int:
    """The snapshot stake of the distinct ``uids`` that vote (in the validator set and active at
    the snapshot, the voter flag EpochSettlement wrote), as EpochSettlement counts it."""
    return sum(snap.neurons[u].stake for u in set(uids) if u < snap.n and snap.neurons[u].voter)


def quorum_reached(snap: EpochSnapshot, uids, quorum: int) -> bool:
    """Whether attestations of ``uids`` hold ``quorum``/65535 of the snapshot's voter stake
    (``EpochSettlement.params().quorum``); never with no validator stake at all."""
    return bool(snap.validator_stake) and signed_stake(snap, uids) * 65535 >= snap.validator_stake * quorum
