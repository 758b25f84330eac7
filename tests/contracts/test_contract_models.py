"""The test-side reference models (contract_models.py) against independently computed answers.

The contract tests lean on these models for multi-step predictions; a rounding bug copied into a
model and its contract would pass every differential test, so each model is pinned here by exact
rationals (fractions) and by hand-worked values, never by itself.
"""

from fractions import Fraction
from math import ceil, floor

from hypothesis import given, settings
from hypothesis import strategies as st

from fuzz import examples

try:
    from .contract_models import (
        TOTAL_SUPPLY, WAD, SharePoolModel, burn_after, emission_for_issuance, mul_wad_up, pow_wad_up,
        split_alpha_out,
    )
except ImportError:
    from contract_models import (
        TOTAL_SUPPLY, WAD, SharePoolModel, burn_after, emission_for_issuance, mul_wad_up, pow_wad_up,
        split_alpha_out,
    )


@settings(max_examples=examples(200))
@given(st.integers(0, TOTAL_SUPPLY + 10))
def test_emission_model_is_the_halving_in_rationals(issuance):
    # Spec 1.1: 1e9 / 2^k with k = floor(log2(1 / (1 - I / 21e15))).
    if issuance >= TOTAL_SUPPLY:
        assert emission_for_issuance(issuance) == 0
        return
    ratio = 1 / (1 - Fraction(issuance, TOTAL_SUPPLY))
    k = 0
    while 2 ** (k + 1) <= ratio:
        k += 1
    assert emission_for_issuance(issuance) == 10**9 // 2**k


def test_emission_model_known_answers():
    assert emission_for_issuance(0) == 10**9
    assert emission_for_issuance(TOTAL_SUPPLY // 2 - 1) == 10**9
    assert emission_for_issuance(TOTAL_SUPPLY // 2) == 10**9 // 2  # the first halving, exactly
    assert emission_for_issuance(TOTAL_SUPPLY * 3 // 4) == 10**9 // 4


@settings(max_examples=examples(200))
@given(st.integers(0, 10**12), st.integers(0, 65535))
def test_split_model_is_subtensors_fixed_point_split(alpha_out, owner_cut):
    # U96F32: the cut truncated to 32 fractional bits, the rest halved with truncation, each floored.
    one = 2**32
    cut = Fraction(owner_cut * one // 65535, one)
    owner = alpha_out * cut
    rest = alpha_out - owner
    server = Fraction(floor(rest * one / 2), one)
    assert split_alpha_out(alpha_out, owner_cut) == (floor(owner), floor(server), floor(rest - server))


def test_split_model_known_answer():
    # 18% (11796 / 65535) of 1e9. 2^32 = 65535 * 65537 + 1, so the cut's 32-bit numerator is
    # floor(11796 * 2^32 / 65535) = 11796 * 65537 = 773074452; the owner gets
    # floor(1e9 * 773074452 / 2^32) = 179995422; the rest, 1e9 * 3521892844 / 2^32, halves
    # exactly in 2^-32 units (1760946422e9 each), floor(1760946422e9 / 2^32) = 410002288 per side.
    assert split_alpha_out(10**9, 11796) == (179_995_422, 410_002_288, 410_002_288)


@settings(max_examples=examples(200))
@given(st.integers(0, 10**30), st.integers(0, 10**30))
def test_mul_wad_up_rounds_up(a, b):
    assert mul_wad_up(a, b) == ceil(Fraction(a * b, WAD))


@settings(max_examples=examples(100))
@given(st.integers(WAD // 2, WAD), st.integers(0, 600))
def test_pow_wad_up_is_above_the_exact_power_by_little(x, n):
    exact = Fraction(x) ** n / Fraction(WAD) ** (n - 1) if n else Fraction(WAD)
    got = pow_wad_up(x, n)
    # Every product rounds up; a squaring at most doubles the error before it (x <= 1).
    assert exact <= got <= exact + 2 * n + n.bit_length() + 1


def test_burn_model_known_answers():
    half = WAD // 2
    assert pow_wad_up(half, 3) == WAD // 8
    # (333333333333333333)^2 = 111111111111111110_888888888888888889, over 1e18 rounded up:
    assert pow_wad_up(WAD // 3, 2) == 111_111_111_111_111_111
    assert burn_after(1000, 3, half, 0, 10**9) == 125
    assert burn_after(1001, 1, half, 0, 10**9) == 501  # 500.5 rounds up
    assert burn_after(1000, 3, half, 200, 10**9) == 200  # clamped to the minimum
    assert burn_after(1000, 0, half, 0, 900) == 900  # and to the maximum


def test_share_pool_model_credit_by_hand():
    pool = SharePoolModel(0, 0)
    pool.deposit("nominator", 10)
    assert (pool.alpha, pool.shares) == (10, 10 * 10**9)
    # 10% take (6553 / 65535) of 1000: floor(99.99) = 99 staked for the owner at the old price
    # (1e9 shares per alpha), then 901 raises the value of all 109e9 shares.
    pool.credit("owner", 1000, 6553)
    assert (pool.alpha, pool.shares) == (1010, 109 * 10**9)
    assert pool.value("nominator") == 92  # floor(1010 * 10 / 109) = floor(92.66)
    assert pool.value("owner") == 917  # floor(1010 * 99 / 109) = floor(917.34)


def test_share_pool_model_empty_pool_credit_is_the_owners():
    pool = SharePoolModel(0, 0)
    pool.credit("owner", 500, 0)
    assert pool.value("owner") == 500 and pool.shares == 500 * 10**9
