"""Access control, boundaries and rounding directions of the pools and emission (issues 7 and 9).

Every protocol-only entry point refuses an outsider (with the outsider in the error); every
deadline and limit check on stake, unstake, moveStake and transferStake passes at its boundary and
reverts one past it; settlement cannot credit more than Emission released; rounding directions are
checked where they bite, against answers computed here (by hand or with fractions.Fraction).
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil

import pytest
from chain_asserts import ANY, expect_revert

try:
    from .core_helpers import deploy_with, events, register_subnet, send_as
    from .pools_helpers import MAX_UINT, TAO, PoolsKit
    from .timing_helpers import one_block
except ImportError:
    from core_helpers import deploy_with, events, register_subnet, send_as
    from pools_helpers import MAX_UINT, TAO, PoolsKit
    from timing_helpers import one_block

WAD = 10**18
U16 = 65535


@pytest.fixture
def kit(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    kit.open_subnet()
    return kit


def _fee(amount: int) -> int:
    return ceil(Fraction(amount * 33, U16))


# ------------------------------------------------------------------ outsiders


def _protocol_calls(kit):
    pools, emission, tao = kit.pools.functions, kit.emission.functions, kit.tao.functions
    neurons = kit.client.contract("NeuronRegistry").functions
    n, hk, who = kit.netuid, kit.hotkey.address, kit.staker.address
    return {
        "createPool": pools.createPool(9, who, hk, TAO),
        "dissolvePool": pools.dissolvePool(n),
        "inject": pools.inject(n, TAO, TAO),
        "injectBatch": pools.injectBatch([n], [TAO], [TAO]),
        "creditEmission": pools.creditEmission(n, hk, TAO),
        "creditStake": pools.creditStake(n, hk, who, TAO),
        "creditBatch": pools.creditBatch(n, [(hk, who, TAO, False), (hk, who, TAO, True)]),
        "releaseEmission": pools.releaseEmission(n, TAO),
        "reservePosition": pools.reservePosition(n, who),
        "drainPending": emission.drainPending(n),
        "poolCreated": emission.poolCreated(9, TAO),
        "poolDissolved": emission.poolDissolved(n),
        "mint": tao.mint(who, TAO),
        "protocolTransferFrom": tao.protocolTransferFrom(who, kit.pools.address, TAO),
        "recycle": tao.recycle(who, TAO),
        "clearSubnet": neurons.clearSubnet(n),
        "recordLastUpdate": neurons.recordLastUpdate(n, [0], 1),
    }


PROTOCOL_ONLY = [
    "createPool", "dissolvePool", "inject", "injectBatch", "creditEmission", "creditStake", "creditBatch",
    "releaseEmission", "reservePosition",
    "drainPending", "poolCreated", "poolDissolved", "mint", "protocolTransferFrom", "recycle", "clearSubnet",
    "recordLastUpdate",
]


@pytest.mark.parametrize("entry", PROTOCOL_ONLY)
def test_RevertWhen_protocol_entry_point_called_by_an_outsider(kit, accounts, entry):
    outsider = accounts[7]
    with expect_revert("ProtocolUnauthorizedCaller", outsider.address):
        kit.call(_protocol_calls(kit)[entry], outsider)


def test_RevertWhen_pool_credit_comes_from_emission_not_settlement(kit):
    """The right caller for one entry point is an outsider for the next."""
    fn = kit.pools.functions.creditStake(kit.netuid, kit.hotkey.address, kit.staker.address, 1)
    with expect_revert("ProtocolUnauthorizedCaller", kit.emission.address):
        kit.call(fn, kit.emission.address)


# ------------------------------------------------------------------ settlement credits <= released


def test_credit_cannot_exceed_what_drain_pending_released(kit, mine, accounts):
    settle = kit.settlement
    fn = kit.pools.functions
    with expect_revert("PoolCreditExceedsReleased", kit.netuid, 1, 0):
        kit.call(fn.creditStake(kit.netuid, kit.hotkey.address, kit.staker.address, 1), settle)
    mine(5)
    kit.send(kit.emission.functions.accrue(), accounts[6], gas=5_000_000)
    owner, server, validator, _ = kit.emission.functions.pending(kit.netuid).call()
    receipt = kit.send_as(settle, kit.emission.functions.drainPending(kit.netuid))
    released = owner + server + validator
    (ev,) = events(kit.pools.events.EmissionReleased, receipt)
    assert (ev.args.netuid, ev.args.alpha) == (kit.netuid, released)
    assert kit.pools.functions.releasedEmission(kit.netuid).call() == released
    kit.send_as(settle, fn.creditStake(kit.netuid, kit.hotkey.address, kit.staker.address, released - 10))
    with expect_revert("PoolCreditExceedsReleased", kit.netuid, 11, 10):
        kit.call(fn.creditEmission(kit.netuid, kit.hotkey.address, 11), settle)
    kit.send_as(settle, fn.creditEmission(kit.netuid, kit.hotkey.address, 10))
    assert kit.pools.functions.releasedEmission(kit.netuid).call() == 0


# ------------------------------------------------------------------ checked token transfers


def test_RevertWhen_the_token_returns_false_on_transfer(kit, w3, accounts):
    """A token whose transfer returns false (a test double at TAO's address that forwards every
    other call to the real token's code) makes unstake revert instead of paying nothing."""
    from pathlib import Path

    from evmtensor.devtools.compiler import _artifacts, _run_solc, _sources

    # Compiled apart from the protocol (compile_contracts would replace the protocol's cache).
    art = _artifacts(_run_solc(_sources(Path(__file__).parent / "solidity")))["FalseTransferToken"]
    kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, 5 * TAO, MAX_UINT, kit.deadline()), kit.staker)
    alpha = kit.stake_of(kit.staker.address, kit.hotkey.address)
    real = "0x" + "ab" * 20
    code = w3.eth.get_code(kit.tao.address)
    w3.provider.make_request("anvil_setCode", [real, "0x" + code.hex().removeprefix("0x")])
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    double = kit.send(factory.constructor(w3.to_checksum_address(real)), accounts[0]).contractAddress
    w3.provider.make_request("anvil_setCode", [kit.tao.address, "0x" + w3.eth.get_code(double).hex().removeprefix("0x")])
    assert kit.balance(kit.staker.address) > 0  # every other call still reaches the real token
    with expect_revert("PoolTransferFailed", kit.staker.address, ANY):
        kit.send(kit.pools.functions.unstake(kit.netuid, kit.hotkey.address, alpha, 0, kit.deadline()), kit.staker)


