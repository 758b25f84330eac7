"""Known answers for the fixed-point helpers, worked out by hand or with ``fractions.Fraction``.

Each expected value below comes from substrate_fixed's semantics as subtensor uses them
(``pallets/subtensor/src/epoch/math.rs``), evaluated with exact rationals, never from our own
helpers: I32F32 holds ``floor(x * 2^32)``; ``a * b`` floors the exact product (towards -inf for
negatives); ``a.safe_div(b)`` truncates towards zero and is 0 for ``b == 0``; ``to_num::<u16>``
floors; ``round()`` rounds half away from zero; I64F64 -> I32F32 drops 32 fraction bits.
A helper rounded the other way (round-to-nearest, ceil, truncation of negatives) fails here.
"""
from __future__ import annotations

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from yuma_helpers import make_inputs

from oracle.yuma import YumaParams, max_upscale_u16, run_epoch
from oracle.yuma import fixed as fx
from oracle.yuma.arith import Arithmetic, ExactOps, FloatOps, backend_for
from oracle.yuma.inputs import YumaMode

ONE = 2**32


def floor_bits(q: Fraction) -> int:
    """I32F32 bits of the exact rational ``q``: ``floor(q * 2^32)``."""
    return math.floor(q * ONE)


def trunc_bits(q: Fraction) -> int:
    """``q * 2^32`` truncated towards zero (Rust integer division of signed operands)."""
    return int(q * ONE)


# ------------------------------------------------------------------ I32F32 multiply


