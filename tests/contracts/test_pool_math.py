"""Pool swap math: known-answer vectors at the exact boundary, differential fuzz vs evmtensor.chain.amm.

The contract is exercised with eth_call (stake/unstake return their output) on pools whose packed
reserve word is set directly with anvil_setStorageAt, so any reserve pair can be tested.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from fuzz import examples
from hypothesis import strategies as st

from evmtensor.chain import amm
from evmtensor.errors import ContractRevert

try:
    from .pools_helpers import MAX_UINT, TAO, PoolsKit
except ImportError:
    from pools_helpers import MAX_UINT, TAO, PoolsKit

FUZZ = settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def kit(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    kit.open_subnet()
    # A big alpha position for the unstake calls (1e9 alpha: 50x a subnet's whole 21M supply, and
    # within the share pool word's widths), credited without a swap; the pool holds plenty of TAO
    # so that any reserve set below can actually be paid out.
    kit.credit_stake(kit.netuid, kit.hotkey.address, kit.staker.address, 10**18)
    kit.fund_pools(200_000 * TAO)
    kit.freeze_accrual()
    return kit


def _stake_call(kit, tao_in, limit=MAX_UINT):
    return kit.call(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, tao_in, limit, kit.deadline()), kit.staker)


def _unstake_call(kit, alpha_in, limit=0):
    return kit.call(kit.pools.functions.unstake(kit.netuid, kit.hotkey.address, alpha_in, limit, kit.deadline()), kit.staker)


# ------------------------------------------------------------------ known answers

VECTORS = [
    # (tao reserve, alpha reserve, amount in)
    (10 * TAO, 10 * TAO, 1 * TAO),
    (10 * TAO, 10 * TAO, 2_002_000),
    (1_000 * TAO, 50 * TAO, 7 * TAO),
    (3 * TAO, 900 * TAO, 123_456_789),
    (10**15, 10**13, 10**12),
]

UNSTAKE_VECTORS = [
    (10 * TAO, 10 * TAO, 1 * TAO),
    (10 * TAO, 10 * TAO, 2_002_100),
    (1_000 * TAO, 50 * TAO, 7 * TAO),
    (3 * TAO, 900 * TAO, 123_456_789_000),
    (10**15, 10**13, 10**12),
]


@pytest.mark.parametrize("tao,alpha,amount", VECTORS)
def test_stake_output_matches_reference(kit, tao, alpha, amount):
    kit.set_pool(tao, alpha)
    quote = amm.quote_stake(amm.Pool(tao, alpha), amount)
    assert _stake_call(kit, amount) == quote.amount_out
    assert quote.fee == -(-amount * 33 // 65535)


@pytest.mark.parametrize("tao,alpha,amount", UNSTAKE_VECTORS)
def test_unstake_output_matches_reference(kit, tao, alpha, amount):
    kit.set_pool(tao, alpha)
    quote = amm.quote_unstake(amm.Pool(tao, alpha), amount)
    assert _unstake_call(kit, amount) == quote.amount_out


@pytest.mark.parametrize("tao,alpha,amount", VECTORS)
def test_stake_limit_boundary(kit, tao, alpha, amount):
    """The exact post-swap price (rounded up) passes; one wei below it reverts."""
    kit.set_pool(tao, alpha)
    limit = amm.quote_stake(amm.Pool(tao, alpha), amount).price_after_up
    assert _stake_call(kit, amount, limit) > 0
    with pytest.raises(ContractRevert) as exc:
        _stake_call(kit, amount, limit - 1)
    assert exc.value.name == "PoolLimitPriceExceeded"
    assert exc.value.args_decoded == (limit, limit - 1)


@pytest.mark.parametrize("tao,alpha,amount", UNSTAKE_VECTORS)
def test_unstake_limit_boundary(kit, tao, alpha, amount):
    """The exact post-swap price (rounded down) passes; one wei above it reverts."""
    kit.set_pool(tao, alpha)
    limit = amm.quote_unstake(amm.Pool(tao, alpha), amount).price_after_down
    assert _unstake_call(kit, amount, limit) > 0
    with pytest.raises(ContractRevert) as exc:
        _unstake_call(kit, amount, limit + 1)
    assert exc.value.name == "PoolLimitPriceExceeded"
    assert exc.value.args_decoded == (limit, limit + 1)


def test_stake_zero_output_reverts(kit):
    kit.set_pool(10**6 * TAO, 2 * 10**6)  # alpha almost worthless to buy: tiny output
    with pytest.raises(ContractRevert) as exc:
        _stake_call(kit, 3_000_000)
    assert exc.value.name == "PoolZeroOutput"


def test_swap_input_above_1000_times_the_reserve_reverts(kit):
    kit.set_pool(10 * TAO, 10 * TAO)
    amount = 10**9 * TAO
    with pytest.raises(ContractRevert) as exc:
        _stake_call(kit, amount)
    assert exc.value.name == "PoolInputTooLarge"
    assert exc.value.args_decoded == (amount - amm.fee_up(amount), 1000 * 10 * TAO)


def test_max_stake_for_limit_is_tight(kit):
    pool = amm.Pool(50 * TAO, 40 * TAO)
    kit.set_pool(pool.tao, pool.alpha)
    limit = pool.price * 11 // 10
    best = amm.max_stake_for_limit(pool, limit)
    assert _stake_call(kit, best, limit) == amm.quote_stake(pool, best).amount_out
    with pytest.raises(ContractRevert):
        _stake_call(kit, best + 1, limit)


# ------------------------------------------------------------------ differential fuzz

reserves = st.integers(min_value=10**7, max_value=10**17)
tao_reserves = st.integers(min_value=10**7, max_value=2 * 10**14)  # what the funded pools contract can pay


@FUZZ
@given(tao=reserves, alpha=reserves, amount=st.integers(min_value=2_002_000, max_value=5 * 10**13))
def test_fuzz_stake_matches_reference(kit, tao, alpha, amount):
    kit.set_pool(tao, alpha)
    quote = amm.quote_stake(amm.Pool(tao, alpha), amount)
    try:
        got = _stake_call(kit, amount)
    except ContractRevert as exc:
        net = amount - quote.fee
        after = quote.pool_after
        expected = (
            "PoolReservesTooLow" if alpha < kit.min_reserve
            else "PoolInputTooLarge" if net > 1000 * tao
            else "PoolZeroOutput" if quote.amount_out == 0
            else "PoolPriceOutOfBand"
        )
        assert exc.name == expected, (exc, quote)
        if expected == "PoolPriceOutOfBand":
            assert not amm.MIN_PRICE <= amm.price_down(after.tao, after.alpha) <= amm.MAX_PRICE
        return
    assert got == quote.amount_out
    assert quote.pool_after.k >= tao * alpha


@FUZZ
@given(tao=tao_reserves, alpha=reserves, amount=st.integers(min_value=1, max_value=10**16))
def test_fuzz_unstake_matches_reference(kit, tao, alpha, amount):
    kit.set_pool(tao, alpha)
    quote = amm.quote_unstake(amm.Pool(tao, alpha), amount)
    try:
        got = _unstake_call(kit, amount)
    except ContractRevert as exc:
        after = quote.pool_after
        expected = (
            "PoolReservesTooLow" if tao < kit.min_reserve
            else "PoolInputTooLarge" if amount - amm.fee_up(amount) > 1000 * alpha
            else "PoolZeroOutput" if quote.amount_out == 0
            else "PoolPriceOutOfBand" if not amm.MIN_PRICE <= amm.price_down(after.tao, after.alpha) <= amm.MAX_PRICE
            else "PoolStakeBelowMinimum"
        )
        assert exc.name == expected, (exc, quote)
        if exc.name == "PoolStakeBelowMinimum":
            assert quote.amount_out < kit.min_stake
        return
    assert got == quote.amount_out
    assert quote.pool_after.k >= tao * alpha


@FUZZ
@given(tao=reserves, alpha=reserves, amount=st.integers(min_value=10**7, max_value=10**15))
def test_fuzz_round_trip_never_profits(tao, alpha, amount):
    """Buying then selling what was bought returns at most the TAO put in (pure reference)."""
    pool = amm.Pool(tao, alpha)
    buy = amm.quote_stake(pool, amount)
    if buy.amount_out == 0:
        return
    sell = amm.quote_unstake(buy.pool_after, buy.amount_out)
    assert sell.amount_out <= amount
    assert sell.pool_after.k >= pool.k
