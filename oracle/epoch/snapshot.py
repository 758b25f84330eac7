"""An epoch's snapshot as EpochSettlement published it (``EpochOpened``), decoded.

Byte layouts (contracts/interfaces/IEpochSettlement.sol): the snapshot holds per UID
``hotkey 20 | coldkey 20 | stake u64 | voter u8`` (a voter: in the validator set and active, so
its attestation counts toward the quorum); the neurons bytes ``registeredAt u64 | weights row block
u64 | weights row hash 32 | previous permit u8``. Everything here is read from the contract's own
event, so a relay cannot feed a validator different inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address

from evmtensor.chain.client import ChainClient

__all__ = ["EpochSnapshot", "NeuronAtSnapshot", "find_opened", "parse_opened"]

_ENTRY = 49
_NEURON = 49


@dataclass(frozen=True)
class NeuronAtSnapshot:
    """One UID at the snapshot."""

    uid: int
    hotkey: str
    coldkey: str
    stake: int
    registered_at: int
    row_block: int
    row_hash: bytes
    permit: bool
    voter: bool  # its attestation counts toward the quorum (IEpochSettlement)


@dataclass(frozen=True)
class EpochSnapshot:
    """The decoded ``EpochOpened`` of one epoch."""

    netuid: int
    epoch: int
    snapshot_block: int
    snapshot_hash: bytes
    validator_stake: int
    validator_threshold: int
    pending_alpha: int
    snapshot: bytes
    neurons: tuple[NeuronAtSnapshot, ...]
    hyperparameters: dict

    @property
    def n(self) -> int:
        return len(self.neurons)


def parse_opened(event) -> EpochSnapshot:
    """An ``EpochOpened`` log (web3 AttributeDict) as an :class:`EpochSnapshot`."""
    a = event["args"]
    snap, raw = bytes(a["snapshot"]), bytes(a["neurons"])
    if len(snap) % _ENTRY or len(raw) != len(snap) // _ENTRY * _NEURON:
        raise ValueError("EpochOpened: snapshot and neurons bytes do not match their layouts")
    neurons = []
    for uid in range(len(snap) // _ENTRY):
        s, m = snap[uid * _ENTRY:(uid + 1) * _ENTRY], raw[uid * _NEURON:(uid + 1) * _NEURON]
        neurons.append(NeuronAtSnapshot(
            uid, to_checksum_address(s[:20]), to_checksum_address(s[20:40]), int.from_bytes(s[40:48], "big"),
            int.from_bytes(m[:8], "big"), int.from_bytes(m[8:16], "big"), m[16:48], bool(m[48]), bool(s[48]),
        ))
    hp = a["hyperparameters"]
    return EpochSnapshot(
        int(a["netuid"]), int(a["epoch"]), int(a["snapshotBlock"]), bytes(a["snapshotHash"]),
        int(a["validatorStake"]), int(a["validatorThreshold"]), int(a["pendingAlpha"]), snap, tuple(neurons),
        dict(hp) if not isinstance(hp, (tuple, list)) else _hp_dict(hp),
    )


def _hp_dict(values) -> dict:
    names = ("tempo", "maxUids", "maxValidators", "immunityPeriod", "minAllowedWeights", "weightsRateLimit",
             "activityCutoff", "kappa", "bondsMovingAverage", "bondsPenalty", "yuma3", "liquidAlphaEnabled",
             "alphaLow", "alphaHigh", "commitRevealEnabled", "commitRevealPeriod", "minBurn", "maxBurn",
             "weightsVersionKey", "servingRateLimit")
    return dict(zip(names, values))


def find_opened(client: ChainClient, netuid: int, epoch: int | None = None, *, to_block="latest") -> EpochSnapshot:
    """The ``EpochOpened`` of ``netuid``'s ``epoch`` (default: the latest opened).

    Raises:
        LookupError: no such epoch was opened.
    """
    settlement = client.contract("EpochSettlement")
    if epoch is None:
        state = client.view("EpochSettlement", "epochState", netuid, block=to_block)
        if state["snapshotBlock"] == 0:
            raise LookupError(f"no epoch of subnet {netuid} was opened")
        epoch, lo = int(state["epoch"]), int(state["snapshotBlock"])
        hi = lo
    else:
        lo, hi = client.deployment.deploy_block, to_block
    logs = settlement.events.EpochOpened().get_logs(
        from_block=lo, to_block=hi, argument_filters={"netuid": netuid, "epoch": epoch})
    if not logs:
        raise LookupError(f"epoch {epoch} of subnet {netuid} was not opened")
    return parse_opened(logs[-1])
