"""Stateful property test over subnet registration, neuron registration and pruning, many actors.

Invariants after every step:
* TAO is conserved: total supply == what the accounts hold + what the protocol contracts hold
  (pools hold the locks and the pool TAO); supply only falls by registration burns and only
  rises by emission minted into the pools.
* UIDs are unique and dense: UIDs 0..n-1 hold distinct non-zero hotkeys, uidOf inverts them, n <= maxUids.
* A hotkey has exactly one owner: the first coldkey that registered it, forever.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from fuzz import examples
from hypothesis import strategies as st

from evmtensor.errors import ContractRevert

try:
    from .core_helpers import CONTRACTS, balance, deploy_with, events, mine_blocks, new_key, register_neuron, register_subnet
except ImportError:
    from core_helpers import CONTRACTS, balance, deploy_with, events, mine_blocks, new_key, register_neuron, register_subnet

MAX_UIDS = 3
HOTKEYS = 12
SUBNET_LIMIT = 3


def _overrides():
    return {"SubnetRegistry": {"subnetLimit": SUBNET_LIMIT, "networkImmunityPeriod": 4, "networkRateLimit": 0,
                               "defaults": {"maxUids": MAX_UIDS, "maxValidators": 1, "minAllowedWeights": 1,
                                            "immunityPeriod": 3}}}


class RegistryMachine:
    """Registrars (coldkeys) register subnets and neurons with a small pool of reused hotkeys.

    Driven by a hypothesis-drawn list of actions (hypothesis 6.27's RuleBasedStateMachine runner
    draws almost no steps here), with the invariants checked after every action.
    """

    w3 = client = send = actors = everyone = None
    prunes = replacements = 0

    def start(self):
        self.snapshot = self.w3.provider.make_request("evm_snapshot", [])["result"]
        self.hotkeys = [new_key() for _ in range(HOTKEYS)]
        self.owner_of = {}  # ghost: hotkey -> first coldkey
        self.token = self.client.contract("TaoToken")
        self.neurons = self.client.contract("NeuronRegistry")
        self.subnets = self.client.contract("SubnetRegistry")
        actors = {a.address for a in self.actors}
        self.holders = sorted(actors) + [self.client.deployment.addresses[n] for n in CONTRACTS]
        # Accounts outside the actor set never move TAO here: sum them once.
        self.idle = sum(balance(self.client, a.address) for a in self.everyone if a.address not in actors)

    def teardown(self):
        if getattr(self, "snapshot", None):
            self.w3.provider.make_request("evm_revert", [self.snapshot])

    # ------------------------------------------------------------------ rules

    def register_subnet(self, actor, key):
        coldkey, hotkey = self.actors[actor], self.hotkeys[key]
        owner = self.owner_of.get(hotkey.address)
        full = self.subnets.functions.subnetCount().call() >= SUBNET_LIMIT
        all_immune = full and self.subnets.functions.pruneCandidate().call() == 0
        before = balance(self.client, coldkey.address)
        try:
            netuid, _, receipt = register_subnet(self.client, coldkey, hotkey=hotkey)
        except ContractRevert as exc:
            # The subnet limit is checked before the owner hotkey (pruning comes first).
            expected = "SubnetLimitAllImmune" if all_immune else (
                "NeuronRegistryHotkeyOwnedByOther" if owner not in (None, coldkey.address) else None)
            assert exc.name == expected, exc
            return
        assert owner in (None, coldkey.address) and not all_immune
        self.owner_of.setdefault(hotkey.address, coldkey.address)
        type(self).prunes += len(events(self.subnets.events.SubnetPruned, receipt))
        lock = self.subnets.functions.subnetInfo(netuid).call()[3]
        assert balance(self.client, coldkey.address) == before - lock

    def register_neuron(self, actor, key, pick):
        active = self.subnets.functions.activeNetuids().call()
        if not active:
            return
        netuid = active[pick % len(active)]
        coldkey, hotkey = self.actors[actor], self.hotkeys[key]
        owner = self.owner_of.get(hotkey.address)
        already = self.neurons.functions.isRegistered(netuid, hotkey.address).call()
        n = self.neurons.functions.subnetN(netuid).call()
        blocked = n >= MAX_UIDS and not self.neurons.functions.pruneCandidate(netuid).call()[0]
        supply = self.token.functions.totalSupply().call()
        try:
            uid, _, receipt = register_neuron(self.client, netuid, coldkey, hotkey=hotkey)
        except ContractRevert as exc:
            if already:
                expected = {"NeuronRegistryAlreadyRegistered"}
            elif owner not in (None, coldkey.address):
                expected = {"NeuronRegistryHotkeyOwnedByOther"}
            else:
                expected = {"NeuronRegistrySubnetFullOfImmune"} if blocked else set()
            assert exc.name in expected, exc
            return
        assert not already and owner in (None, coldkey.address) and not blocked
        self.owner_of.setdefault(hotkey.address, coldkey.address)
        (ev,) = events(self.neurons.events.NeuronRegistered, receipt)
        assert self.token.functions.totalSupply().call() == supply - ev.args.burn
        assert uid == (n if n < MAX_UIDS else uid) and uid != 0
        if ev.args.replaced != "0x" + "00" * 20:
            type(self).replacements += 1
            assert not self.neurons.functions.isRegistered(netuid, ev.args.replaced).call()
        assert self.neurons.functions.hotkeyOwner(hotkey.address).call() == self.owner_of[hotkey.address]

    def advance(self, blocks):
        mine_blocks(self.w3, blocks)

    # ------------------------------------------------------------------ invariants

    def conserved_dense_and_owned(self):
        if not hasattr(self, "token"):
            return
        supply = self.token.functions.totalSupply().call()
        assert supply == self.idle + sum(balance(self.client, a) for a in self.holders)
        for netuid in self.subnets.functions.activeNetuids().call():
            infos = self.neurons.functions.neurons(netuid, 0, 64).call()
            n = self.neurons.functions.subnetN(netuid).call()
            assert len(infos) == n <= MAX_UIDS
            hotkeys = [i[0] for i in infos]
            assert len(set(hotkeys)) == n and all(int(h, 16) for h in hotkeys)
            assert hotkeys[0] == self.subnets.functions.subnetOwner(netuid).call()[1]
            # coldkey column == hotkeyOwner == the ghost's first registrant
            assert all(info[1] == self.owner_of[info[0]] for info in infos)
            for uid, hotkey in enumerate(hotkeys[1:], start=1):
                assert self.neurons.functions.uidOf(netuid, hotkey).call() == [True, uid]

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("register_subnet"), st.integers(0, 5), st.integers(0, HOTKEYS - 1)),
        st.tuples(st.just("register_neuron"), st.integers(0, 5), st.integers(0, HOTKEYS - 1), st.integers(0, 10)),
        st.tuples(st.just("register_neuron"), st.integers(0, 5), st.integers(0, HOTKEYS - 1), st.integers(0, 10)),
        st.tuples(st.just("register_neuron"), st.integers(0, 5), st.integers(0, HOTKEYS - 1), st.integers(0, 10)),
        st.tuples(st.just("advance"), st.integers(1, 4)),
    ),
    min_size=15,
    max_size=30,
)


@pytest.mark.slow
def test_registry_invariants(w3, accounts, send):
    client = deploy_with(w3, accounts, _overrides())
    RegistryMachine.w3, RegistryMachine.client, RegistryMachine.send = w3, client, staticmethod(send)
    RegistryMachine.actors, RegistryMachine.everyone = accounts[1:7], accounts
    RegistryMachine.prunes = RegistryMachine.replacements = 0

    @settings(max_examples=examples(6), deadline=None, suppress_health_check=list(HealthCheck))
    @given(ACTIONS)
    def run(actions):
        machine = RegistryMachine()
        machine.start()
        try:
            for name, *args in actions:
                getattr(machine, name)(*args)
                machine.conserved_dense_and_owned()
        finally:
            machine.teardown()

    run()
    # The sequences did reach the interesting paths.
    assert RegistryMachine.prunes > 0 and RegistryMachine.replacements > 0
