"""The epoch inputs builder: the one function every validator and the relay use to read an
epoch's inputs from the chain into the Yuma engine's :class:`~oracle.yuma.EpochInputs`.

Sources, all fixed by the epoch's snapshot (``EpochOpened``, emitted by EpochSettlement itself):
- stake, hotkeys, registration blocks, previous permits, each UID's latest weights row (hash and
  block) and the hyperparameters: the event's bytes;
- the weights rows themselves: the Weights contract's ``WeightsSet`` events, matched by the row
  hash the snapshot recorded (a row set before the UID's current registration does not count);
  values are max-upscaled as subtensor stores them;
- the previous bonds: the ``BondsPublished`` event whose hash EpochSettlement holds at the
  snapshot block (empty before the first settled epoch).
Two honest validators therefore build byte-identical inputs, and so sign the same result.
"""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address

from evmtensor.chain.client import ChainClient
from evmtensor.chain.weights import row_hash, unpack_u16
from oracle.yuma import EpochInputs, SparseMatrix, YumaParams, YumaVersion, max_upscale_u16

from .snapshot import EpochSnapshot

__all__ = ["build_epoch_inputs", "decode_bonds", "encode_bonds", "previous_bonds", "yuma_params"]

_U64_MAX = 2**64 - 1
_ZERO32 = b"\x00" * 32


def yuma_params(hp: dict) -> YumaParams:
    """The subnet's hyperparameters (ISubnetRegistry.Hyperparameters) in Yuma's encodings."""
    return YumaParams(
        kappa=int(hp["kappa"]), bonds_penalty=int(hp["bondsPenalty"]),
        bonds_moving_average=min(int(hp["bondsMovingAverage"]), 1_000_000),
        version=YumaVersion.YUMA3 if hp["yuma3"] else YumaVersion.YUMA2,
        liquid_alpha=bool(hp["liquidAlphaEnabled"]), alpha_low=int(hp["alphaLow"]), alpha_high=int(hp["alphaHigh"]),
        max_allowed_validators=int(hp["maxValidators"]), activity_cutoff=int(hp["activityCutoff"]),
        tempo=int(hp["tempo"]), stake_threshold=0,
    )


def encode_bonds(bonds: SparseMatrix) -> bytes:
    """The bonds bytes settlement publishes: per UID row, count u16 then (uid u16, value u16)s."""
    out = bytearray()
    for i in range(bonds.n):
        cols, vals = bonds.row(i)
        out += len(cols).to_bytes(2, "big")
        for c, v in zip(cols.tolist(), vals.tolist()):
            out += int(c).to_bytes(2, "big") + int(v).to_bytes(2, "big")
    return bytes(out)


def decode_bonds(data: bytes, n: int) -> SparseMatrix:
    """Bonds bytes (:func:`encode_bonds`) as an ``n``-row u16 matrix; rows past the data are empty."""
    rows, pos = [], 0
    while pos < len(data):
        count = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        row = []
        for _ in range(count):
            row.append((int.from_bytes(data[pos:pos + 2], "big"), int.from_bytes(data[pos + 2:pos + 4], "big")))
            pos += 4
        rows.append(row)
    if len(rows) > n:
        raise ValueError(f"bonds hold {len(rows)} rows, the epoch has {n} UIDs")
    rows += [[] for _ in range(n - len(rows))]
    return SparseMatrix.from_rows([[(j, v) for j, v in r if j < n] for r in rows], n, "bonds")


def previous_bonds(client: ChainClient, snap: EpochSnapshot) -> SparseMatrix:
    """The bonds of the last epoch settled before ``snap`` (checked against the stored hash)."""
    state = client.view("EpochSettlement", "epochState", snap.netuid, block=snap.snapshot_block)
    wanted = bytes(state["bondsHash"])
    if wanted == _ZERO32:
        return SparseMatrix.empty(snap.n)
    logs = client.contract("EpochSettlement").events.BondsPublished().get_logs(
        from_block=client.deployment.deploy_block, to_block=snap.snapshot_block,
        argument_filters={"netuid": snap.netuid})
    for log in reversed(logs):
        data = bytes(log["args"]["bonds"])
        if keccak(data) == wanted:
            return decode_bonds(data, snap.n)
    raise LookupError(f"no BondsPublished of subnet {snap.netuid} hashes to the stored {wanted.hex()}")


def _weights(client: ChainClient, snap: EpochSnapshot) -> tuple[SparseMatrix, list[int]]:
    """Each UID's current row (from the Weights events) and its block (last_update)."""
    current = [m for m in snap.neurons if m.row_hash != _ZERO32 and m.row_block >= m.registered_at]
    rows: list[list] = [[] for _ in range(snap.n)]
    last_update = [0] * snap.n
    if current:
        logs = client.contract("Weights").events.WeightsSet().get_logs(
            from_block=min(m.row_block for m in current), to_block=max(m.row_block for m in current),
            argument_filters={"netuid": snap.netuid})
        found = {}
        for log in logs:
            a = log["args"]
            uids, values = unpack_u16(bytes(a["uids"])), unpack_u16(bytes(a["values"]))
            found[(to_checksum_address(a["hotkey"]), int(log["blockNumber"]), row_hash(uids, values))] = (uids, values)
        for m in current:
            row = found.get((m.hotkey, m.row_block, m.row_hash))
            if row is None:
                raise LookupError(f"uid {m.uid}: no WeightsSet at block {m.row_block} matches the snapshot's row")
            uids, values = row
            rows[m.uid] = [(j, v) for j, v in zip(uids, max_upscale_u16(values)) if j < snap.n]
            last_update[m.uid] = m.row_block
    return SparseMatrix.from_rows(rows, snap.n, "weights"), last_update


def build_epoch_inputs(client: ChainClient, snap: EpochSnapshot) -> EpochInputs:
    """The Yuma inputs of the epoch ``snap`` describes (see the module docstring)."""
    weights, last_update = _weights(client, snap)
    return EpochInputs(
        stake=[m.stake for m in snap.neurons],
        weights=weights,
        registration_block=[m.registered_at for m in snap.neurons],
        last_update=last_update,
        validator_permits=[m.permit for m in snap.neurons],
        bonds=previous_bonds(client, snap),
        current_block=snap.snapshot_block,
        params=yuma_params(snap.hyperparameters),
        emission=min(snap.pending_alpha, _U64_MAX),
        owner_uid=0 if snap.n else None,
    )
