"""The two arithmetic back-ends the epoch is written against: exact (I32F32 bits) and float64.

Both expose the same operations, so the epoch driver is written once:

- ``ExactOps``: values are int64 I32F32 bits; every operation rounds exactly as subtensor
  does (see ``fixed``). No float is touched. This is what validators sign.
- ``FloatOps``: values are float64; the same formulas without rounding, for research. It can
  add the simulation's 1e-6 epsilon in the normalisations it names.

Shapes: vectors are ``(n,)``; matrices are ``(V, n)`` blocks of validator rows (absent
entries hold 0). Sums over rows/columns are exact in ExactOps (int64, values <= 2^34, at most
65536 terms).
"""
from __future__ import annotations

import numpy as np

from . import fixed as fx

__all__ = ["ExactOps", "FloatOps", "ops_for"]


class ExactOps:
    """I32F32 emulation on int64 bits."""

    name = "exact"
    dtype = np.int64
    one = fx.ONE
    zero = 0

    def u16_param(self, v: int, override=None) -> int:
        return fx.fx_ratio(int(v), 65535)

    def ema_alpha(self, bma_millionths: int, override=None) -> int:
        # I64F64(bma) / I64F64(1e6), truncated to I32F32, then 1 - x (compute_disabled_liquid_alpha).
        bma64 = (int(bma_millionths) << 64) // 1_000_000
        return fx.ONE - (bma64 >> 32)

    def steepness(self, steep: int, override=None) -> int:
        return fx.fx_ratio(int(steep), -100)

    def stake(self, raw: np.ndarray, zeroed: np.ndarray) -> np.ndarray:
        """Normalised stake weights from raw stake (ints or floats), taken exactly in I64F64."""
        bits = [0 if z else _i64f64_bits(s) for s, z in zip(raw.tolist(), zeroed.tolist())]
        return fx.stake_weights(bits)

    def normalize(self, x, eps: float = 0.0) -> np.ndarray:
        return fx.fx_normalize(x)

    def row_normalize(self, w: np.ndarray, eps: float = 0.0) -> np.ndarray:
        # Stored u16 as I32F32 is v << 32; the common 2^32 cancels: floor(v * 2^32 / sum v).
        return fx.fx_div(w, w.sum(axis=1, keepdims=True))

    def col_normalize(self, m: np.ndarray, eps: float = 0.0) -> np.ndarray:
        return fx.fx_div(m, m.sum(axis=0, keepdims=True))

    def col_max_upscale(self, m: np.ndarray) -> np.ndarray:
        return fx.fx_div(m, m.max(axis=0, keepdims=True) if m.size else m)

    def from_u16_int(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.int64) << fx.FRAC

    def from_u16_proportion(self, v: np.ndarray) -> np.ndarray:
        return fx.fx_from_u16_proportion(v)

    mul = staticmethod(fx.fx_mul)
    mul_signed = staticmethod(fx.fx_mul_signed)
    div = staticmethod(fx.fx_div)

    def sigmoid(self, x: np.ndarray) -> np.ndarray:
        """``1 / (1 + exp_safe(x))`` with the input clamped to [-20, 20]."""
        x = np.clip(x, -20 * fx.ONE, 20 * fx.ONE)
        uniq, inverse = np.unique(x, return_inverse=True)  # many pairs share x (e.g. d = 0)
        sig = fx.fx_recip(fx.ONE + fx.fx_exp(uniq))  # one.saturating_div(1 + e^x) = 2^64 // bits
        return sig[inverse].reshape(x.shape)

    def to_u16(self, x) -> np.ndarray:
        return fx.fx_to_u16(x)

    def amounts(self, x: np.ndarray, emission: int) -> list[int]:
        return fx.rao_amounts(x, emission)

    def to_float(self, x) -> np.ndarray:
        return fx.to_float(x)

    def is_zero(self, x) -> bool:
        return int(np.asarray(x).sum()) == 0


class FloatOps:
    """float64 transcription of the same formulas (research mode)."""

    name = "float"
    dtype = np.float64
    one = 1.0
    zero = 0.0

    def u16_param(self, v: int, override=None) -> float:
        return float(override) if override is not None else v / 65535.0

    def ema_alpha(self, bma_millionths: int, override=None) -> float:
        return 1.0 - (float(override) if override is not None else bma_millionths / 1e6)

    def steepness(self, steep: int, override=None) -> float:
        # The simulation's steepness k is the chain's k * 100 with the sign folded in.
        return -float(override) if override is not None else steep / -100.0

    def stake(self, raw: np.ndarray, zeroed: np.ndarray) -> np.ndarray:
        s = np.where(zeroed, 0.0, raw.astype(np.float64))
        return self.normalize(s)

    def normalize(self, x, eps: float = 0.0) -> np.ndarray:
        x = np.asarray(x, np.float64)
        total = x.sum()
        return x.copy() if total == 0 else x / (total + eps)

    def row_normalize(self, w: np.ndarray, eps: float = 0.0) -> np.ndarray:
        w = w.astype(np.float64)
        s = w.sum(axis=1, keepdims=True)
        return np.where(s > 0, w / np.where(s > 0, s + eps, 1.0), w)

    def col_normalize(self, m: np.ndarray, eps: float = 0.0) -> np.ndarray:
        s = m.sum(axis=0, keepdims=True)
        return np.where(s != 0, m / np.where(s != 0, s + eps, 1.0), m)

    def col_max_upscale(self, m: np.ndarray) -> np.ndarray:
        mx = m.max(axis=0, keepdims=True) if m.size else m
        return np.where(mx != 0, m / np.where(mx != 0, mx, 1.0), m)

    def from_u16_int(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.float64)

    def from_u16_proportion(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.float64) / 65535.0

    @staticmethod
    def mul(a, b):
        return np.multiply(a, b)

    mul_signed = mul

    @staticmethod
    def div(a, b):
        a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)

    def sigmoid(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(np.clip(x, -20.0, 20.0)))

    def to_u16(self, x) -> np.ndarray:
        return np.clip(np.floor(np.asarray(x, np.float64) * 65535.0), 0, 65535).astype(np.int64)

    def amounts(self, x: np.ndarray, emission: int) -> list[int]:
        amounts = np.floor(np.clip(np.asarray(x, np.float64), 0.0, None) * float(emission))
        return np.minimum(amounts, 2.0**64 - 1).astype(np.uint64).tolist()

    def to_float(self, x) -> np.ndarray:
        return np.asarray(x, np.float64)

    def is_zero(self, x) -> bool:
        return float(np.asarray(x).sum()) == 0.0


def _i64f64_bits(s) -> int:
    """I64F64 bits of a raw stake: exact for ints and for every finite float (floor)."""
    if isinstance(s, int):
        return s << 64
    num, den = float(s).as_integer_ratio()
    return (num << 64) // den


def ops_for(mode: str):
    if mode == "exact":
        return ExactOps()
    if mode == "float":
        return FloatOps()
    raise ValueError(mode)