# ------------------------------------------------------------------ constructor errors


@pytest.mark.parametrize(
    ("contract", "field", "value", "error", "args"),
    [
        ("Emission", "emaAlpha", 1, "EmissionInvalidParam", ("emaAlpha", 1)),
        ("Emission", "maxBlocksPerAccrue", 0, "EmissionInvalidParam", ("maxBlocksPerAccrue", 0)),
        ("Emission", "maxChunksPerAccrue", 0, "EmissionInvalidParam", ("maxChunksPerAccrue", 0)),
        ("StakingPools", "feeRate", 65535, "PoolInvalidParam", ("feeRate", 65535)),
        ("StakingPools", "defaultTake", 20000, "PoolInvalidParam", ("defaultTake", 20000)),
        ("StakingPools", "minTake", 12000, "PoolInvalidParam", ("minTake", 12000)),
        ("StakingPools", "feeRecipient", "0x" + "00" * 20, "PoolInvalidParam", ("feeRecipient", 0)),
    ],
)
def test_RevertWhen_constructor_parameter_is_wrong_it_is_named(w3, accounts, contract, field, value, error, args):
    from web3.exceptions import ContractCustomError

    from evmtensor.devtools.compiler import compile_contracts
    from evmtensor.chain.errors import decode_revert

    abis = [art["abi"] for art in compile_contracts().values()]
    with expect_revert(error, *args):
        try:
            deploy_with(w3, accounts, {contract: {field: value}})
        except ContractCustomError as exc:  # a constructor's revert comes back undecoded
            raise decode_revert(exc.data, abis) from exc


# ------------------------------------------------------------------ deadlines at the boundary


def _entry_calls(kit, other, other_hotkey, deadline, alpha):
    f, n, hk = kit.pools.functions, kit.netuid, kit.hotkey.address
    return {
        "stake": f.stake(n, hk, TAO, MAX_UINT, deadline),
        "unstake": f.unstake(n, hk, alpha, 0, deadline),
        "moveStake": f.moveStake(hk, other_hotkey, n, other, alpha, 0, deadline),
        "transferStake": f.transferStake(kit.accounts[3].address, hk, n, other, alpha, 0, deadline),
    }


@pytest.fixture
def staked(kit, accounts):
    other, other_hotkey = kit.open_subnet(accounts[5])
    kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, 20 * TAO, MAX_UINT, kit.deadline()), kit.staker)
    return other, other_hotkey.address