@pytest.mark.parametrize(("a", "b", "expected"), [
    (ONE // 2, ONE // 2, ONE // 4),                      # 0.5 * 0.5 = 0.25, exact
    (ONE // 3, 3 * ONE, ONE - 1),                        # floor(2^32/3) * 3 = 2^32 - 1: the third stays short
    (1, 1, 0),                                           # 2^-32 * 2^-32 floors to 0
    (ONE - 1, ONE - 1, ONE - 2),                         # (1 - e)^2 = 1 - 2e + e^2 -> floor drops e^2
    (3 * ONE + 7, 5 * ONE, 15 * ONE + 35),               # integer part times integer, exact
    (floor_bits(Fraction(9, 10)), floor_bits(Fraction(9, 10)), 3478923509),  # hand: floor(3865470566^2 / 2^32)
])
def test_i32f32_multiply_floors_the_exact_product(a, b, expected):
    assert int(fx.fx_mul(a, b)) == expected
    assert expected == math.floor(Fraction(a * b, ONE))


@pytest.mark.parametrize(("a", "b", "expected"), [
    (-1, 1, -1),                    # -2^-64 floors to -2^-32, not to 0 (no truncation towards zero)
    (-(ONE // 2), ONE // 2, -(ONE // 4)),
    (-(ONE // 3), 3 * ONE, -(ONE - 1)),   # exact product, no rounding
    (-3, ONE // 2, -2),             # -1.5 bits floors to -2 bits
    (3, -(ONE // 2), -2),
    (-3, -(ONE // 2), 1),           # +1.5 bits floors to 1
])
def test_signed_multiply_floors_towards_minus_infinity(a, b, expected):
    assert int(fx.fx_mul_signed(a, b)) == expected
    assert expected == math.floor(Fraction(a * b, ONE))


# ------------------------------------------------------------------ I32F32 divide


@pytest.mark.parametrize(("a", "b", "expected"), [
    (ONE, 3 * ONE, 1431655765),          # 1/3: floor(2^32/3) = 1431655765.33 -> ...765
    (2 * ONE, 3 * ONE, 2863311530),      # 2/3 = 2863311530.67 -> ...530 (round-to-nearest would give ...531)
    (1, ONE, 1),                         # 2^-32 / 1
    (1, 2 * ONE, 0),                     # half a bit truncates to 0
    (7 * ONE, 2 * ONE, 3 * ONE + ONE // 2),
    (ONE, 0, 0),                         # safe_div: 0 for a zero divisor
    (0, 0, 0),
])
def test_i32f32_division_truncates_and_is_safe(a, b, expected):
    assert int(fx.fx_div(a, b)) == expected
    if b:
        assert expected == trunc_bits(Fraction(a, b))


@pytest.mark.parametrize(("num", "den", "expected"), [
    (32767, 65535, 2147450879),          # default kappa: floor(32767 * 2^32 / 65535)
    (1, 65535, 65537),                   # 2^32 / 65535 = 65537.0000153
    (-1, 3, -1431655765),                # truncation towards zero: floor would give ...766
    (1001, -100, -42992622632),          # steepness 1001 -> -10.01, truncated towards zero
    (1000, -100, -10 * ONE),
    (5, 0, 0),
])
def test_integer_ratio_is_a_truncated_i32f32_quotient(num, den, expected):
    assert fx.fx_ratio(num, den) == expected
    if den:
        assert expected == trunc_bits(Fraction(num, den))


# ------------------------------------------------------------------ u16 <-> I32F32


@pytest.mark.parametrize(("v", "expected"), [
    (0, 0), (1, 65537), (2, 131074), (32767, 2147450879), (32768, 2147516416), (65534, 4294901758),
    (65535, ONE),
])
def test_u16_proportion_to_fixed_floors(v, expected):
    assert int(fx.fx_from_u16_proportion(v)) == expected == floor_bits(Fraction(v, 65535))


@pytest.mark.parametrize(("bits", "expected"), [
    (ONE, 65535), (ONE - 1, 65534), (0, 0), (ONE // 2, 32767),   # 65535/2 = 32767.5 floors
    (65537, 0),                   # 65537 * 65535 = 2^32 - 1: just short of one step
    (65538, 1),                   # 65538 * 65535 = 2^32 + 65534
    (2 * ONE, 65535),             # saturates at u16::MAX
    (-5, 0),                      # saturates at 0
])
def test_fixed_proportion_to_u16_floors_and_saturates(bits, expected):
    assert int(fx.fx_to_u16(np.array([bits]))[0]) == expected
    assert expected == min(65535, max(0, math.floor(Fraction(bits * 65535, ONE))))


def test_u16_round_trip_loses_one_step_below_max():
    """floor(floor(v 2^32 / 65535) * 65535 / 2^32) = v - 1 for 0 < v < 65535: 65535 and 2^32
    are coprime, so the inner floor always drops something and the outer floor then falls
    below v. The chain therefore stores ``v - 1`` for a proportion read back from ``v``."""
    v = np.arange(65536, dtype=np.int64)
    back = fx.fx_to_u16(fx.fx_from_u16_proportion(v))
    expected = np.where((v == 0) | (v == 65535), v, v - 1)
    np.testing.assert_array_equal(back, expected)


# ------------------------------------------------------------------ I64F64


def test_stake_is_normalised_in_i64f64_then_truncated():
    # [1, 2] rao: 1/3 and 2/3 in I64F64 are floor(2^64/3), floor(2^65/3); dropping 32 bits
    # gives floor(2^32/3) and floor(2^33/3), which sum to 2^32 - 1, not 1.
    ops = ExactOps()
    got = ops.stake(np.array([1, 2], np.int64), np.zeros(2, bool)).tolist()
    assert got == [1431655765, 2863311530]
    assert got == [math.floor(Fraction(1, 3) * 2**64) >> 32, math.floor(Fraction(2, 3) * 2**64) >> 32]
    assert sum(got) == ONE - 1


def test_float_stake_is_taken_exactly():
    # 0.1 is not 1/10 in binary: its exact value, not the decimal, is normalised.
    ops = ExactOps()
    got = ops.stake(np.array([0.1, 0.3]), np.zeros(2, bool)).tolist()
    a, b = Fraction(0.1), Fraction(0.3)
    assert got == [math.floor(a / (a + b) * 2**64) >> 32, math.floor(b / (a + b) * 2**64) >> 32]
    assert ops.stake(np.array([0.5, 1.5]), np.zeros(2, bool)).tolist() == [ONE // 4, 3 * ONE // 4]


def test_ema_alpha_is_one_minus_the_truncated_i64f64_ratio():
    # alpha = 1 - I32F32(I64F64(900000) / I64F64(1e6)) = 2^32 - floor(0.9 * 2^32) = 429496730;
    # taking 0.1 directly (floor(0.1 * 2^32) = 429496729) would be one bit smaller.
    assert ExactOps().ema_alpha(900_000) == ONE - floor_bits(Fraction(9, 10)) == 429496730
    assert ExactOps().ema_alpha(0) == ONE
    assert ExactOps().ema_alpha(1_000_000) == 0


def test_emission_amounts_floor_to_rao():
    bits = np.array([ONE // 3, ONE - 1, ONE, 0], np.int64)
    got = fx.rao_amounts(bits, 10**9)
    assert got == [333333333, 999999999, 10**9, 0]
    assert got == [math.floor(Fraction(int(b) * 10**9, ONE)) for b in bits]


# ------------------------------------------------------------------ exp and sigmoid


def test_exp_known_answers():
    # e^0 = 1; e^1 is the crate's E constant kept to 23 fraction bits; e^(2^-32): the series
    # stops after 1 + x because x^2/2 floors to 0; e^(-2^-32) = 1 / (1 + 2^-32), whose bits
    # are floor(2^64 / (2^32 + 1)) = 2^32 - 1.
    getcontext().prec = 60
    e_23_bits = int((Decimal(1).exp() * 2**23).to_integral_value(rounding="ROUND_FLOOR"))
    assert e_23_bits == 22802600
    x = np.array([0, ONE, 1, -1], np.int64)
    assert fx.fx_exp(x).tolist() == [ONE, e_23_bits << 9, ONE + 1, ONE - 1]


def test_exp_of_two_in_the_series():
    # x = 2: terms 2^i / i! each floored to 32 bits in turn, the sum of the first 31 terms.
    term, total = 2 * ONE, ONE + 2 * ONE
    for i in range(2, 32):
        term = (term * 2 * ONE >> 32) // i
        total += term
    assert int(fx.fx_exp(np.array([2 * ONE]))[0]) == total
    assert abs(Fraction(total, ONE) - Fraction(Decimal(2).exp())) < Fraction(40, ONE)


def test_sigmoid_of_zero_is_exactly_one_half():
    # one.safe_div(1 + e^0) = 2^64 // 2^33 = 2^31.
    assert ExactOps().sigmoid(np.array([0], np.int64)).tolist() == [ONE // 2]
    # Inputs past +-20 are clamped: sigmoid(50) == sigmoid(20).
    big = ExactOps().sigmoid(np.array([50 * ONE, 20 * ONE], np.int64)).tolist()
    assert big[0] == big[1] == (2**64) // (ONE + int(fx.fx_exp(np.array([20 * ONE]))[0]))


# ------------------------------------------------------------------ set_weights max-upscale


@pytest.mark.parametrize(("row", "expected"), [
    ([1, 2], [32768, 65535]),           # 32767.5 rounds half away from zero
    ([1, 3], [21845, 65535]),           # 65535 / 3 exact
    ([0, 0], [0, 0]),
    ([5], [65535]),
    # Above 32768 the chain multiplies by floor(65535/top) in I32F32 first: 20000 * 65535/40000 is
    # 32767.5 exactly, but the floored ratio leaves 32767.49999..., which rounds down.
    ([20000, 40000], [32767, 65535]),
    ([65535, 1], [65535, 1]),
])
def test_max_upscale_rounds_like_set_weights(row, expected):
    assert max_upscale_u16(row) == expected


def test_max_upscale_large_top_uses_the_floored_ratio():
    ratio = math.floor(Fraction(65535 * ONE, 40000))
    assert math.floor(Fraction(20000 * ratio, ONE) + Fraction(1, 2)) == 32767


# ------------------------------------------------------------------ the back-end protocol


def test_each_mode_has_a_backend_implementing_the_protocol():
    for mode, cls in ((YumaMode.EXACT, ExactOps), (YumaMode.FLOAT, FloatOps)):
        ops = backend_for(mode)
        assert type(ops) is cls and ops.mode is mode
        assert isinstance(ops, Arithmetic)
    assert backend_for("float").mode is YumaMode.FLOAT
    assert ExactOps.half == ONE // 2 and FloatOps.half == 0.5


# ------------------------------------------------------------------ one whole epoch by hand


def test_a_first_epoch_worked_by_hand():
    """Validators 0 and 1 (raw stake 1 : 3) both put all weight on miner 2; Yuma 3, fixed alpha.

    By hand: stake shares 2^30 and 3 * 2^30 (a quarter, exact); consensus and incentive of 2 are
    1; each bond is alpha * 1 = alpha = 429496730 bits (no old bonds), stored as
    floor(429496730 * 65535 / 2^32) = 6553; both bonds are half their column, so dividends are
    a half times the stake share, normalised: 1/4 and 3/4. Incentive and dividends sum to 2, so
    the miner gets half the emission and the validators 1/8 and 3/8.
    """
    w = np.zeros((3, 3), np.int64)
    w[0, 2] = w[1, 2] = 65535
    res = run_epoch(make_inputs([1, 3, 0], w, permits=[True, True, False], params=YumaParams(), emission=10**9))
    alpha = ONE - math.floor(Fraction(9, 10) * ONE)
    assert res.detail["active_stake"].tolist() == [ONE // 4, 3 * ONE // 4, 0]
    assert res.consensus.tolist() == [0.0, 0.0, 1.0] and res.incentive.tolist() == [0.0, 0.0, 1.0]
    assert res.detail["bonds_new"][:, 2].tolist() == [alpha, alpha]
    stored = math.floor(Fraction(alpha * 65535, ONE))
    assert stored == 6553
    assert res.bonds_u16.to_dense().tolist() == [[0, 0, stored], [0, 0, stored], [0, 0, 0]]
    assert res.dividends.tolist() == [0.25, 0.75, 0.0]
    assert res.server_emission == (0, 0, 500_000_000)
    assert res.validator_emission == (125_000_000, 375_000_000, 0)
    assert res.u16["dividends"].tolist() == [16383, 49151, 0]  # floor(65535 / 4), floor(3 * 65535 / 4)
