"""Parity with subtensor where we claim it (DTAO spec 7.1) and the settlement-facing guards (issue 9).

Known answers are computed here by hand or with fractions.Fraction from subtensor's formulas, not
with the team's Python reference (evmtensor.chain.amm).
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import pytest
from chain_asserts import expect_revert

try:
    from .core_helpers import deploy_with, events, register_subnet
    from .pools_helpers import MAX_UINT, TAO, PoolsKit, credits_in
except ImportError:
    from core_helpers import deploy_with, events, register_subnet
    from pools_helpers import MAX_UINT, TAO, PoolsKit, credits_in

FEE_RATE = 33
U16 = 65535
WAD = 10**18


@pytest.fixture
def kit(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    kit.open_subnet()
    return kit


def _fee(amount: int) -> int:
    return ceil(Fraction(amount * FEE_RATE, U16))


def _stake(kit, tao, staker=None, netuid=None, hotkey=None, limit=MAX_UINT, deadline=None):
    fn = kit.pools.functions.stake(
        kit.netuid if netuid is None else netuid, hotkey or kit.hotkey.address, tao, limit, deadline or kit.deadline()
    )
    return kit.send(fn, staker or kit.staker)


def _unstake(kit, alpha, staker=None, limit=0, deadline=None):
    fn = kit.pools.functions.unstake(kit.netuid, kit.hotkey.address, alpha, limit, deadline or kit.deadline())
    return kit.send(fn, staker or kit.staker)


# ------------------------------------------------------------------ validator take (spec 7.1, 2.8.6)


def test_take_is_staked_first_at_the_pre_dividend_share_price(kit, accounts):
    """Spec 7.1's example: 100 alpha of dividends on 100 alpha of stake, take 18%: the owner ends
    with about 30.5 alpha (18.0 if the rest were credited first)."""
    nominator = accounts[3]
    stake, dividends = 100 * TAO, 100 * TAO
    kit.credit_stake(kit.netuid, kit.hotkey.address, nominator.address, stake)
    receipt = kit.credit_emission(kit.netuid, kit.hotkey.address, dividends)
    take_rate = kit.pools.functions.takeOf(kit.hotkey.address).call()
    take = dividends * take_rate // U16
    shares = stake * 10**9  # first deposit: 1e9 shares per alpha
    owner_shares = take * shares // stake  # minted at the pre-dividend price V / D
    value = owner_shares * (stake + dividends) // (shares + owner_shares)
    assert kit.stake_of(kit.owner.address, kit.hotkey.address) == value
    assert 30_4 * TAO // 10 < value < 30_6 * TAO // 10  # the spec's 30.5
    (credit,) = credits_in(kit.pools, receipt)
    owner = kit.client.contract("NeuronRegistry").functions.hotkeyOwner(kit.hotkey.address).call()
    assert credit == {"netuid": kit.netuid, "hotkey": kit.hotkey.address, "coldkey": owner,
                      "alpha": dividends, "take": take, "dividend": True}


def test_take_increase_refused_while_within_the_rate_limit(kit, send, mine):
    """Subtensor refuses an increase while now - last <= limit: first allowed at last + limit + 1."""
    hotkey, limit = kit.hotkey.address, kit.take_rate_limit
    low = kit.pools.functions.takeOf(hotkey).call() - 1000
    last = send(kit.pools.functions.setTake(hotkey, low), kit.owner).blockNumber
    mine(limit - 1)  # the next transaction lands at last + limit
    with expect_revert("PoolTakeRateLimited", hotkey, last + limit + 1):
        send(kit.pools.functions.setTake(hotkey, low + 1), kit.owner)
    mine(1)  # the refused transaction was never mined
    assert send(kit.pools.functions.setTake(hotkey, low + 1), kit.owner).blockNumber == last + limit + 1


def test_setting_the_default_take_on_a_fresh_hotkey_succeeds(kit, send):
    hotkey = kit.hotkey.address
    default = kit.pools.functions.params().call()[4]
    receipt = send(kit.pools.functions.setTake(hotkey, default), kit.owner)
    (ev,) = events(kit.pools.events.TakeSet, receipt)
    assert (ev.args.hotkey, ev.args.take) == (hotkey, default)
    with expect_revert("PoolTakeUnchanged", default):
        send(kit.pools.functions.setTake(hotkey, default), kit.owner)


# ------------------------------------------------------------------ swap fee (spec 3.4, 7.1)


def test_stake_fee_comes_off_the_input_and_goes_to_the_recipient(kit):
    before = kit.next_block_reserves()
    recipient_before = kit.balance(kit.fee_recipient)
    amount = 7 * TAO + 21845  # a multiple of 21845 plus change: the fee rounds up
    receipt = _stake(kit, amount)
    fee = _fee(amount)
    net = amount - fee
    alpha_out = before.alpha * net // (before.tao + net)
    (ev,) = events(kit.pools.events.Staked, receipt)
    assert (ev.args.alphaOut, ev.args.fee) == (alpha_out, fee)
    assert kit.reserves() == type(before)(before.tao + net, before.alpha - alpha_out)
    assert kit.balance(kit.fee_recipient) - recipient_before == fee
    assert kit.balance(kit.pools.address) == kit.reserves().tao + kit.pools.functions.dissolvedTaoHeld().call() + _other_reserves(kit)


def _other_reserves(kit) -> int:
    netuids = kit.client.contract("SubnetRegistry").functions.activeNetuids().call()
    return sum(kit.pools.functions.reserves(n).call()[0] for n in netuids if n != kit.netuid)


def test_unstake_alpha_fee_is_sold_fee_free_for_the_recipient(kit):
    _stake(kit, 20 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    before = kit.next_block_reserves()
    recipient_before = kit.balance(kit.fee_recipient)
    alpha_in = held // 2
    receipt = _unstake(kit, alpha_in)
    fee = _fee(alpha_in)
    net = alpha_in - fee
    tao_out = before.tao * net // (before.alpha + net)
    y, x = before.tao - tao_out, before.alpha + net
    fee_tao = y * fee // (x + fee)
    (ev,) = events(kit.pools.events.Unstaked, receipt)
    assert (ev.args.taoOut, ev.args.fee) == (tao_out, fee_tao)
    assert kit.reserves() == type(before)(y - fee_tao, x + fee)
    assert kit.balance(kit.fee_recipient) - recipient_before == fee_tao


# ------------------------------------------------------------------ swap limits (spec 7.1)


def _fresh_pool(kit, accounts, tao, alpha):
    """A new subnet whose pool holds (tao, alpha): its moving price is still 0, so the accrual the
    next block's stake runs first injects nothing into it (the reserves stay as set)."""
    netuid, hotkey = kit.open_subnet(accounts[5])
    kit.set_pool(tao, alpha, netuid)
    return netuid, hotkey.address


