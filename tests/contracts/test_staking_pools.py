"""StakingPools: stake, unstake, move, transfer, take, credits, dissolution (DTAO spec 3.4-3.8, 4.5, 6.1)."""

import pytest

from evmtensor.chain import amm
from evmtensor.errors import ContractRevert

try:
    from .pools_helpers import MAX_UINT, TAO, ZERO, PoolsKit, event_args
except ImportError:
    from pools_helpers import MAX_UINT, TAO, ZERO, PoolsKit, event_args


@pytest.fixture
def kit(w3, client, send, accounts):
    """One subnet, emission frozen: these tests are about the pool mechanics, so each call swaps
    on the reserves it reads (the accrual every call runs first is tested in test_accrual_timing)."""
    kit = PoolsKit(w3, client, send, accounts)
    kit.open_subnet()
    kit.freeze_accrual()
    return kit


def _stake(kit, amount, staker=None, hotkey=None, netuid=None, limit=MAX_UINT, deadline=None):
    staker = staker or kit.staker
    fn = kit.pools.functions.stake(
        kit.netuid if netuid is None else netuid, hotkey or kit.hotkey.address, amount, limit, deadline or kit.deadline()
    )
    return kit.send(fn, staker)


def _unstake(kit, amount, staker=None, hotkey=None, netuid=None, limit=0, deadline=None):
    staker = staker or kit.staker
    fn = kit.pools.functions.unstake(
        kit.netuid if netuid is None else netuid, hotkey or kit.hotkey.address, amount, limit, deadline or kit.deadline()
    )
    return kit.send(fn, staker)


def _reverts(name, fn, *args, **kwargs):
    with pytest.raises(ContractRevert) as exc:
        fn(*args, **kwargs)
    assert exc.value.name == name, exc.value
    return exc.value.args_decoded


# ------------------------------------------------------------------ pool creation


def test_create_pool_seeds_reserves_at_price_one(kit):
    pool = kit.reserves()
    assert pool.tao == pool.alpha > 0
    assert kit.pools.functions.spotPrice(kit.netuid).call() == 10**18
    staked, generation, exists = kit.pools.functions.poolInfo(kit.netuid).call()
    assert (staked, generation, exists) == (0, 0, True)
    assert kit.balance(kit.pools.address) == pool.tao
    assert tuple(kit.emission.functions.subnetEmission(kit.netuid).call()) == (0, pool.alpha, True)


def test_RevertWhen_create_pool_not_from_registry(kit):
    fn = kit.pools.functions.createPool(9, kit.owner.address, kit.owner.address, TAO)
    _reverts("ProtocolUnauthorizedCaller", kit.call, fn, kit.owner)


# ------------------------------------------------------------------ stake / unstake


def test_stake_swaps_at_reference_and_credits_shares(kit):
    before = kit.reserves()
    balance = kit.balance(kit.staker.address)
    quote = amm.quote_stake(before, 3 * TAO)
    receipt = _stake(kit, 3 * TAO)
    (ev,) = event_args(kit.pools.events.Staked, receipt)
    assert (ev.netuid, ev.coldkey, ev.hotkey) == (kit.netuid, kit.staker.address, kit.hotkey.address)
    assert (ev.taoIn, ev.alphaOut, ev.fee) == (3 * TAO, quote.amount_out, quote.fee)
    assert kit.reserves() == quote.pool_after
    assert kit.balance(kit.staker.address) == balance - 3 * TAO
    assert kit.stake_of(kit.staker.address, kit.hotkey.address) == quote.amount_out
    assert kit.pools.functions.hotkeyAlpha(kit.netuid, kit.hotkey.address).call() == quote.amount_out
    assert kit.pools.functions.poolInfo(kit.netuid).call()[0] == quote.amount_out
    assert quote.pool_after.k >= before.k


