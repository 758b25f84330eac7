"""Known-answer vectors for the issuance-driven halving (DTAO spec 1.1) at the exact thresholds."""

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from fuzz import examples
from hypothesis import strategies as st

CAP = 21 * 10**15
BASE = 10**9


def reference_emission(issuance: int) -> int:
    """floor(1e9 / 2^k), k = floor(log2(1 / (1 - I/21e15))), in exact rationals."""
    if issuance >= CAP:
        return 0
    ratio = 1 / (1 - Fraction(issuance, CAP))
    k = 0
    while 2 ** (k + 1) <= ratio:
        k += 1
    return BASE // 2**k


def threshold(k: int) -> int:
    """The smallest integer issuance in halving epoch k: ceil(21e15 * (1 - 2^-k))."""
    exact = CAP * (1 - Fraction(1, 2**k))
    return -(-exact.numerator // exact.denominator)


VECTORS = [
    (0, 1_000_000_000),
    (1, 1_000_000_000),
    (10_500_000 * BASE - 1, 1_000_000_000),
    (10_500_000 * BASE, 500_000_000),
    (15_750_000 * BASE - 1, 500_000_000),
    (15_750_000 * BASE, 250_000_000),
    (18_375_000 * BASE - 1, 250_000_000),
    (18_375_000 * BASE, 125_000_000),
    (19_687_500 * BASE, 62_500_000),
    (CAP - 2, 0),
    (CAP - 1, 0),
    (CAP, 0),
    (CAP + 1, 0),
    (2**256 - 1, 0),
]


@pytest.fixture
def token(client):
    return client.contract("TaoToken")


@pytest.mark.parametrize(("issuance", "expected"), VECTORS)
def test_emission_for_issuance_known_answers(token, issuance, expected):
    assert token.functions.emissionForIssuance(issuance).call() == expected
    assert reference_emission(issuance) == expected


@pytest.mark.parametrize("k", list(range(1, 40)))
def test_emission_for_issuance_steps_exactly_at_threshold(token, k):
    t = threshold(k)
    below = token.functions.emissionForIssuance(t - 1).call()
    at = token.functions.emissionForIssuance(t).call()
    assert below == BASE >> (k - 1)
    assert at == BASE >> k


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=CAP + 10))
def test_emission_for_issuance_matches_reference(token, issuance):
    assert token.functions.emissionForIssuance(issuance).call() == reference_emission(issuance)


def test_block_emission_uses_total_supply(token):
    supply = token.functions.totalSupply().call()
    assert token.functions.blockEmission().call() == reference_emission(supply)
