"""The fixed-point emulation against Python big-integer references of substrate_fixed."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from fuzz import examples
from hypothesis import strategies as st

from oracle.yuma import fixed as fx

ONE = 1 << 32


def ref_exp(x: int) -> int:
    """substrate_fixed::transcendental::exp for I32F32, written with Python ints."""
    if x == 0:
        return ONE
    if x == ONE:
        return fx.E_BITS
    neg, op = x < 0, abs(x)
    result, term = op + ONE, op
    for i in range(2, 32):
        term = (term * op) >> 32
        term = (term << 32) // (i << 32)
        result += term
    return (ONE << 32) // result if neg else result


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 2**40), st.integers(0, 2**34))
def test_mul_is_floor_of_exact_product(a, b):
    assert int(fx.fx_mul(a, b)) == (a * b) >> 32


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(-(2**36), 2**36), st.integers(-(2**36), 2**36))
def test_signed_mul_floors_toward_minus_infinity(a, b):
    assert int(fx.fx_mul_signed(a, b)) == (a * b) >> 32


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 2**40), st.integers(0, 2**61))
def test_div_is_truncated_quotient_and_safe(a, b):
    expected = 0 if b == 0 else (a << 32) // b
    if expected < 2**63:
        assert int(fx.fx_div(a, b)) == expected


def test_div_of_whole_numbers_cancels_common_factor():
    a = np.array([16383, 32767, 65535], np.int64) << 32
    s = int(a.sum())
    assert fx.fx_div(a, s).tolist() == [(int(x) << 32) // s for x in a]


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(-20 * ONE, 20 * ONE))
def test_exp_matches_crate_algorithm(x):
    assert int(fx.fx_exp(np.array([x]))[0]) == ref_exp(x)


def test_exp_is_close_to_real_exp_on_the_sigmoid_range():
    xs = np.arange(-5 * ONE, 5 * ONE, ONE // 7, dtype=np.int64)
    got = fx.to_float(fx.fx_exp(xs))
    np.testing.assert_allclose(got, np.exp(xs / ONE), rtol=1e-6)
    assert math.isclose(float(fx.to_float(fx.fx_exp(np.array([ONE])))[0]), math.e, rel_tol=1e-6)


def test_u16_conversions_floor():
    assert fx.fx_to_u16(np.array([ONE, ONE - 1, 0, ONE // 2])).tolist() == [65535, 65534, 0, 32767]
    assert int(fx.fx_from_u16_proportion(65535)) == ONE
    assert fx.fx_ratio(32767, 65535) == (32767 << 32) // 65535
    assert fx.fx_ratio(1000, -100) == -10 * ONE


def test_stake_weights_are_i64f64_normalised_then_truncated():
    raw = [1 << 64, 2 << 64, 3 << 64, 4 << 64]
    got = fx.stake_weights(raw).tolist()
    assert got == [(((r << 64) // (10 << 64)) >> 32) for r in raw]
