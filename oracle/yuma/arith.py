"""The two arithmetic back-ends the epoch is written against: exact (I32F32 bits) and float64.

Both implement the ``Arithmetic`` protocol, so the epoch driver is written once and never
asks which back-end it holds:

- ``ExactOps``: values are int64 I32F32 bits; every operation rounds exactly as subtensor
  does (see ``fixed``). No float is touched. This is what validators sign.
- ``FloatOps``: values are float64; the same formulas without rounding, for research. It can
  add the simulation's 1e-6 epsilon in the normalisations it names. Stored u16 cells are read
  the chain's way (floored to I32F32), so that on chain inputs, fed the chain's u16 bonds each
  epoch, Yuma 3 agrees with exact mode to ~1e-8 over many epochs. The original path (Yuma 1/2)
  does not: the chain's chained floors (column normalise, EMA, max-upscale) shave about one u16
  step per epoch off untouched bonds, which float mode does not reproduce (~3e-4 in dividends
  after 40 epochs).

``backend_for(YumaMode.EXACT)`` returns the back-end of a mode.

Shapes: vectors are ``(n,)``; matrices are ``(V, n)`` blocks of validator rows (absent
entries hold 0). Sums over rows/columns are exact in ExactOps (int64, values <= 2^34, at most
65536 terms).
"""
from __future__ import annotations

from typing import Any, Optional, Protocol, runtime_checkable

import numpy as np

from . import fixed as fx
from .inputs import YumaMode

__all__ = ["Arithmetic", "ExactOps", "FloatOps", "backend_for"]


@runtime_checkable
class Arithmetic(Protocol):
    """What the epoch needs from a number system. ``Num`` is an I32F32 int or a float.

    ``override`` arguments are the simulation's exact float hyper-parameters (float mode only).
    """

    mode: YumaMode
    dtype: type
    one: Any  # the number 1
    zero: Any
    half: Any  # the number 1/2

    def u16_param(self, v: int, override: Optional[float] = None) -> Any: ...
    def ema_alpha(self, bma_millionths: int, override: Optional[float] = None) -> Any: ...
    def steepness(self, steep: int, override: Optional[float] = None) -> Any: ...
    def stake(self, raw: np.ndarray, zeroed: np.ndarray) -> np.ndarray: ...
    def normalize(self, x, eps: float = 0.0) -> np.ndarray: ...
    def row_normalize(self, w: np.ndarray, eps: float = 0.0) -> np.ndarray: ...
    def col_normalize(self, m: np.ndarray, eps: float = 0.0) -> np.ndarray: ...
    def col_normalize_u16(self, b: np.ndarray) -> np.ndarray: ...
    def col_max_upscale(self, m: np.ndarray) -> np.ndarray: ...
    def from_u16_int(self, v: np.ndarray) -> np.ndarray: ...
    def from_u16_proportion(self, v: np.ndarray) -> np.ndarray: ...
    def bonds_proportion(self, b: np.ndarray) -> np.ndarray: ...
    def stored_proportion(self, vals: np.ndarray, u16: np.ndarray) -> np.ndarray: ...
    def next_state(self, bonds_u16, proportions): ...
    def mul(self, a, b) -> np.ndarray: ...
    def mul_signed(self, a, b) -> np.ndarray: ...
    def div(self, a, b) -> np.ndarray: ...
    def sigmoid(self, x: np.ndarray) -> np.ndarray: ...
    def to_u16(self, x) -> np.ndarray: ...
    def amounts(self, x: np.ndarray, emission: int) -> list[int]: ...
    def to_float(self, x) -> np.ndarray: ...
    def is_zero(self, x) -> bool: ...


class ExactOps:
    """I32F32 emulation on int64 bits."""

    mode = YumaMode.EXACT
    dtype = np.int64
    one = fx.ONE
    zero = 0
    half = fx.HALF

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

    def col_normalize_u16(self, b: np.ndarray) -> np.ndarray:
        # Stored u16 bonds as I32F32 are v << 32; dividing the integers keeps the column sums
        # in range and gives the same quotient (the common 2^32 cancels).
        return fx.fx_div(b, b.sum(axis=0, keepdims=True))

    def col_max_upscale(self, m: np.ndarray) -> np.ndarray:
        return fx.fx_div(m, m.max(axis=0, keepdims=True) if m.size else m)

    def from_u16_int(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.int64) << fx.FRAC

    def from_u16_proportion(self, v: np.ndarray) -> np.ndarray:
        return fx.fx_from_u16_proportion(v)

    def bonds_proportion(self, b: np.ndarray) -> np.ndarray:
        return fx.fx_from_u16_proportion(b)  # exact mode only ever holds u16 bonds

    def stored_proportion(self, vals: np.ndarray, u16: np.ndarray) -> np.ndarray:
        return np.asarray(u16, np.float64) / 65535.0  # what the chain's cells say

    def next_state(self, bonds_u16, proportions):
        return bonds_u16

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

    mode = YumaMode.FLOAT
    dtype = np.float64
    one = 1.0
    zero = 0.0
    half = 0.5

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

    def col_normalize_u16(self, b: np.ndarray) -> np.ndarray:
        return self.col_normalize(np.asarray(b, np.float64))

    def col_max_upscale(self, m: np.ndarray) -> np.ndarray:
        mx = m.max(axis=0, keepdims=True) if m.size else m
        return np.where(mx != 0, m / np.where(mx != 0, mx, 1.0), m)

    def from_u16_int(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.float64)

    def from_u16_proportion(self, v: np.ndarray) -> np.ndarray:
        # Read a stored cell as the chain does (u16_proportion_to_fixed): floor(v 2^32 / 65535)
        # / 2^32, just below v / 65535 for 0 < v < 65535. That gap decides on which side of a
        # u16 step the next stored bond falls (a decaying 0.9 v lands exactly on one), so
        # reading v / 65535 instead drifts from exact mode by 1e-4 within 40 epochs. The
        # value has at most 33 significant bits: exact in float64.
        return fx.to_float(fx.fx_from_u16_proportion(v))

    def bonds_proportion(self, b: np.ndarray) -> np.ndarray:
        """Stored u16 cells as proportions; a float bond state is one already."""
        return b if b.dtype.kind == "f" else self.from_u16_proportion(b)

    def stored_proportion(self, vals: np.ndarray, u16: np.ndarray) -> np.ndarray:
        return np.asarray(vals, np.float64)  # the unrounded state

    def next_state(self, bonds_u16, proportions):
        return proportions

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


_BACKENDS = {YumaMode.EXACT: ExactOps, YumaMode.FLOAT: FloatOps}


def backend_for(mode: YumaMode) -> Arithmetic:
    """A fresh back-end for ``mode``."""
    return _BACKENDS[YumaMode(mode)]()