def test_output_reserve_floor_is_checked_before_the_swap(kit, accounts):
    floor_ = kit.min_reserve
    netuid, hotkey = _fresh_pool(kit, accounts, 10**10, floor_ - 1)
    with expect_revert("PoolReservesTooLow", floor_ - 1, floor_):
        _stake(kit, kit.min_stake * 2, netuid=netuid, hotkey=hotkey)
    kit.set_pool(10**10, floor_, netuid)  # exactly at the floor: a buy may start (and go below it)
    receipt = _stake(kit, 10**10, netuid=netuid, hotkey=hotkey)
    (ev,) = events(kit.pools.events.Staked, receipt)
    assert kit.reserves(netuid).alpha == floor_ - ev.args.alphaOut < floor_  # no floor after the swap


def test_input_cap_is_1000_times_the_input_reserve(kit, accounts):
    y, x = 5 * 10**6, 5 * 10**9  # price 1e-3 TAO per alpha; a 1000x buy ends near 1e3
    netuid, hotkey = _fresh_pool(kit, accounts, y, x)
    cap = 1000 * y
    # The largest amount whose net input (amount - ceil fee) is at most the cap.
    amount = next(a for a in range(cap * U16 // (U16 - FEE_RATE) + 2, cap, -1) if a - _fee(a) <= cap)
    assert amount - _fee(amount) <= cap < amount + 1 - _fee(amount + 1)
    with expect_revert("PoolInputTooLarge", amount + 1 - _fee(amount + 1), cap):
        _stake(kit, amount + 1, netuid=netuid, hotkey=hotkey)
    _stake(kit, amount, netuid=netuid, hotkey=hotkey)


def test_price_band_caps_a_buy_at_1e6_tao_per_alpha(kit, accounts):
    y, x = 10**12, 10**7  # price 1e5 TAO per alpha
    netuid, hotkey = _fresh_pool(kit, accounts, y, x)

    def price_after(amount):
        net = amount - _fee(amount)
        out = x * net // (y + net)
        return (y + net) * WAD // (x - out)

    lo, hi = 1, 10**13
    while hi - lo > 1:  # the largest stake whose price after is within the band
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if price_after(mid) <= 10**24 else (lo, mid)
    with expect_revert("PoolPriceOutOfBand", price_after(hi), 10**12, 10**24):
        _stake(kit, hi, netuid=netuid, hotkey=hotkey)
    _stake(kit, lo, netuid=netuid, hotkey=hotkey)


# ------------------------------------------------------------------ new pools start at the median price


def test_new_pool_starts_at_the_median_spot_price(kit, accounts, client, send):
    second, second_hotkey = kit.open_subnet(accounts[5])
    _stake(kit, 30 * TAO)
    _stake(kit, 5 * TAO, netuid=second, hotkey=second_hotkey.address)
    third, _, receipt = register_subnet(client, accounts[6])
    # The prices the registration saw: after its own accrual, which ran before the pool opened.
    at = receipt.blockNumber
    prices = sorted(kit.pools.functions.spotPrice(n).call(block_identifier=at) for n in (kit.netuid, second))
    lock = client.contract("SubnetRegistry").functions.subnetInfo(third).call()[3]
    median = (prices[0] + prices[1]) // 2  # even count: the mean of the middle two, rounded down
    assert kit.pools.functions.reserves(third).call() == [lock, lock * WAD // median]
    # Three pools: the middle price.
    fourth, _, receipt = register_subnet(client, accounts[7])
    at = receipt.blockNumber
    prices = sorted(kit.pools.functions.spotPrice(n).call(block_identifier=at) for n in (kit.netuid, second, third))
    lock4 = client.contract("SubnetRegistry").functions.subnetInfo(fourth).call()[3]
    assert kit.pools.functions.reserves(fourth).call() == [lock4, lock4 * WAD // prices[1]]


# ------------------------------------------------------------------ alpha_out split (spec 2.5, 7.1)


def _subtensor_split(alpha_out: int, owner_cut: int) -> tuple[int, int, int]:
    """Subtensor's U96F32 split: cut = 11796/65535 truncated to 32 fractional bits, each bucket floored."""
    one = 2**32
    cut = Fraction(owner_cut * one // U16, one)
    owner_q = alpha_out * cut
    rest = alpha_out - owner_q
    server = Fraction(floor(rest / 2 * one), one)  # U96F32 multiply by 0.5 truncates to 2^-32
    return floor(owner_q), floor(server), floor(rest - server)


def test_alpha_out_split_matches_subtensor_and_leaves_its_dust(kit, mine, accounts):
    start = kit.emission.functions.pending(kit.netuid).call()
    mine(9)
    kit.send(kit.emission.functions.accrue(), accounts[6], gas=5_000_000)
    owner, server, validator, blocks = kit.emission.functions.pending(kit.netuid).call()
    n = blocks - start[3]
    per_block = 10**9  # 1 alpha per block before the first alpha halving
    o, s, v = _subtensor_split(per_block, 11796)
    assert (owner - start[0], server - start[1], validator - start[2]) == (n * o, n * s, n * v)
    assert o + s + v <= per_block
