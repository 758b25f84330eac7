"""Activity, stake weights, validator permits and the weight/bond masks (spec 4.1-4.5, 4.10).

Everything here is integer/boolean logic shared by both modes, except the stake weights,
which the arithmetic back-end computes. Output is a ``Prepared`` record holding the dense
block of "validator rows": every UID that holds a permit or still has stored bonds. All other
rows are empty by construction (their weights are masked, they own no bonds), so the epoch
works on ``(V, n)`` matrices instead of ``(n, n)``.

Invariants of ``Prepared``: ``w_vals``/``b_vals`` are 0 wherever the matching ``*_present``
is False; ``rows`` is sorted ascending.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import EpochInputs, SimQuirks

__all__ = ["Prepared", "prepare", "topk_nonzero"]


@dataclass
class Prepared:
    rows: np.ndarray  # (V,) validator-row UIDs
    stake: np.ndarray  # (n,) normalised stake weight S
    active: np.ndarray  # (n,) bool
    permits: np.ndarray  # (n,) bool, previous epoch's permits (owner forced)
    new_permits: np.ndarray  # (n,) bool
    active_stake: np.ndarray  # (n,) A
    w_vals: np.ndarray  # (V, n) stored u16 weights after masks (0 where absent)
    w_present: np.ndarray  # (V, n) bool
    b_vals: np.ndarray  # (V, n) stored bonds after the registration mask
    b_present: np.ndarray  # (V, n) bool


def topk_nonzero(stake: np.ndarray, k: int) -> np.ndarray:
    """``is_topk_nonzero``: non-zero entries, then all but the k largest dropped.

    A stable ascending sort drops the first ``n - k``; at equal stake the higher UID survives.
    """
    n = stake.shape[0]
    keep = stake != 0
    if n < k:
        return keep
    order = np.argsort(stake, kind="stable")
    keep[order[: n - k]] = False
    return keep


def _activity(inputs: EpochInputs) -> np.ndarray:
    cutoff = min(int(inputs.params.activity_cutoff), 2**62)
    last = np.minimum(inputs.last_update, 2**62)
    return ~(last + cutoff < int(inputs.current_block))


def _zeroed_stake(inputs: EpochInputs) -> np.ndarray:
    """UIDs whose raw stake is below the stake threshold (never the owner)."""
    threshold = int(inputs.params.stake_threshold)
    if threshold == 0:
        return np.zeros(inputs.n, bool)
    floor = np.array([int(s) for s in inputs.stake.tolist()], dtype=object)
    zero = np.array([f < threshold for f in floor], bool)
    if inputs.owner_uid is not None:
        zero[inputs.owner_uid] = False
    return zero


def _weight_mask(inputs: EpochInputs, rows: np.ndarray, permits: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Remove forbidden rows, self-weights (owner kept), outdated and commit-reveal entries."""
    n = inputs.n
    cols = np.arange(n)
    present = present & permits[rows][:, None]
    diag = rows[:, None] == cols[None, :]
    if inputs.owner_uid is not None:
        diag &= rows[:, None] != inputs.owner_uid
    present &= ~diag
    reg = inputs.registration_block
    present &= ~(inputs.last_update[rows][:, None] <= reg[None, :])
    if inputs.commit_blocks is not None:
        big = np.iinfo(np.int64).max
        cb = np.array([big if c is None else min(int(c), big) for c in inputs.commit_blocks], np.int64)
        present &= ~(cb[rows][:, None] < reg[None, :])
    return present


def prepare(inputs: EpochInputs, ops, quirks: SimQuirks) -> Prepared:
    """Run spec 4.1-4.5 (before row normalisation) and the bond registration mask."""
    owner = inputs.owner_uid
    active = _activity(inputs)
    stake = ops.stake(inputs.stake, _zeroed_stake(inputs))
    permits = inputs.validator_permits.copy()
    if owner is not None:
        permits[owner] = True
    if quirks.fixed_permits:
        new_permits = permits.copy()
    else:
        new_permits = topk_nonzero(stake, int(inputs.params.max_allowed_validators))
        if owner is not None:
            new_permits[owner] = True
    active_stake = np.where(active & permits, stake, ops.zero).astype(ops.dtype)
    active_stake = ops.normalize(active_stake)

    has_bonds = np.diff(inputs.bonds.indptr) > 0
    rows = np.nonzero(permits | has_bonds)[0]
    w_dtype = np.int64 if inputs.weights.is_u16 else np.float64
    w_vals, w_present = inputs.weights.dense_rows(rows, w_dtype)
    w_present = _weight_mask(inputs, rows, permits, w_present)
    w_vals = np.where(w_present, w_vals, 0)

    b_dtype = np.int64 if inputs.bonds.is_u16 else np.float64
    b_vals, b_present = inputs.bonds.dense_rows(rows, b_dtype)
    fresh = inputs.effective_last_tempo <= inputs.registration_block  # (n,) column mask
    b_present &= ~fresh[None, :]
    b_vals = np.where(b_present, b_vals, 0)
    return Prepared(rows, stake, active, permits, new_permits, active_stake, w_vals, w_present, b_vals, b_present)
