"""The epoch driver: ``run_epoch(inputs, mode) -> EpochResult`` (spec section 4, in order).

``YumaMode.EXACT`` (default) emulates subtensor's fixed-point arithmetic with integers and is
bit-for-bit deterministic: the same inputs give the same result on every machine, whatever
the thread count (no BLAS, no float). ``YumaMode.FLOAT`` runs the same formulas in float64 and
may switch on the simulation's quirks (``SimQuirks``). The mode picks an ``Arithmetic``
back-end; nothing below asks which one it got.

Result invariants: incentive and dividends are each normalised (sum 1) or all zero, and
non-negative; a UID without active stake has no dividend; ``bonds_u16`` follows the chain's
row storage rule (new permit: new row; permit lost: empty row; otherwise untouched).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import bonds as _bonds
from . import consensus as _cons
from .arith import Arithmetic, backend_for
from .errors import YumaInputError
from .inputs import EpochInputs, SimQuirks, SparseMatrix, YumaMode, YumaVersion, parse_mode
from .masks import prepare

__all__ = ["EpochResult", "run_epoch"]

_NO_QUIRKS = SimQuirks()


@dataclass(frozen=True, eq=False)
class EpochResult:
    """Outputs of one epoch. Float vectors are per UID; ``u16`` holds what the chain stores."""

    mode: YumaMode
    stake_weight: np.ndarray
    active: np.ndarray
    validator_permits: np.ndarray  # new permits (read by the next epoch)
    consensus: np.ndarray
    incentive: np.ndarray
    dividends: np.ndarray
    validator_trust: np.ndarray
    server_emission: tuple
    validator_emission: tuple
    emission: tuple
    u16: dict  # stake_weight, consensus, incentive, dividends, validator_trust -> int arrays
    bonds: SparseMatrix  # stored bonds as proportions of 65535 (float values)
    bonds_u16: SparseMatrix  # stored bonds, u16: what the chain writes (feed it on chain replays)
    # The state to feed to the next epoch in this mode: the u16 cells in exact mode, the
    # unrounded float state in float mode (the simulation keeps bonds that way).
    next_bonds: SparseMatrix
    detail: dict = field(default_factory=dict, repr=False)  # intermediate matrices for explain


def _check(inputs: EpochInputs, mode: YumaMode, quirks: SimQuirks) -> None:
    if not isinstance(inputs, EpochInputs):
        raise YumaInputError("inputs", "must be an EpochInputs")
    if mode is YumaMode.EXACT:
        if quirks != _NO_QUIRKS:
            raise YumaInputError("quirks", "simulation quirks need mode='float'")
        if not inputs.weights.is_u16:
            raise YumaInputError("weights", "exact mode needs stored u16 weights")
        if not inputs.bonds.is_u16:
            raise YumaInputError("bonds", "exact mode needs stored u16 bonds")


def run_epoch(inputs: EpochInputs, mode: YumaMode | str = YumaMode.EXACT,
              quirks: Optional[SimQuirks] = None) -> EpochResult:
    """Run one Yuma Consensus epoch. Raises ``YumaInputError`` on bad input."""
    quirks = quirks or _NO_QUIRKS
    mode = parse_mode(mode)
    _check(inputs, mode, quirks)
    ops = backend_for(mode)
    params = inputs.params
    eps = 1e-6 if quirks.epsilon else 0.0
    prep = prepare(inputs, ops, quirks)

    w = _sim_row_normalize(prep.w_vals) if quirks.epsilon else ops.row_normalize(prep.w_vals, eps)
    kappa = ops.u16_param(params.kappa, quirks.kappa)
    consensus = _cons.weighted_median(ops, prep.active_stake, prep.rows, w, kappa, quirks.median_at_kappa)
    if quirks.consensus_grid:
        consensus = _sim_grid(consensus)
    wc, wc_present = _cons.clip(w, prep.w_present, consensus)
    trust = np.zeros(inputs.n, ops.dtype)
    trust[prep.rows] = wc.sum(axis=1)
    ranks = ops.mul(prep.active_stake[prep.rows][:, None], wc).sum(axis=0)
    incentive = ops.normalize(ranks)

    beta = ops.u16_param(params.bonds_penalty, quirks.bonds_penalty)
    if quirks.yuma3_raw_weights and params.version == YumaVersion.YUMA3:
        beta = ops.zero
    wb, wb_present = _cons.interpolate(ops, w, prep.w_present, wc, wc_present, beta)
    ctx = _bonds.BondContext(ops, prep.rows, prep.active_stake, incentive, consensus, eps)
    if params.version == YumaVersion.YUMA3:
        new_b, stored, dividends = _bonds.yuma3_bonds(ctx, wb, wb_present, prep.b_vals, params, quirks)
    else:
        new_b, stored, dividends = _bonds.original_bonds(ctx, wb, prep.b_vals, params, quirks)

    split = _split_emission(ops, incentive, dividends, prep, inputs.emission)
    bonds_f, bonds_u16, next_b = _store_bonds(ops, inputs, prep, stored)
    u16 = {
        "stake_weight": ops.to_u16(prep.stake), "consensus": ops.to_u16(consensus),
        "incentive": ops.to_u16(incentive), "dividends": ops.to_u16(dividends),
        "validator_trust": ops.to_u16(trust),
    }
    detail = {"rows": prep.rows, "w": w, "w_present": prep.w_present, "wc": wc, "wb": wb,
              "bonds_prev": prep.b_vals, "bonds_new": new_b, "active_stake": prep.active_stake,
              "ops": ops, "permits": prep.permits}
    f = ops.to_float
    return EpochResult(
        mode, f(prep.stake), prep.active, prep.new_permits, f(consensus), f(incentive),
        f(dividends), f(trust), *split, u16, bonds_f, bonds_u16, next_b, detail,
    )


def _sim_row_normalize(w: np.ndarray) -> np.ndarray:
    """The simulation's ``W / (W.sum(1) + 1e-6)``, in its float32 tensors."""
    w32 = w.astype(np.float32)
    return (w32 / (w32.sum(axis=1, keepdims=True, dtype=np.float32) + np.float32(1e-6))).astype(np.float64)


