"""Stake-weighted median consensus with kappa, clipping, validator trust and incentive (4.6-4.9).

Consensus of column ``j`` (chain): over the rows with active stake ``A_i > 0``, with
``s = normalize(A restricted)`` and ``minority = sum(s) - kappa``, the smallest score ``x``
with ``sum(s_i : W_ij <= x) > minority``; the column maximum if none; 0 if no row has stake.
It is computed by sorting each column and scanning the cumulative stake, which returns the
same value as subtensor's pivot search because fixed-point additions are exact.
"""
from __future__ import annotations

import numpy as np

__all__ = ["weighted_median", "clip", "interpolate"]


def weighted_median(ops, active_stake: np.ndarray, rows: np.ndarray, w: np.ndarray, kappa, at_kappa: bool = False) -> np.ndarray:
    """Per-column stake-weighted median of the ``(V, n)`` block ``w`` (absent entries are 0).

    ``at_kappa`` selects the simulation's rule: the smallest ``x`` with stake above ``x`` at
    most ``kappa`` (``>=`` instead of ``>`` at the boundary).
    """
    n = w.shape[1]
    a = active_stake[rows]
    sel = a > 0
    if not np.any(sel):
        return np.zeros(n, ops.dtype)
    s = ops.normalize(a[sel])
    minority = s.sum() - kappa
    sorted_scores, sorted_stake = _sort_columns(w[sel].T)  # (n, V'), ascending per column
    cum = np.cumsum(s[sorted_stake], axis=1)  # exact in int64 for ExactOps
    hit = cum >= minority if at_kappa else cum > minority
    first = np.where(hit.any(axis=1), hit.argmax(axis=1), sorted_scores.shape[1] - 1)
    return sorted_scores[np.arange(n), first]


def _sort_columns(scores_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort each row of ``(n, V')``; return sorted scores and the row index of each element.

    The order inside a group of equal scores does not change the median (it is a value whose
    cumulative stake is read at the end of its group or later). Integer scores (I32F32 bits,
    at most 2^33) are packed with their row index into one int64 key and sorted in place,
    which is several times faster than an argsort.
    """
    scores_t = np.ascontiguousarray(scores_t)
    v = scores_t.shape[1]
    if scores_t.dtype.kind == "i" and v <= 1 << 16 and (scores_t.size == 0 or scores_t.max() < 1 << 46):
        keys = (scores_t << 16) | np.arange(v, dtype=np.int64)[None, :]
        keys.sort(axis=1)
        return keys >> 16, keys & 0xFFFF
    order = np.argsort(scores_t, axis=1)
    return np.take_along_axis(scores_t, order, axis=1), order


def clip(w: np.ndarray, present: np.ndarray, consensus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``col_clip_sparse``: ``min(W, C)``; an entry above a non-positive ``C_j`` is removed."""
    above = w > consensus[None, :]
    removed = above & (consensus[None, :] <= 0)
    wc = np.where(above, consensus[None, :], w)
    keep = present & ~removed
    return np.where(keep, wc, 0).astype(w.dtype), keep


def interpolate(ops, w, w_present, wc, wc_present, beta) -> tuple[np.ndarray, np.ndarray]:
    """Weights for bonds ``W + beta (Wc - W)`` with the sparse presence rules of 4.9."""
    if beta == 0:
        return w, w_present
    if beta == ops.one:
        return wc, wc_present
    out = w + ops.mul_signed(beta, wc - w)
    keep = out > 0
    return np.where(keep, out, 0).astype(w.dtype), keep
