"""Canonical encoding of an epoch (inputs and exact outputs) and its keccak-256 hash.

This is what validators attest to, so it is specified byte for byte (all integers are
unsigned big-endian of the stated width unless noted; UIDs always in ascending order; no
padding; a Solidity contract can rebuild it with ``abi.encodePacked`` of the same widths):

```
header   "EVMT-YUMA" (9 bytes ASCII) | version u8 = 1
params   kappa u16 | bonds_penalty u16 | bonds_moving_average u32 | yuma_version u8 |
         liquid_alpha u8 | alpha_low u16 | alpha_high u16 | alpha_sigmoid_steepness i16
         (two's complement) | max_allowed_validators u16 | activity_cutoff u64 | tempo u16 |
         stake_threshold u64
context  n u32 | current_block u64 | last_tempo u64 | emission u64 |
         owner_uid u32 (0xFFFFFFFF = none) | commit_reveal u8
per UID  stake u128 (I64F64 bits: raw stake * 2^64, floored) | registration_block u64 |
         last_update u64 | validator_permit u8 |
         [commit_block u64, 0xFFFF..FF = no active commit; only if commit_reveal = 1]
weights  per row i: count u32, then count entries (uid u32 | value u16)
bonds    same layout as weights (the bonds read by the epoch, u16 storage)
outputs  per UID: stake_weight u16 | consensus u16 | incentive u16 | dividends u16 |
         validator_trust u16 | active u8 | new_validator_permit u8 |
         server_emission u64 | validator_emission u64 | emission u64
new bonds  same layout as weights (the u16 bonds the epoch stores)
```

A sparse row entry is ``uid u32 | value u16``; entries are sorted by uid and explicit zeros
are kept (presence matters to the epoch). ``uid`` is u32 so that n = 65536 fits.

Only exact-mode results are encodable: float results are for research, never for signing.
"""
from __future__ import annotations

import struct

import numpy as np

from .arith import _i64f64_bits
from .epoch import EpochResult
from .errors import YumaInputError
from .inputs import EpochInputs, SparseMatrix, YumaMode

__all__ = ["encode_epoch", "epoch_hash", "ENCODING_VERSION"]

ENCODING_VERSION = 1
_MAGIC = b"EVMT-YUMA"
_NONE_U32 = 0xFFFFFFFF
_NONE_U64 = 2**64 - 1


def _params(inputs: EpochInputs) -> bytes:
    p = inputs.params
    return struct.pack(
        ">HHIBBHHhHQHQ", p.kappa, p.bonds_penalty, p.bonds_moving_average, int(p.version),
        int(p.liquid_alpha), p.alpha_low, p.alpha_high, p.alpha_sigmoid_steepness,
        p.max_allowed_validators, min(int(p.activity_cutoff), _NONE_U64), p.tempo, p.stake_threshold,
    )


def _context(inputs: EpochInputs) -> bytes:
    owner = _NONE_U32 if inputs.owner_uid is None else inputs.owner_uid
    return struct.pack(">IQQQIB", inputs.n, inputs.current_block, inputs.effective_last_tempo,
                       inputs.emission, owner, int(inputs.commit_blocks is not None))


def _per_uid(inputs: EpochInputs) -> bytes:
    out = bytearray()
    for i, s in enumerate(inputs.stake.tolist()):
        out += _i64f64_bits(s).to_bytes(16, "big")
        out += struct.pack(">QQB", int(inputs.registration_block[i]), int(inputs.last_update[i]),
                           int(inputs.validator_permits[i]))
        if inputs.commit_blocks is not None:
            cb = inputs.commit_blocks[i]
            out += struct.pack(">Q", _NONE_U64 if cb is None else cb)
    return bytes(out)


def _matrix(m: SparseMatrix) -> bytes:
    """Per row: u32 count, then (u32 uid, u16 value) pairs, big-endian."""
    entry = np.dtype([("uid", ">u4"), ("val", ">u2")])
    out = bytearray()
    counts = np.diff(m.indptr)
    cells = np.empty(m.indices.size, entry)
    cells["uid"] = m.indices
    cells["val"] = m.values
    raw = cells.tobytes()
    pos = 0
    for c in counts.tolist():
        out += struct.pack(">I", c)
        out += raw[pos : pos + 6 * c]
        pos += 6 * c
    return bytes(out)


def _outputs(result: EpochResult) -> bytes:
    u = result.u16
    rec = np.dtype([("sw", ">u2"), ("c", ">u2"), ("i", ">u2"), ("d", ">u2"), ("vt", ">u2"),
                    ("a", "u1"), ("p", "u1"), ("se", ">u8"), ("ve", ">u8"), ("e", ">u8")])
    n = len(result.emission)
    arr = np.empty(n, rec)
    arr["sw"], arr["c"], arr["i"] = u["stake_weight"], u["consensus"], u["incentive"]
    arr["d"], arr["vt"] = u["dividends"], u["validator_trust"]
    arr["a"], arr["p"] = result.active, result.validator_permits
    arr["se"] = np.array(result.server_emission, dtype=np.uint64)
    arr["ve"] = np.array(result.validator_emission, dtype=np.uint64)
    arr["e"] = np.array(result.emission, dtype=np.uint64)
    return arr.tobytes()


def encode_epoch(inputs: EpochInputs, result: EpochResult) -> bytes:
    """The canonical bytes of an epoch (layout in the module docstring)."""
    if result.mode is not YumaMode.EXACT:
        raise YumaInputError("result.mode", "only exact-mode results have a canonical encoding")
    if not (inputs.weights.is_u16 and inputs.bonds.is_u16):
        raise YumaInputError("inputs", "weights and bonds must be u16 storage")
    if len(result.emission) != inputs.n:
        raise YumaInputError("result", "result does not belong to these inputs (length differs)")
    parts = [_MAGIC, bytes([ENCODING_VERSION]), _params(inputs), _context(inputs), _per_uid(inputs),
             _matrix(inputs.weights), _matrix(inputs.bonds), _outputs(result), _matrix(result.bonds_u16)]
    return b"".join(parts)


def epoch_hash(inputs: EpochInputs, result: EpochResult) -> bytes:
    """keccak-256 (Ethereum's) of ``encode_epoch(inputs, result)``: 32 bytes."""
    from eth_utils import keccak

    return keccak(encode_epoch(inputs, result))
