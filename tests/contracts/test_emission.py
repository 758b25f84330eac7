"""Emission: halving-driven block emission, price-EMA shares, injection at spot, pending buckets.

Multi-block accruals are compared with a per-block Python reference (contract_models.reference_accrual).
Mining 10,000 blocks on Anvil is slow, so these tests run on a chain whose genesis block number is
high, and rewind Emission's last-accrual block (storage slot 0) instead: accrual depends only on
block.number - lastAccrualBlock, so this is the same as n idle blocks.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from web3 import Web3

from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import deploy_protocol
from evmtensor.chain.client import ChainClient

try:
    from .contract_models import SubnetRef, reference_accrual
    from .pools_helpers import TAO, PoolsKit, event_args
except ImportError:
    from contract_models import SubnetRef, reference_accrual
    from pools_helpers import TAO, PoolsKit, event_args

HIGH_BLOCK = 1_000_000
OWNER_CUT = 11796


class _HighAnvil(Anvil):
    def command(self) -> list[str]:
        return super().command() + ["--number", str(HIGH_BLOCK)]


def _deploy(w3, accounts, supply_below_halving=None, overrides=None):
    genesis = [(a.address, 100_000 * TAO) for a in accounts]
    if supply_below_halving is not None:
        rest = 10_500_000 * TAO - supply_below_halving - 100_000 * TAO * (len(accounts) - 1)
        genesis[-1] = (accounts[-1].address, rest)
    return ChainClient(w3, deploy_protocol(w3, accounts[0], profile="devnet", genesis=genesis, overrides=overrides))


@pytest.fixture(scope="module")
def high_w3():
    with _HighAnvil(accounts=10) as node:
        yield Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))


@pytest.fixture
def high(high_w3, accounts):
    """A snapshot-isolated high-block chain (deploys happen inside the test's snapshot)."""
    snap = high_w3.provider.make_request("evm_snapshot", [])["result"]
    yield high_w3
    high_w3.provider.make_request("evm_revert", [snap])


def _kit(w3, client, accounts) -> PoolsKit:
    return PoolsKit(w3, client, client.send, accounts)


def _market(kit, accounts, n_subnets=3):
    """n subnets at different prices with warmed-up, unequal moving prices."""
    nets = [kit.open_subnet(owner=accounts[1 + i]) for i in range(n_subnets)]
    dl = kit.deadline()
    for i, (netuid, hotkey) in enumerate(nets[1:], start=1):
        kit.send(kit.pools.functions.stake(netuid, hotkey.address, 3 * i * TAO, 2**256 - 1, dl), kit.staker)
    _accrue_over(kit, 40)  # moving prices now differ and are far from the spot prices
    netuid, hotkey = nets[0]
    kit.send(kit.pools.functions.stake(netuid, hotkey.address, 7 * TAO, 2**256 - 1, dl), kit.staker)
    return [n for n, _ in nets]


def _rewind(kit, blocks: int) -> None:
    """Makes the next transaction's accrue() cover `blocks` blocks."""
    target = kit.w3.eth.block_number + 1 - blocks
    kit.w3.provider.make_request(
        "anvil_setStorageAt", [kit.emission.address, "0x0", "0x" + target.to_bytes(32, "big").hex()]
    )
    assert kit.emission.functions.lastAccrualBlock().call() == target


def _accrue_over(kit, blocks: int):
    _rewind(kit, blocks)
    return kit.send(kit.emission.functions.accrue(), kit.accounts[9], gas=25_000_000)


def _snapshot(kit, netuids):
    refs = []
    for netuid in netuids:
        ema, issuance, _ = kit.emission.functions.subnetEmission(netuid).call()
        refs.append(SubnetRef(netuid, kit.reserves(netuid), ema, issuance))
    pend = {n: kit.emission.functions.pending(n).call() for n in netuids}
    return refs, pend


def _check_against_reference(kit, netuids, blocks, chunks=1):
    refs, pend_before = _snapshot(kit, netuids)
    supply = kit.tao.functions.totalSupply().call()
    pools_balance = kit.balance(kit.pools.address)
    receipt = _accrue_over(kit, blocks)
    reference_accrual(refs, blocks, supply, kit.emission.functions.params().call()[0], OWNER_CUT)
    events = {e.netuid: e for e in event_args(kit.emission.events.EmissionAccrued, receipt)}
    minted = 0
    for ref in refs:
        ev = events[ref.netuid]
        assert ev.toBlock - ev.fromBlock == blocks
        exact = int(ref.tao_exact)  # floor
        assert exact - chunks <= ev.taoIn <= exact, (ref.netuid, ev.taoIn, ref.tao_exact)
        # alpha_in is floored once per constant-rate chunk (one chunk unless a halving is crossed)
        assert 0 <= ev.taoIn * ref.pool.alpha // ref.pool.tao - ev.alphaIn <= chunks
        assert ev.alphaOut == ref.alpha_out
        pending = kit.emission.functions.pending(ref.netuid).call()
        before = pend_before[ref.netuid]
        assert [p - b for p, b in zip(pending[:3], before[:3])] == ref.pending
        assert pending[3] - before[3] == blocks
        ema = kit.emission.functions.movingPrice(ref.netuid).call()
        assert abs(ema - int(ref.ema_exact)) <= 1, (ema, ref.ema_exact)
        after = kit.reserves(ref.netuid)
        assert after.tao == ref.pool.tao + ev.taoIn and after.alpha == ref.pool.alpha + ev.alphaIn
        # Injection at the spot price: the price does not fall and moves by at most rounding.
        assert ref.pool.price <= after.price <= ref.pool.price + ref.pool.price // ref.pool.alpha + 2
        minted += ev.taoIn
    assert kit.tao.functions.totalSupply().call() == supply + minted
    assert kit.balance(kit.pools.address) == pools_balance + minted
    return refs, receipt


@pytest.mark.parametrize("blocks", [1, 100, 10_000])
def test_accrual_matches_per_block_reference(high, accounts, blocks):
    kit = _kit(high, _deploy(high, accounts), accounts)
    netuids = _market(kit, accounts)
    refs, _ = _check_against_reference(kit, netuids, blocks)
    shares = [r.tao_exact for r in refs]
    assert len(set(shares)) == len(shares)  # different prices, different shares


def test_accrual_across_a_halving(high, accounts):
    """1 TAO per block until issuance reaches 10.5M TAO, 0.5 TAO after: crossed mid-accrual."""
    kit = _kit(high, _deploy(high, accounts, supply_below_halving=300 * TAO), accounts)
    netuids = _market(kit, accounts, n_subnets=2)
    supply = kit.tao.functions.totalSupply().call()
    assert 10_500_000 * TAO - 300 * TAO < supply < 10_500_000 * TAO
    refs, _ = _check_against_reference(kit, netuids, 600, chunks=2)
    left = 10_500_000 * TAO - supply
    crossing = -(-left // TAO)
    with localcontext() as ctx:  # the reference's precision, not the global context's
        ctx.prec = 120
        total = sum(r.tao_exact for r in refs)
        # Exact up to the reference's 120-digit Decimal rounding.
        assert abs(total - (crossing * TAO + (600 - crossing) * TAO // 2)) < Decimal(10) ** -90


def test_first_block_of_new_subnets_emits_no_tao(high, accounts):
    """All moving prices start at 0: the first block has Σ p̄ = 0 and mints nothing."""
    kit = _kit(high, _deploy(high, accounts), accounts)
    netuid, _ = kit.open_subnet()
    supply = kit.tao.functions.totalSupply().call()
    receipt = _accrue_over(kit, 1)
    (ev,) = event_args(kit.emission.events.EmissionAccrued, receipt)
    assert ev.taoIn == 0 and ev.alphaOut == 10**9
    assert kit.tao.functions.totalSupply().call() == supply
    assert kit.emission.functions.movingPrice(netuid).call() == 10**16  # α · min(1, 1)


def test_single_subnet_gets_the_whole_emission(high, accounts):
    kit = _kit(high, _deploy(high, accounts), accounts)
    kit.open_subnet()
    _accrue_over(kit, 5)
    receipt = _accrue_over(kit, 100)
    (ev,) = event_args(kit.emission.events.EmissionAccrued, receipt)
    assert 100 * TAO - 1 <= ev.taoIn <= 100 * TAO  # floor(exact) or one rao less


def test_accrual_is_capped_per_call(high, accounts):
    kit = _kit(high, _deploy(high, accounts, overrides={"Emission": {"maxBlocksPerAccrue": 100}}), accounts)
    kit.open_subnet()
    _rewind(kit, 250)
    start = kit.emission.functions.lastAccrualBlock().call()
    kit.send(kit.emission.functions.accrue(), accounts[9], gas=25_000_000)
    assert kit.emission.functions.lastAccrualBlock().call() == start + 100
    kit.send(kit.emission.functions.accrue(), accounts[9], gas=25_000_000)
    assert kit.emission.functions.lastAccrualBlock().call() == start + 200


def test_accrue_records_the_block(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    kit.send(kit.emission.functions.accrue(), accounts[9], gas=25_000_000)
    assert kit.emission.functions.lastAccrualBlock().call() == w3.eth.block_number


def test_drain_pending_returns_and_zeroes(w3, client, send, accounts, mine):
    kit = PoolsKit(w3, client, send, accounts)
    kit.open_subnet()
    mine(10)
    kit.send(kit.emission.functions.accrue(), accounts[9], gas=25_000_000)
    pending = kit.emission.functions.pending(kit.netuid).call()
    # 1 alpha per block, split as subtensor: each bucket floored, at most 2 units per block unassigned.
    assert 0 <= pending[3] * 10**9 - (pending[0] + pending[1] + pending[2]) <= 2 * pending[3]
    receipt = kit.send_as(kit.settlement, kit.emission.functions.drainPending(kit.netuid))
    (ev,) = event_args(kit.emission.events.PendingDrained, receipt)
    assert [ev.ownerCut, ev.serverAlpha, ev.validatorAlpha, ev.blocks] == list(pending)
    assert tuple(kit.emission.functions.pending(kit.netuid).call()) == (0, 0, 0, 0)


def test_RevertWhen_drain_pending_not_from_settlement(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    with pytest.raises(Exception) as exc:
        kit.call(kit.emission.functions.drainPending(1), accounts[1])
    assert getattr(exc.value, "name", "") == "ProtocolUnauthorizedCaller"


def test_RevertWhen_pool_hooks_not_from_pools(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    for fn in (kit.emission.functions.poolCreated(3, TAO), kit.emission.functions.poolDissolved(3)):
        with pytest.raises(Exception) as exc:
            kit.call(fn, accounts[1])
        assert getattr(exc.value, "name", "") == "ProtocolUnauthorizedCaller"