@pytest.mark.parametrize("entry", ["stake", "unstake", "moveStake", "transferStake"])
def test_deadline_passes_at_the_block_timestamp_and_reverts_one_second_past(kit, staked, w3, entry):
    other, other_hotkey = staked
    alpha = kit.stake_of(kit.staker.address, kit.hotkey.address) // 4
    t = w3.eth.get_block("latest").timestamp + 100
    w3.provider.make_request("evm_setNextBlockTimestamp", [t])
    (ok,) = one_block(w3, [(_entry_calls(kit, other, other_hotkey, t, alpha)[entry], kit.staker)])
    assert ok.status == 1
    t += 100
    w3.provider.make_request("evm_setNextBlockTimestamp", [t])
    with expect_revert("PoolDeadlineExpired", t - 1, t):
        kit.send(_entry_calls(kit, other, other_hotkey, t - 1, alpha)[entry], kit.staker)


# ------------------------------------------------------------------ limit prices at the boundary


def _buy_price_up(y, x, amount):
    net = amount - _fee(amount)
    out = x * net // (y + net)
    return ceil(Fraction((y + net) * WAD, x - out))


def _sell(y, x, alpha):
    """(y, x) after selling `alpha` with its fee resold fee-free (subtensor's author path)."""
    fee = _fee(alpha)
    out = y * (alpha - fee) // (x + alpha - fee)
    y, x = y - out, x + alpha - fee
    fee_tao = y * fee // (x + fee)
    return y - fee_tao, x + fee


def test_stake_limit_passes_at_the_price_after_and_reverts_one_below(kit):
    pool = kit.next_block_reserves()
    price = _buy_price_up(pool.tao, pool.alpha, 3 * TAO)
    with expect_revert("PoolLimitPriceExceeded", price, price - 1):
        kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, 3 * TAO, price - 1, kit.deadline()), kit.staker)
    kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, 3 * TAO, price, kit.deadline()), kit.staker)


def test_unstake_limit_passes_at_the_price_after_and_reverts_one_above(kit, staked):
    alpha = kit.stake_of(kit.staker.address, kit.hotkey.address) // 3
    pool = kit.next_block_reserves()
    y, x = _sell(pool.tao, pool.alpha, alpha)
    price = y * WAD // x
    fn = kit.pools.functions.unstake
    with expect_revert("PoolLimitPriceExceeded", price, price + 1):
        kit.send(fn(kit.netuid, kit.hotkey.address, alpha, price + 1, kit.deadline()), kit.staker)
    kit.send(fn(kit.netuid, kit.hotkey.address, alpha, price, kit.deadline()), kit.staker)


@pytest.mark.parametrize("entry", ["moveStake", "transferStake"])
def test_move_ratio_limit_passes_at_the_ratio_and_reverts_one_above(kit, staked, entry):
    other, other_hotkey = staked
    alpha = kit.stake_of(kit.staker.address, kit.hotkey.address) // 3
    origin, dest = kit.next_block_reserves(), kit.next_block_reserves(other)
    yo, xo = _sell(origin.tao, origin.alpha, alpha)
    fee = _fee(alpha)
    tao_moved = origin.tao * (alpha - fee) // (origin.alpha + alpha - fee)
    bought = dest.alpha * tao_moved // (dest.tao + tao_moved)
    yd, xd = dest.tao + tao_moved, dest.alpha - bought
    ratio = yo * xd * WAD // (xo * yd)
    f, n, hk = kit.pools.functions, kit.netuid, kit.hotkey.address

    def call(limit):
        if entry == "moveStake":
            return f.moveStake(hk, other_hotkey, n, other, alpha, limit, kit.deadline())
        return f.transferStake(kit.accounts[3].address, hk, n, other, alpha, limit, kit.deadline())

    with expect_revert("PoolLimitPriceExceeded", ratio, ratio + 1):
        kit.send(call(ratio + 1), kit.staker)
    kit.send(call(ratio), kit.staker)


def test_stake_minimum_passes_at_the_minimum_net_and_reverts_one_below(kit):
    m = kit.min_stake
    amount = next(a for a in range(m, 2 * m) if a - _fee(a) == m)
    below = amount - 1
    assert below - _fee(below) == m - 1
    with expect_revert("PoolStakeBelowMinimum", m - 1, m):
        kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, below, MAX_UINT, kit.deadline()), kit.staker)
    kit.send(kit.pools.functions.stake(kit.netuid, kit.hotkey.address, amount, MAX_UINT, kit.deadline()), kit.staker)


# ------------------------------------------------------------------ rounding where it bites


