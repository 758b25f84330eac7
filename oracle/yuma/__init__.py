"""Yuma Consensus engine: subtensor's epoch, exact to the bit, with replay, encoding and explain.

Public API::

    from oracle.yuma import EpochInputs, YumaParams, SparseMatrix, run_epoch, encode_epoch, epoch_hash
    result = run_epoch(inputs)              # YumaMode.EXACT: subtensor's fixed point, deterministic
    digest = epoch_hash(inputs, result)     # keccak-256 of the canonical encoding

Exceptions: ``YumaError`` (an ``evmtensor.errors.EvmTensorError``) is the root; bad input raises ``YumaInputError`` (a ``ValueError``)
whose ``field`` names the offending input.
"""
from .encoding import encode_epoch, epoch_hash
from .epoch import EpochResult, run_epoch
from .errors import YumaError, YumaInputError
from .inputs import EpochInputs, SimQuirks, SparseMatrix, YumaMode, YumaParams, YumaVersion, max_upscale_u16
from .replay import Replay, replay_file, replay_sim, replay_subtensor

__all__ = [
    "EpochInputs",
    "EpochResult",
    "Replay",
    "SimQuirks",
    "SparseMatrix",
    "YumaError",
    "YumaInputError",
    "YumaMode",
    "YumaParams",
    "YumaVersion",
    "encode_epoch",
    "epoch_hash",
    "max_upscale_u16",
    "replay_file",
    "replay_sim",
    "replay_subtensor",
    "run_epoch",
]
