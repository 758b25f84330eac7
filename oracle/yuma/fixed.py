"""Integer emulation of subtensor's fixed-point types (``substrate_fixed`` v0.6.0).

Numbers are held as their *bits*: an I32F32 value ``x`` is the int64 ``round_down(x * 2^32)``.
Semantics reproduced (from the crate's ``arith.rs``/``transcendental.rs``):
- multiplication: widening product, arithmetic shift right by 32 (floor, also for negatives);
- division: ``(a << 32) / b`` with Rust integer division (truncation toward zero);
  ``safe_div`` returns 0 for a zero divisor;
- conversions to integers floor; I64F64 -> I32F32 drops 32 fraction bits (floor);
- ``exp``: the crate's Taylor series (terms 2..31) with I32F32 mul/div at every step, and
  ``1 / exp(|x|)`` for negative ``x``; ``exp(1)`` is the crate's 23-bit constant E.

No float is used anywhere in this module. Every function here is vectorised over int64 numpy
arrays; where a 128-bit intermediate would be needed the operands are split into 32-bit limbs
(see the overflow notes on each function). The engine keeps values in the ranges stated in the
notes (proportions in [0, 1], sums of at most 65536 of them, exponents in [-20, 20]), so the
saturation of the chain's ``saturating_*`` ops is never reached and is not emulated.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "FRAC", "ONE", "HALF", "fx_mul", "fx_mul_signed", "fx_div", "fx_recip", "fx_ratio",
    "fx_from_u16_proportion", "fx_to_u16", "fx_exp", "fx_normalize", "stake_weights",
    "rao_amounts", "to_float",
]

FRAC = 32
ONE = 1 << FRAC
HALF = 1 << (FRAC - 1)
_LO = np.int64(ONE - 1)
_U64_MAX = np.uint64(2**64 - 1)
# substrate_fixed consts::E is U2F126; transcendental::E keeps 23 fraction bits (I9F23).
_E_U2F126 = 0xADF8_5458_A2BB_4A9A_AFDC_5620_273D_3CF1
E_BITS = (_E_U2F126 >> 103) << (FRAC - 23)


def _i64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.int64)


def fx_mul(a, b) -> np.ndarray:
    """``floor(a * b / 2^32)`` for non-negative I32F32 bits whose true result is below 2^63.

    Overflow: with ``a = a1*2^32 + a0`` and ``b = b1*2^32 + b0`` (0 <= a0, b0 < 2^32) the result
    is ``(a1*b1 << 32) + a1*b0 + a0*b1 + floor(a0*b0 / 2^32)``. Each term is non-negative and at
    most the result (< 2^63), so it fits int64; ``a0*b0 < 2^64`` is formed in uint64.
    """
    a, b = _i64(a), _i64(b)
    a1, a0 = a >> FRAC, a & _LO
    b1, b0 = b >> FRAC, b & _LO
    low = ((a0.astype(np.uint64) * b0.astype(np.uint64)) >> np.uint64(FRAC)).astype(np.int64)
    return ((a1 * b1) << FRAC) + a1 * b0 + a0 * b1 + low


def fx_mul_signed(a, b) -> np.ndarray:
    """Signed I32F32 product with floor rounding (``(a*b) >> 32`` on the 128-bit product)."""
    a, b = _i64(a), _i64(b)
    neg = (a < 0) != (b < 0)
    ua, ub = np.abs(a), np.abs(b)
    mag = fx_mul(ua, ub)
    # a*b mod 2^32 == (a0*b0) mod 2^32: the other partial products are multiples of 2^32.
    rem = ((ua & _LO).astype(np.uint64) * (ub & _LO).astype(np.uint64)) & np.uint64(ONE - 1)
    return np.where(neg, -(mag + (rem != 0)), mag)


def fx_div(a, b) -> np.ndarray:
    """I32F32 ``safe_div``: ``(a << 32) // b`` for ``a >= 0``, ``b > 0``; 0 where ``b == 0``.

    Overflow: long division in chunks of ``s`` bits with ``s = 62 - bitlen(max b)`` so that the
    shifted remainder ``r << s < b << s < 2^62``. When both operands are whole numbers (multiples
    of 2^32) the common factor 2^32 is cancelled first, which leaves the quotient unchanged.
    Denominators of 2^62 or more fall back to Python integers.
    """
    a, b = np.broadcast_arrays(_i64(a), _i64(b))
    zero = b == 0
    b = np.where(zero, 1, b)
    if not (np.any(a & _LO) or np.any(b & _LO)):
        a, b = a >> FRAC, b >> FRAC
    bmax = int(b.max()) if b.size else 1
    step = 62 - bmax.bit_length()
    if step <= 0:
        out = np.array([(int(x) << FRAC) // int(y) for x, y in zip(a.ravel(), b.ravel())], dtype=np.int64)
        return np.where(zero, 0, out.reshape(a.shape))
    q, r = a // b, a % b
    left = FRAC
    while left > 0:
        s = min(step, left)
        r = r << s
        q = (q << s) + r // b
        r = r % b
        left -= s
    return np.where(zero, 0, q)


def fx_recip(x) -> np.ndarray:
    """``ONE / x`` = ``floor(2^64 / x)`` for ``x > 0`` (uint64 arithmetic, exact)."""
    x = _i64(x).astype(np.uint64)
    q = _U64_MAX // x
    exact = (_U64_MAX % x) == x - np.uint64(1)  # x divides 2^64
    return (q + exact.astype(np.uint64)).astype(np.int64)


def fx_ratio(num: int, den: int) -> int:
    """I32F32 bits of ``I32F32(num).safe_div(I32F32(den))`` for integers (truncation toward zero)."""
    if den == 0:
        return 0
    q = (abs(num) << FRAC) // abs(den)
    return q if (num < 0) == (den < 0) else -q


def fx_from_u16_proportion(v) -> np.ndarray:
    """``fixed_to_fixed_u16_proportion(u16_to_fixed(v))`` = ``floor(v * 2^32 / 65535)``."""
    return (_i64(v) << FRAC) // 65535


def fx_to_u16(x) -> np.ndarray:
    """``fixed_proportion_to_u16``: ``floor(x * 65535)`` saturated to ``[0, 65535]``.

    Overflow: x <= 2^33 (a proportion, at most 2) so ``x * 65535 < 2^49``.
    """
    x = _i64(x)
    return np.clip((x * 65535) >> FRAC, 0, 65535)


def fx_exp(x) -> np.ndarray:
    """``substrate_fixed::transcendental::exp`` on I32F32 bits, for ``|x| <= 20``.

    Overflow: for ``|x| <= 20`` every Taylor term times ``|x|`` is below ``20^21/20! < 2^31``,
    and the sum below ``e^20 < 2^29``, so no checked op fails and ``fx_mul`` stays in range.
    """
    x = _i64(x)
    neg = x < 0
    op = np.abs(x)
    op1, op0 = op >> FRAC, (op & _LO).astype(np.uint64)  # op1 <= 20
    result = op + ONE
    term = op.copy()
    for i in range(2, FRAC):
        # fx_mul(term, op) specialised to op < 21 * 2^32: term*op1 + floor(term*op0 / 2^32).
        t1, t0 = term >> FRAC, (term & _LO).astype(np.uint64)
        low = ((t0 * op0) >> np.uint64(FRAC)).astype(np.int64)
        term = term * op1 + t1 * op0.astype(np.int64) + low
        term = term // i  # (term << 32) / (i << 32), non-negative: floor == trunc
        result = result + term
        if not term.any():  # every later term is 0 as well
            break
    result = np.where(neg, fx_recip(np.maximum(result, 1)), result)
    result = np.where(x == ONE, E_BITS, result)  # only +1 hits the constant; -1 runs the series
    return np.where(x == 0, ONE, result)


def fx_normalize(x) -> np.ndarray:
    """``inplace_normalize``: ``x / sum(x)`` unless the sum is 0. Sums are exact in int64."""
    x = _i64(x)
    total = int(x.sum())
    return x.copy() if total == 0 else fx_div(x, total)


def stake_weights(raw_bits: list[int]) -> np.ndarray:
    """I64F64 normalisation of raw stake (given as I64F64 bits), then truncation to I32F32."""
    total = sum(raw_bits)
    if total == 0:
        return np.array([b >> 32 for b in raw_bits], dtype=np.int64)
    return np.array([((b << 64) // total) >> 32 for b in raw_bits], dtype=np.int64)


def rao_amounts(bits: np.ndarray, emission: int) -> list[int]:
    """``floor(I96F32(x) * I96F32(E))`` to u64 for I32F32 proportions ``x`` (Python ints)."""
    return [min(2**64 - 1, max(0, (int(b) * emission) >> FRAC)) for b in bits]


def to_float(bits) -> np.ndarray:
    """Fixed-point bits to float64 for display only (never fed back into exact mode)."""
    return _i64(bits).astype(np.float64) / ONE
