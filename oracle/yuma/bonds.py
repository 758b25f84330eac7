"""Bonds and dividends: Yuma 3 (per-pair proportions, fixed or liquid alpha) and the
original path (Yuma 2; Yuma 1 = the same with alpha 1). Spec 4.10.

All matrices are ``(V, n)`` validator-row blocks; a bond is present iff its value is > 0.
Each function returns ``(new_bonds, stored, dividends)``: ``new_bonds`` is the EMA bond
matrix of this epoch, ``stored`` what the chain writes back (before u16 conversion; Yuma 3:
``new_bonds``; original path: column max-upscaled), ``dividends`` the ``(n,)`` vector.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arith import Arithmetic
from .inputs import YumaVersion

__all__ = ["BondContext", "yuma3_bonds", "original_bonds"]


@dataclass
class BondContext:
    ops: Arithmetic
    rows: np.ndarray  # (V,)
    active_stake: np.ndarray  # (n,)
    incentive: np.ndarray  # (n,)
    consensus: np.ndarray  # (n,)
    eps: float = 0.0  # simulation epsilon in the normalisations (float mode only)


def _liquid_alpha(ops, wb, b, consensus, steep, alpha_low, alpha_high) -> np.ndarray:
    """Per-pair alpha: sigmoid of how far the weight is from consensus (buy) or the bond (sell)."""
    one = ops.one
    buy = np.clip(wb - consensus[None, :], 0, one)
    sell = np.clip(b - wb, 0, one)
    diff = np.where(wb >= b, buy, sell)
    sigma = ops.sigmoid(ops.mul_signed(steep, diff - ops.half))
    alpha = alpha_low + ops.mul(sigma, alpha_high - alpha_low)
    return np.clip(alpha, alpha_low, alpha_high)


def yuma3_bonds(ctx: BondContext, wb, wb_present, b_prev, params, quirks):
    """Yuma 3: ``B' = EMA(Wb, B)`` per pair, dividends ``normalize(A * (col_norm(B') I))``."""
    ops = ctx.ops
    b = ops.bonds_proportion(b_prev)
    liquid = params.liquid_alpha and not quirks.first_epoch and bool(np.any(ctx.consensus != 0))
    if liquid:
        steep = ops.steepness(params.alpha_sigmoid_steepness, quirks.alpha_sigmoid_steepness)
        lo = ops.u16_param(params.alpha_low, quirks.alpha_low)
        hi = ops.u16_param(params.alpha_high, quirks.alpha_high)
        alpha = _liquid_alpha(ops, wb, b, ctx.consensus, steep, lo, hi)
        inc = np.maximum(ops.mul(alpha, wb), 0)
        val = np.minimum(ops.one, ops.mul(ops.one - alpha, b) + inc)
        new = np.where(wb_present, val, 0)  # pairs absent from Wb are dropped (sparse semantics)
    else:
        alpha = ops.ema_alpha(params.bonds_moving_average, quirks.bonds_moving_average)
        new = ops.mul(alpha, wb) + ops.mul(ops.one - alpha, b)
        if quirks.yuma3_raw_weights:
            new = np.minimum(new, ops.one)
    new = np.where(new > 0, new, 0).astype(ops.dtype)
    bn = ops.col_normalize(new, ctx.eps)
    per_validator = ops.mul(bn, ctx.incentive[None, :]).sum(axis=1)
    t = np.zeros(ctx.active_stake.shape[0], ops.dtype)
    t[ctx.rows] = per_validator
    dividends = ops.normalize(ops.mul(t, ctx.active_stake), ctx.eps)
    return new, new, dividends


def original_bonds(ctx: BondContext, wb, b_prev, params, quirks):
    """Original path: ``B' = col_norm(alpha col_norm(Wb * A) + (1 - alpha) col_norm(B))``."""
    ops = ctx.ops
    # Simulation quirk: its Yuma 2 never column-normalises and stores the EMA as it is.
    raw = quirks.yuma2_unnormalised and params.version == YumaVersion.YUMA2
    b = ops.from_u16_int(b_prev) if raw else ops.col_normalize_u16(b_prev)
    a = ctx.active_stake[ctx.rows]
    delta = ops.col_normalize(ops.mul(wb, a[:, None]), 0.0 if raw else ctx.eps)
    if params.version == YumaVersion.YUMA1 or (raw and quirks.first_epoch):
        alpha = ops.one
    else:
        alpha = ops.ema_alpha(params.bonds_moving_average, quirks.bonds_moving_average)
    new = ops.mul(alpha, delta) + ops.mul(ops.one - alpha, b)
    new = np.where(new > 0, new, 0).astype(ops.dtype)
    if not raw:
        new = ops.col_normalize(new, ctx.eps)
    d = np.zeros(ctx.active_stake.shape[0], ops.dtype)
    d[ctx.rows] = ops.mul(ctx.incentive[None, :], new).sum(axis=1)
    dividends = ops.normalize(d, ctx.eps)
    stored = new if quirks.yuma2_unnormalised else ops.col_max_upscale(new)
    return new, stored, dividends