def test_share_burn_rounds_up_with_several_holders_after_a_credit(kit, accounts):
    holders = [a.address for a in accounts[3:6]]
    hk = kit.hotkey.address
    for i, h in enumerate(holders):
        kit.credit_stake(kit.netuid, hk, h, (i + 1) * TAO + 7)
    kit.credit_emission(kit.netuid, hk, 1_000_000_003)  # makes V / D a non-integer ratio
    v = kit.pools.functions.hotkeyAlpha(kit.netuid, hk).call()
    d = kit.pools.functions.totalShares(kit.netuid, hk).call()
    assert Fraction(v, d).denominator > 1
    held = kit.pools.functions.sharesOf(holders[1], hk, kit.netuid).call()
    alpha = 333_333_337
    send_as(kit.client, holders[1], kit.pools.functions.transferStake(holders[2], hk, kit.netuid, kit.netuid, alpha, 0, kit.deadline()))
    burned = ceil(Fraction(alpha * d, v))
    assert held - kit.pools.functions.sharesOf(holders[1], hk, kit.netuid).call() == burned
    # The receiver's shares are minted rounded down at the same price.
    assert kit.pools.functions.totalShares(kit.netuid, hk).call() == d - burned + alpha * (d - burned) // (v - alpha)


def test_lock_cost_decay_after_a_halving_with_an_interval_that_does_not_divide(w3, accounts):
    """After the first halving E = 0.5 TAO: interval 999 becomes floor(999 · 0.5) = 499 blocks (the
    effective interval floored, as subtensor's I64F64 `saturating_to_num`), and the per-block decay
    is floor(lock / 499): a cost computed with the exact 499.5 blocks or a rounded-up interval differs."""
    from evmtensor.chain.client import ChainClient
    from evmtensor.devtools.deploy import deploy_protocol

    genesis = [(a.address, 1_100_000 * TAO) for a in accounts]  # 11M TAO: past the 10.5M halving
    dep = ChainClient(w3, deploy_protocol(
        w3, accounts[0], profile="devnet", overrides={"SubnetRegistry": {"lockReductionInterval": 999}}, genesis=genesis
    ))
    subnets = dep.contract("SubnetRegistry")
    assert dep.contract("TaoToken").functions.blockEmission().call() == TAO // 2
    _, _, receipt = register_subnet(dep, accounts[1])
    lock = subnets.functions.lastLock().call()[0]
    w3.provider.make_request("anvil_mine", [hex(37)])
    elapsed = w3.eth.block_number - receipt.blockNumber
    interval = 999 * (TAO // 2) // TAO
    assert interval == 499
    expected = 2 * lock - (lock // interval) * elapsed
    assert subnets.functions.lockCost().call() == expected
    assert lock % interval != 0  # the per-block floor bites
    assert expected != 2 * lock - (lock // 500) * elapsed  # an interval rounded up would differ
    assert expected < 2 * lock - Fraction(lock * elapsed, Fraction(999, 2))  # the floored interval decays faster


def _equal_price_protocol(w3, accounts):
    """α = 1: every moving price equals min(spot, 1) one block after registration."""
    return deploy_with(
        w3, accounts,
        {"Emission": {"emaAlpha": WAD}, "SubnetRegistry": {"subnetLimit": 3, "networkImmunityPeriod": 0}},
    )


def test_emission_split_odd_remainder_is_floored(w3, accounts):
    dep = _equal_price_protocol(w3, accounts)
    emission, tao = dep.contract("Emission"), dep.contract("TaoToken")
    netuids = [register_subnet(dep, accounts[i])[0] for i in (1, 2, 3)]
    
    dep.send(emission.functions.accrue(), accounts[4], gas=5_000_000)
    assert {emission.functions.movingPrice(n).call() for n in netuids} == {WAD}
    supply = tao.functions.totalSupply().call()
    w3.provider.make_request("anvil_mine", [hex(3)])
    receipt = dep.send(emission.functions.accrue(), accounts[4], gas=5_000_000)
    e = tao.functions.blockEmission().call()
    per_subnet = [ev.args.taoIn for ev in events(emission.events.EmissionAccrued, receipt)]
    assert per_subnet == [4 * e // 3] * 3  # 1,333,333,333 each: the odd rao is not minted
    assert tao.functions.totalSupply().call() - supply == 3 * (4 * e // 3) == 4 * e - 1


def test_prune_tie_on_equal_prices_goes_to_the_earliest_registration(w3, accounts):
    dep = _equal_price_protocol(w3, accounts)
    emission, subnets = dep.contract("Emission"), dep.contract("SubnetRegistry")
    netuids = [register_subnet(dep, accounts[i])[0] for i in (3, 1, 2)]
    
    dep.send(emission.functions.accrue(), accounts[4], gas=5_000_000)
    assert len({emission.functions.movingPrice(n).call() for n in netuids}) == 1
    assert subnets.functions.pruneCandidate().call() == netuids[0]
    new, _, receipt = register_subnet(dep, accounts[5])
    (pruned,) = events(subnets.events.SubnetPruned, receipt)
    assert pruned.args.netuid == netuids[0] == new