def _sim_grid(consensus: np.ndarray) -> np.ndarray:
    """The simulation's ``(C / C.sum() * 65535).int() / 65535``, in its float32 tensors."""
    c32 = consensus.astype(np.float32)
    total = c32.sum(dtype=np.float32)
    if total == 0:
        return consensus
    grid = np.trunc(c32 / total * np.float32(65535)).astype(np.float32)
    return (grid / np.float32(65535)).astype(np.float64)


def _split_emission(ops: Arithmetic, incentive, dividends, prep, emission: int):
    """Spec 4.11: server/validator/combined shares of the epoch's emission, floored to rao."""
    combined = incentive + dividends
    total = combined.sum()
    if total == 0:
        server, validator = incentive, dividends
        fallback = prep.stake if ops.is_zero(prep.active_stake) else prep.active_stake
        validator = combined_n = fallback
    else:
        server, validator = ops.div(incentive, total), ops.div(dividends, total)
        combined_n = ops.normalize(combined)
    return (tuple(ops.amounts(server, emission)), tuple(ops.amounts(validator, emission)),
            tuple(ops.amounts(combined_n, emission)))


def _store_bonds(ops: Arithmetic, inputs: EpochInputs, prep, stored: np.ndarray):
    """Apply the row storage rule and build proportion / u16 / next-state matrices.

    New permit: the row is this epoch's bonds (empty outside the validator block); permit
    lost: empty; otherwise the stored row is left untouched.
    """
    n, old = inputs.n, inputs.bonds
    mask = (stored > 0) & prep.new_permits[prep.rows][:, None]
    new_vals = stored[mask]
    k, cols = np.nonzero(mask)
    counts = np.zeros(n, np.int64)
    counts[prep.rows] = mask.sum(axis=1)
    untouched = ~prep.new_permits & ~prep.permits
    old_counts = np.diff(old.indptr)
    keep = np.repeat(untouched, old_counts)
    new_u16 = ops.to_u16(new_vals).astype(np.int64)
    new_prop = ops.stored_proportion(new_vals, new_u16)
    if keep.any():  # merge the untouched rows in (rare: stale bonds of never-permitted UIDs)
        counts += np.where(untouched, old_counts, 0)
        old_vals = old.values[keep]
        old_u16 = old_vals if old.is_u16 else ops.to_u16(old_vals)
        old_prop = old_vals / 65535.0 if old.is_u16 else old_vals
        uids = np.concatenate([prep.rows[k], np.repeat(np.arange(n), old_counts)[keep]])
        order = np.argsort(uids, kind="stable")  # disjoint rows, each part row-sorted
        cols = np.concatenate([cols, old.indices[keep]])[order]
        new_u16 = np.concatenate([new_u16, old_u16]).astype(np.int64)[order]
        new_prop = np.concatenate([new_prop, old_prop])[order]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    bonds_u16 = SparseMatrix(n, indptr, cols.astype(np.int64), new_u16)
    proportions = SparseMatrix(n, indptr, bonds_u16.indices, np.asarray(new_prop, np.float64))
    return proportions, bonds_u16, ops.next_state(bonds_u16, proportions)
