"""Stateful property test of the pools and emission: many actors stake, unstake, move, transfer,
receive credits and let emission accrue; after every step the conservation invariants hold.

Invariants (DTAO spec 6.3, adapted):
* TAO: the pools contract's balance == Σ pool TAO reserves + TAO held for dissolved pools;
  total supply == genesis + Σ minted by emission − Σ recycled.
* Swaps never lower a pool's product x·y.
* Shares: Σ coldkey shares == the hotkey's total shares; Σ coldkey values <= the hotkey's alpha
  <= Σ values + (#holders) (each value is floored once); the subnet's staked alpha == Σ hotkeys.
* Users as a whole never withdraw more TAO than they put in plus what emission and the subnet
  locks put into the pools.
"""

import pytest
from hypothesis import HealthCheck, settings
from fuzz import examples
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from evmtensor.errors import ContractRevert

try:
    from .pools_helpers import MAX_UINT, TAO, PoolsKit, event_args
except ImportError:
    from pools_helpers import MAX_UINT, TAO, PoolsKit, event_args

ACTORS = 3
SUBNETS = 2
EXPECTED = {
    "PoolStakeBelowMinimum", "PoolInsufficientStake", "PoolZeroOutput", "PoolZeroShares",
    "PoolReservesTooLow", "PoolInputTooLarge", "PoolPriceOutOfBand", "PoolZeroAmount", "TaoInsufficientBalance",
}


def test_pools_invariants(w3, client, send, accounts):
    kit = PoolsKit(w3, client, send, accounts)
    nets = [kit.open_subnet(owner=accounts[1 + i]) for i in range(SUBNETS)]
    hotkeys = [h.address for _, h in nets]
    netuids = [n for n, _ in nets]
    actors = accounts[4 : 4 + ACTORS]
    base = w3.provider.make_request("evm_snapshot", [])["result"]
    locks = sum(kit.reserves(n).tao for n in netuids)

    class Machine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            nonlocal base
            w3.provider.make_request("evm_revert", [base])
            base = w3.provider.make_request("evm_snapshot", [])["result"]
            self.deposited = 0
            self.withdrawn = 0
            self.minted = 0
            self.supply0 = kit.tao.functions.totalSupply().call()

        def _try(self, fn, who, gas=None):
            try:
                receipt = kit.send(fn, who, gas=gas)
            except ContractRevert as exc:
                assert exc.name in EXPECTED, exc
                return None
            # Every pool call accrues the blocks before it first: count what that minted.
            self.minted += sum(ev.taoMinted for ev in event_args(kit.emission.events.Accrued, receipt))
            return receipt

        def _k(self, netuid):
            pool = kit.reserves(netuid)
            return pool.tao * pool.alpha

        @rule(actor=st.integers(0, ACTORS - 1), subnet=st.integers(0, SUBNETS - 1),
              hot=st.integers(0, SUBNETS - 1), amount=st.integers(1, 20 * TAO))
        def stake(self, actor, subnet, hot, amount):
            k0 = self._k(netuids[subnet])
            fn = kit.pools.functions.stake(netuids[subnet], hotkeys[hot], amount, MAX_UINT, kit.deadline())
            if self._try(fn, actors[actor]):
                self.deposited += amount
                assert self._k(netuids[subnet]) >= k0

        @rule(actor=st.integers(0, ACTORS - 1), subnet=st.integers(0, SUBNETS - 1),
              hot=st.integers(0, SUBNETS - 1), frac=st.sampled_from([1, 3, 10, 1000]))
        def unstake(self, actor, subnet, hot, frac):
            held = kit.stake_of(actors[actor].address, hotkeys[hot], netuids[subnet])
            k0 = self._k(netuids[subnet])
            fn = kit.pools.functions.unstake(netuids[subnet], hotkeys[hot], held // frac, 0, kit.deadline())
            receipt = self._try(fn, actors[actor])
            if receipt:
                (ev,) = event_args(kit.pools.events.Unstaked, receipt)
                self.withdrawn += ev.taoOut
                assert self._k(netuids[subnet]) >= k0

        @rule(actor=st.integers(0, ACTORS - 1), to=st.integers(0, ACTORS - 1), src=st.integers(0, SUBNETS - 1),
              dst=st.integers(0, SUBNETS - 1), hot=st.integers(0, SUBNETS - 1), dhot=st.integers(0, SUBNETS - 1),
              frac=st.sampled_from([1, 2, 7]), transfer=st.booleans())
        def move(self, actor, to, src, dst, hot, dhot, frac, transfer):
            held = kit.stake_of(actors[actor].address, hotkeys[hot], netuids[src])
            if transfer:
                fn = kit.pools.functions.transferStake(
                    actors[to].address, hotkeys[hot], netuids[src], netuids[dst], held // frac, 0, kit.deadline()
                )
            else:
                fn = kit.pools.functions.moveStake(
                    hotkeys[hot], hotkeys[dhot], netuids[src], netuids[dst], held // frac, 0, kit.deadline()
                )
            receipt = self._try(fn, actors[actor])
            if receipt:
                (ev,) = event_args(kit.pools.events.StakeMoved, receipt)
                if ev.alphaIn == 0 and ev.taoMoved:
                    self.withdrawn += ev.taoMoved  # paid out liquid below the minimum stake

        @rule(blocks=st.integers(1, 3))
        def accrue(self, blocks):
            kit.w3.provider.make_request("anvil_mine", [hex(blocks)])
            receipt = kit.send(kit.emission.functions.accrue(), accounts[9], gas=25_000_000)
            self.minted += sum(ev.taoMinted for ev in event_args(kit.emission.events.Accrued, receipt))

        @rule(subnet=st.integers(0, SUBNETS - 1), hot=st.integers(0, SUBNETS - 1), alpha=st.integers(1, 10**9))
        def credit(self, subnet, hot, alpha):
            kit.credit_emission(netuids[subnet], hotkeys[hot], alpha)

        @invariant()
        def tao_conserved(self):
            reserves = sum(kit.reserves(n).tao for n in netuids)
            held = kit.pools.functions.dissolvedTaoHeld().call()
            assert kit.balance(kit.pools.address) == reserves + held
            assert kit.tao.functions.totalSupply().call() == self.supply0 + self.minted
            assert self.withdrawn <= self.deposited + self.minted + locks

        @invariant()
        def shares_add_up(self):
            holders = [a.address for a in actors] + [accounts[1 + i].address for i in range(SUBNETS)]
            for netuid in netuids:
                staked = 0
                for hotkey in hotkeys:
                    shares = [kit.pools.functions.sharesOf(h, hotkey, netuid).call() for h in holders]
                    assert sum(shares) == kit.pools.functions.totalShares(netuid, hotkey).call()
                    values = sum(kit.stake_of(h, hotkey, netuid) for h in holders)
                    alpha = kit.pools.functions.hotkeyAlpha(netuid, hotkey).call()
                    assert values <= alpha <= values + len(holders)
                    staked += alpha
                assert kit.pools.functions.poolInfo(netuid).call()[0] == staked

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=examples(8), stateful_step_count=12, deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