def test_unstake_swaps_at_reference_and_pays_tao(kit):
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    before = kit.reserves()
    balance = kit.balance(kit.staker.address)
    quote = amm.quote_unstake(before, held // 2)
    receipt = _unstake(kit, held // 2)
    (ev,) = event_args(kit.pools.events.Unstaked, receipt)
    assert (ev.alphaIn, ev.taoOut, ev.fee) == (held // 2, quote.amount_out, quote.fee)
    assert kit.balance(kit.staker.address) == balance + quote.amount_out
    assert kit.reserves() == quote.pool_after
    assert kit.stake_of(kit.staker.address, kit.hotkey.address) == held - held // 2


def test_unstake_everything_clears_shares(kit):
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    _unstake(kit, held)
    assert kit.pools.functions.sharesOf(kit.staker.address, kit.hotkey.address, kit.netuid).call() == 0
    assert kit.pools.functions.totalShares(kit.netuid, kit.hotkey.address).call() == 0
    assert kit.pools.functions.hotkeyAlpha(kit.netuid, kit.hotkey.address).call() == 0


def test_round_trip_loses_the_fees(kit):
    balance = kit.balance(kit.staker.address)
    _stake(kit, 5 * TAO)
    _unstake(kit, kit.stake_of(kit.staker.address, kit.hotkey.address))
    assert kit.balance(kit.staker.address) < balance


def test_RevertWhen_stake_insufficient_balance(kit, accounts):
    poor = accounts[4]
    kit.send(kit.tao.functions.transfer(kit.owner.address, kit.balance(poor.address) - TAO), poor)
    _reverts("TaoInsufficientBalance", _stake, kit, 2 * TAO, staker=poor)


def test_RevertWhen_stake_limit_price_exceeded(kit):
    limit = amm.quote_stake(kit.reserves(), TAO).price_after_up
    args = _reverts("PoolLimitPriceExceeded", _stake, kit, TAO, limit=limit - 1)
    assert args == (limit, limit - 1)
    _stake(kit, TAO, limit=limit)


def test_RevertWhen_unstake_limit_price_exceeded(kit):
    _stake(kit, 3 * TAO)
    limit = amm.quote_unstake(kit.reserves(), TAO).price_after_down
    _reverts("PoolLimitPriceExceeded", _unstake, kit, TAO, limit=limit + 1)
    _unstake(kit, TAO, limit=limit)


def test_RevertWhen_deadline_passed(kit, w3):
    past = w3.eth.get_block("latest")["timestamp"] - 1
    _reverts("PoolDeadlineExpired", _stake, kit, TAO, deadline=past)
    _stake(kit, TAO)
    _reverts("PoolDeadlineExpired", _unstake, kit, 10**6, deadline=past)


def test_RevertWhen_stake_below_minimum(kit):
    args = _reverts("PoolStakeBelowMinimum", _stake, kit, kit.min_stake)
    assert args[1] == kit.min_stake
    _stake(kit, kit.min_stake + amm.fee_up(kit.min_stake) + 1)


def test_RevertWhen_partial_unstake_below_minimum(kit):
    _stake(kit, TAO)
    _reverts("PoolStakeBelowMinimum", _unstake, kit, 1_000_000)


def _small_position(kit, keep=1_000_000):
    """Stakes 1 TAO then unstakes all but `keep` alpha: a position worth less than the minimum."""
    _stake(kit, TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    _unstake(kit, held - keep)
    return keep


def test_unstake_all_of_a_small_stake_is_allowed(kit):
    held = _small_position(kit)
    assert amm.quote_unstake(kit.reserves(), held).amount_out < kit.min_stake
    _unstake(kit, held)


def test_RevertWhen_stake_to_unknown_hotkey(kit):
    stranger = "0x000000000000000000000000000000000000dEaD"
    (got,) = _reverts("PoolUnknownHotkey", _stake, kit, TAO, hotkey=stranger)
    assert got.lower() == stranger.lower()


def test_RevertWhen_pool_not_found(kit):
    assert _reverts("PoolNotFound", _stake, kit, TAO, netuid=77) == (77,)


def test_RevertWhen_unstake_more_than_stake(kit):
    _stake(kit, TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    args = _reverts("PoolInsufficientStake", _unstake, kit, held + 1)
    assert args[3:] == (held, held + 1)


def test_nominators_share_pro_rata(kit, accounts):
    _stake(kit, 4 * TAO)
    _stake(kit, 2 * TAO, staker=accounts[3])
    a = kit.stake_of(kit.staker.address, kit.hotkey.address)
    b = kit.stake_of(accounts[3].address, kit.hotkey.address)
    total = kit.pools.functions.hotkeyAlpha(kit.netuid, kit.hotkey.address).call()
    assert a + b <= total <= a + b + 2


# ------------------------------------------------------------------ move / transfer


def _second_subnet(kit, accounts):
    netuid, hotkey = kit.open_subnet(owner=accounts[5])
    return netuid, hotkey


def test_move_within_subnet_is_a_share_transfer(kit, accounts):
    _, other_hotkey = kit.open_subnet(owner=accounts[5])  # a second known hotkey
    # Make it known on this subnet too: any registered hotkey may receive stake anywhere.
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    before = kit.reserves()
    fn = kit.pools.functions.moveStake(
        kit.hotkey.address, other_hotkey.address, kit.netuid, kit.netuid, held // 2, 0, kit.deadline()
    )
    receipt = kit.send(fn, kit.staker)
    assert kit.reserves() == before  # no swap, no fee
    assert kit.stake_of(kit.staker.address, other_hotkey.address) == held // 2
    assert kit.stake_of(kit.staker.address, kit.hotkey.address) == held - held // 2
    (ev,) = event_args(kit.pools.events.StakeMoved, receipt)
    assert (ev.alphaOut, ev.taoMoved, ev.alphaIn) == (held // 2, 0, held // 2)


def test_move_across_subnets_charges_one_fee(kit, accounts):
    dest, dest_hotkey = _second_subnet(kit, accounts)
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    sell, buy, ratio = amm.quote_move(kit.reserves(), kit.reserves(dest), held, kit.min_stake)
    fn = kit.pools.functions.moveStake(kit.hotkey.address, dest_hotkey.address, kit.netuid, dest, held, ratio, kit.deadline())
    kit.send(fn, kit.staker)
    assert kit.stake_of(kit.staker.address, dest_hotkey.address, dest) == buy.amount_out
    assert kit.reserves() == sell.pool_after
    assert kit.reserves(dest) == buy.pool_after
    assert buy.fee == 0


def test_RevertWhen_move_ratio_below_limit(kit, accounts):
    dest, dest_hotkey = _second_subnet(kit, accounts)
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    _, _, ratio = amm.quote_move(kit.reserves(), kit.reserves(dest), held, kit.min_stake)
    fn = kit.pools.functions.moveStake(kit.hotkey.address, dest_hotkey.address, kit.netuid, dest, held, ratio + 1, kit.deadline())
    assert _reverts("PoolLimitPriceExceeded", kit.send, fn, kit.staker) == (ratio, ratio + 1)


def test_move_below_minimum_pays_tao_liquid(kit, accounts):
    dest, dest_hotkey = _second_subnet(kit, accounts)
    held = _small_position(kit)
    sell, buy, _ = amm.quote_move(kit.reserves(), kit.reserves(dest), held, kit.min_stake)
    assert buy is None
    balance = kit.balance(kit.staker.address)
    fn = kit.pools.functions.moveStake(kit.hotkey.address, dest_hotkey.address, kit.netuid, dest, held, 0, kit.deadline())
    kit.send(fn, kit.staker)
    assert kit.balance(kit.staker.address) == balance + sell.amount_out
    assert kit.stake_of(kit.staker.address, dest_hotkey.address, dest) == 0


def test_RevertWhen_move_within_subnet_below_minimum(kit, accounts):
    _stake(kit, TAO)
    fn = kit.pools.functions.moveStake(kit.hotkey.address, kit.hotkey.address, kit.netuid, kit.netuid, 1000, 0, kit.deadline())
    _reverts("PoolStakeBelowMinimum", kit.send, fn, kit.staker)


def test_RevertWhen_move_to_unknown_hotkey(kit):
    _stake(kit, TAO)
    stranger = "0x000000000000000000000000000000000000dEaD"
    fn = kit.pools.functions.moveStake(kit.hotkey.address, stranger, kit.netuid, kit.netuid, 10**8, 0, kit.deadline())
    _reverts("PoolUnknownHotkey", kit.send, fn, kit.staker)


def test_transfer_stake_within_subnet_changes_coldkey(kit, accounts):
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    fn = kit.pools.functions.transferStake(accounts[6].address, kit.hotkey.address, kit.netuid, kit.netuid, held, 0, kit.deadline())
    kit.send(fn, kit.staker)
    assert kit.stake_of(accounts[6].address, kit.hotkey.address) == held
    assert kit.stake_of(kit.staker.address, kit.hotkey.address) == 0


def test_transfer_stake_across_subnets(kit, accounts):
    dest, _ = _second_subnet(kit, accounts)
    _stake(kit, 3 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    sell, buy, _ = amm.quote_move(kit.reserves(), kit.reserves(dest), held, kit.min_stake)
    fn = kit.pools.functions.transferStake(accounts[6].address, kit.hotkey.address, kit.netuid, dest, held, 0, kit.deadline())
    kit.send(fn, kit.staker)
    assert kit.stake_of(accounts[6].address, kit.hotkey.address, dest) == buy.amount_out


def test_RevertWhen_transfer_more_than_stake(kit, accounts):
    fn = kit.pools.functions.transferStake(accounts[6].address, kit.hotkey.address, kit.netuid, kit.netuid, 10**8, 0, kit.deadline())
    _reverts("PoolInsufficientStake", kit.send, fn, kit.staker)


# ------------------------------------------------------------------ take


def test_take_defaults_to_max(kit):
    assert kit.pools.functions.takeOf(kit.hotkey.address).call() == 11796


def test_RevertWhen_take_set_by_non_owner(kit):
    fn = kit.pools.functions.setTake(kit.hotkey.address, 100)
    _reverts("PoolNotHotkeyOwner", kit.send, fn, kit.staker)


def test_RevertWhen_take_out_of_bounds(kit):
    fn = kit.pools.functions.setTake(kit.hotkey.address, 11797)
    assert _reverts("PoolTakeOutOfBounds", kit.send, fn, kit.owner) == (11797, 0, 11796)


def test_take_decrease_anytime_increase_rate_limited(kit, mine):
    receipt = kit.send(kit.pools.functions.setTake(kit.hotkey.address, 1000), kit.owner)
    (ev,) = event_args(kit.pools.events.TakeSet, receipt)
    assert (ev.hotkey, ev.coldkey, ev.take) == (kit.hotkey.address, kit.owner.address, 1000)
    kit.send(kit.pools.functions.setTake(kit.hotkey.address, 500), kit.owner)
    args = _reverts("PoolTakeRateLimited", kit.send, kit.pools.functions.setTake(kit.hotkey.address, 2000), kit.owner)
    assert args[0].lower() == kit.hotkey.address.lower()
    mine(kit.take_rate_limit)
    kit.send(kit.pools.functions.setTake(kit.hotkey.address, 2000), kit.owner)
    assert kit.pools.functions.takeOf(kit.hotkey.address).call() == 2000
    _reverts("PoolTakeUnchanged", kit.send, kit.pools.functions.setTake(kit.hotkey.address, 2000), kit.owner)


# ------------------------------------------------------------------ emission credits


def test_credit_emission_take_then_pro_rata(kit, accounts):
    nominator = accounts[3]
    _stake(kit, 4 * TAO)
    _stake(kit, 2 * TAO, staker=nominator)
    a0 = kit.stake_of(kit.staker.address, kit.hotkey.address)
    b0 = kit.stake_of(nominator.address, kit.hotkey.address)
    total0 = kit.pools.functions.hotkeyAlpha(kit.netuid, kit.hotkey.address).call()
    credit = 10**9
    take = credit * 11796 // 65535
    kit.credit_emission(kit.netuid, kit.hotkey.address, credit)
    rest = credit - take
    a1 = kit.stake_of(kit.staker.address, kit.hotkey.address)
    b1 = kit.stake_of(nominator.address, kit.hotkey.address)
    owner = kit.stake_of(kit.owner.address, kit.hotkey.address)
    assert kit.pools.functions.hotkeyAlpha(kit.netuid, kit.hotkey.address).call() == total0 + credit
    # The take is staked first at the pre-dividend price (spec 7.1), then the rest is shared by
    # every holder, the owner's new stake included (to rounding).
    assert abs((a1 - a0) - rest * a0 // (total0 + take)) <= 2
    assert abs((b1 - b0) - rest * b0 // (total0 + take)) <= 2
    assert abs(owner - take * (total0 + credit) // (total0 + take)) <= 2
    assert owner > take
    assert kit.pools.functions.poolInfo(kit.netuid).call()[0] == total0 + credit


def test_credit_emission_without_nominators_goes_to_owner(kit):
    kit.credit_emission(kit.netuid, kit.hotkey.address, 10**9)
    assert kit.stake_of(kit.owner.address, kit.hotkey.address) == 10**9


def test_RevertWhen_credit_emission_not_from_settlement(kit):
    fn = kit.pools.functions.creditEmission(kit.netuid, kit.hotkey.address, 10**9)
    _reverts("ProtocolUnauthorizedCaller", kit.call, fn, kit.staker)


def test_credit_stake_has_no_take(kit):
    kit.credit_stake(kit.netuid, kit.hotkey.address, kit.staker.address, 5 * 10**8)
    assert kit.stake_of(kit.staker.address, kit.hotkey.address) == 5 * 10**8


# ------------------------------------------------------------------ dissolution


def test_dissolve_pays_stakers_pro_rata_and_recycles_the_rest(kit, accounts):
    _stake(kit, 5 * TAO)
    held = kit.stake_of(kit.staker.address, kit.hotkey.address)
    pool = kit.reserves()
    supply = kit.tao.functions.totalSupply().call()
    subnets = kit.client.contract("SubnetRegistry").address
    kit.send_as(subnets, kit.pools.functions.dissolvePool(kit.netuid))
    pot = pool.tao * held // (held + pool.alpha)
    assert tuple(kit.pools.functions.dissolution(kit.netuid, 0).call()) == (pot, held)
    assert kit.tao.functions.totalSupply().call() == supply - (pool.tao - pot)
    assert tuple(kit.pools.functions.poolInfo(kit.netuid).call()) == (0, 1, False)
    balance = kit.balance(kit.staker.address)
    kit.send(kit.pools.functions.claimDissolved(kit.netuid, 0, kit.hotkey.address), kit.staker)
    assert kit.balance(kit.staker.address) == balance + held * pot // held
    assert kit.balance(kit.pools.address) == kit.pools.functions.dissolvedTaoHeld().call()
    fn = kit.pools.functions.claimDissolved(kit.netuid, 0, kit.hotkey.address)
    _reverts("PoolNothingToClaim", kit.send, fn, kit.staker)


def test_RevertWhen_dissolve_not_from_registry(kit):
    _reverts("ProtocolUnauthorizedCaller", kit.call, kit.pools.functions.dissolvePool(kit.netuid), kit.owner)
    assert ZERO  # the settlement of this client is the zero address (impersonated in tests)


# ------------------------------------------------------------------ the owner's shares (in the pool word)


def test_owner_and_nominator_shares_are_kept_apart_through_every_path(kit, accounts):
    """The hotkey owner's shares live in the pool's packed word, a nominator's in a mapping: stake,
    transfer both ways, unstake and dissolution claims each touch the right one."""
    owner, nominator, hk, n = kit.owner, kit.staker, kit.hotkey.address, kit.netuid
    shares = lambda who: kit.pools.functions.sharesOf(who.address, hk, n).call()  # noqa: E731
    _stake(kit, 4 * TAO, staker=owner)
    a_owner = kit.stake_of(owner.address, hk)
    assert shares(owner) == a_owner * 10**9 and shares(nominator) == 0  # the first deposit's rate
    _stake(kit, 2 * TAO, staker=nominator)
    a_nom = kit.stake_of(nominator.address, hk)
    assert shares(nominator) == a_nom * 10**9  # no emission in between: the same rate
    assert kit.pools.functions.totalShares(n, hk).call() == shares(owner) + shares(nominator)
    # owner -> nominator and back: the word and the mapping trade shares, the total stays
    fn = kit.pools.functions.transferStake
    kit.send(fn(nominator.address, hk, n, n, a_owner // 2, 0, kit.deadline()), owner)
    assert (shares(owner), shares(nominator)) == ((a_owner - a_owner // 2) * 10**9, (a_nom + a_owner // 2) * 10**9)
    kit.send(fn(owner.address, hk, n, n, a_owner // 2, 0, kit.deadline()), nominator)
    assert (shares(owner), shares(nominator)) == (a_owner * 10**9, a_nom * 10**9)
    # the owner leaves entirely; the nominator's position is untouched
    _unstake(kit, a_owner, staker=owner)
    assert shares(owner) == 0 and kit.stake_of(nominator.address, hk) == a_nom
    assert kit.pools.functions.hotkeyAlpha(n, hk).call() == a_nom
    # back in, then the pool dissolves: each claims its own part of the pot
    _stake(kit, 3 * TAO, staker=owner)
    a_owner = kit.stake_of(owner.address, hk)
    pool = kit.reserves()
    kit.send_as(kit.client.contract("SubnetRegistry").address, kit.pools.functions.dissolvePool(n))
    staked = a_owner + a_nom
    pot = pool.tao * staked // (staked + pool.alpha)
    for who, held in ((owner, a_owner), (nominator, a_nom)):
        before = kit.balance(who.address)
        kit.send(kit.pools.functions.claimDissolved(n, 0, hk), who)
        assert kit.balance(who.address) == before + held * pot // staked
        _reverts("PoolNothingToClaim", kit.send, kit.pools.functions.claimDissolved(n, 0, hk), who)


def test_RevertWhen_a_pool_word_field_would_overflow(kit):
    """The packed word holds V in 72 bits (4.7e21 rao, far above a subnet's 2.1e16 alpha supply):
    beyond that a credit reverts instead of truncating."""
    kit.credit_stake(kit.netuid, kit.hotkey.address, kit.staker.address, 2**62)  # D = 2^62 * 1e9 < 2^92
    with pytest.raises(ContractRevert) as exc:
        kit.credit_stake(kit.netuid, kit.hotkey.address, kit.staker.address, 2**72)
    assert exc.value.name == "PoolOverflow"
