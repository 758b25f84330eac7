"""SubnetRegistry: registration by lock (spec 4.1-4.2), hyperparameters with bounds, limit and pruning (spec 4.5)."""

import pytest

from evmtensor.chain.actions import registration_signature
from evmtensor.errors import ContractRevert

try:
    from .core_helpers import (
        MAX_UINT, balance, deploy_with, drain_tao, events, hyperparameters, mine_blocks, new_key,
        register_subnet, revert_args, set_hyperparameters,
    )
except ImportError:
    from core_helpers import (
        MAX_UINT, balance, deploy_with, drain_tao, events, hyperparameters, mine_blocks, new_key,
        register_subnet, revert_args, set_hyperparameters,
    )


@pytest.fixture
def subnets(client):
    return client.contract("SubnetRegistry")


@pytest.fixture
def neurons(client):
    return client.contract("NeuronRegistry")


def _params(subnets) -> dict:
    (fn,) = [f for f in subnets.abi if f.get("name") == "params"]
    names = [c["name"] for c in fn["outputs"][0]["components"]]
    return dict(zip(names, subnets.functions.params().call()))


def test_register_subnet_locks_cost_into_pool(w3, client, subnets, neurons, accounts, send):
    owner = accounts[1]
    cost = subnets.functions.lockCost().call()
    pools = client.deployment.addresses["StakingPools"]
    before_owner, before_pools = balance(client, owner.address), balance(client, pools)
    supply = client.contract("TaoToken").functions.totalSupply().call()

    netuid, hotkey, receipt = register_subnet(client, owner)

    assert netuid == 1
    assert balance(client, owner.address) == before_owner - cost
    assert balance(client, pools) == before_pools + cost
    assert client.contract("TaoToken").functions.totalSupply().call() == supply
    (ev,) = events(subnets.events.SubnetRegistered, receipt)
    assert (ev.args.netuid, ev.args.ownerColdkey, ev.args.ownerHotkey, ev.args.lockPaid) == (
        1, owner.address, hotkey.address, cost)
    assert subnets.functions.subnetExists(1).call()
    assert not subnets.functions.subnetExists(2).call()
    assert subnets.functions.activeNetuids().call() == [1]
    assert subnets.functions.subnetOwner(1).call() == [owner.address, hotkey.address]
    info = subnets.functions.subnetInfo(1).call()
    assert info[2] == receipt.blockNumber and info[3] == cost
    assert subnets.functions.lastLock().call() == [cost, receipt.blockNumber]


def test_register_subnet_registers_owner_hotkey_as_uid0(w3, client, neurons, accounts, send):
    netuid, hotkey, receipt = register_subnet(client, accounts[1])
    assert neurons.functions.subnetN(netuid).call() == 1
    assert neurons.functions.uidOf(netuid, hotkey.address).call() == [True, 0]
    assert neurons.functions.hotkeyOwner(hotkey.address).call() == accounts[1].address
    assert neurons.functions.isImmune(netuid, 0).call()
    (ev,) = events(neurons.events.NeuronRegistered, receipt)
    assert (ev.args.uid, ev.args.hotkey, ev.args.coldkey, ev.args.burn) == (0, hotkey.address, accounts[1].address, 0)


def test_new_subnet_gets_default_hyperparameters(w3, client, subnets, accounts, send):
    netuid, _, _ = register_subnet(client, accounts[1])
    defaults = subnets.functions.defaultHyperparameters().call()
    assert tuple(subnets.functions.hyperparameters(netuid).call()) == tuple(defaults)
    p = _params(subnets)
    assert tuple(defaults) == tuple(p["defaults"])


def test_netuids_are_lowest_free_and_ascending(w3, client, subnets, accounts, send):
    got = [register_subnet(client, accounts[i])[0] for i in (1, 2, 3)]
    assert got == [1, 2, 3]
    assert subnets.functions.activeNetuids().call() == [1, 2, 3]
    assert subnets.functions.subnetCount().call() == 3


def test_lock_cost_doubles_then_decays_linearly(w3, accounts, send):
    client = deploy_with(w3, accounts, {"SubnetRegistry": {"lockReductionInterval": 40}})
    subnets = client.contract("SubnetRegistry")
    p = _params(subnets)
    min_lock, interval = p["minLockCost"], p["lockReductionInterval"]
    assert subnets.functions.lockCost().call() == min_lock
    _, _, receipt = register_subnet(client, accounts[1])
    assert subnets.functions.lockCost().call() == 2 * min_lock  # same block number + 0 elapsed? no: read at head
    emission = client.contract("TaoToken").functions.blockEmission().call()
    interval_eff = interval * emission // 10**9
    per_block = min_lock // interval_eff
    mine_blocks(w3, 10)
    elapsed = w3.eth.block_number - receipt.blockNumber
    assert subnets.functions.lockCost().call() == max(min_lock, 2 * min_lock - per_block * elapsed)
    mine_blocks(w3, interval_eff)
    assert subnets.functions.lockCost().call() == min_lock


def test_lock_cost_paid_is_the_doubled_cost(w3, client, subnets, accounts, send):
    register_subnet(client, accounts[1])
    expected = subnets.functions.lockCost().call()  # at the head block; the next tx is one block later
    p = _params(subnets)
    emission = client.contract("TaoToken").functions.blockEmission().call()
    per_block = p["minLockCost"] // (p["lockReductionInterval"] * emission // 10**9)
    before = balance(client, accounts[2].address)
    _, _, receipt = register_subnet(client, accounts[2])
    (ev,) = events(subnets.events.SubnetRegistered, receipt)
    assert ev.args.lockPaid == expected - per_block
    assert balance(client, accounts[2].address) == before - ev.args.lockPaid


def test_RevertWhen_lock_above_limit(w3, client, subnets, accounts, send):
    cost = subnets.functions.lockCost().call()
    with pytest.raises(ContractRevert) as exc:
        register_subnet(client, accounts[1], max_lock=cost - 1)
    assert exc.value.name == "SubnetLockAboveLimit"


def test_RevertWhen_lock_not_covered(w3, client, subnets, accounts, send):
    poor = accounts[8]
    drain_tao(client, send, poor, accounts[9], keep=subnets.functions.lockCost().call() - 1)
    with pytest.raises(ContractRevert) as exc:
        register_subnet(client, poor)
    assert exc.value.name == "SubnetLockNotCovered"


def test_RevertWhen_owner_hotkey_zero(w3, client, subnets, accounts, send):
    with pytest.raises(ContractRevert) as exc:
        send(subnets.functions.registerSubnet("0x" + "00" * 20, MAX_UINT, client.deadline(), b""), accounts[1])
    assert exc.value.name == "SubnetZeroHotkey"


def test_RevertWhen_owner_hotkey_signature_missing_or_wrong(w3, client, subnets, accounts, send):
    hotkey, impostor = new_key(), new_key()
    deadline = client.deadline()
    with pytest.raises(ContractRevert) as exc:
        send(subnets.functions.registerSubnet(hotkey.address, MAX_UINT, deadline, b""), accounts[1])
    assert exc.value.name == "NeuronRegistryInvalidSignature"
    sig = registration_signature(client, impostor, accounts[1].address, 0, deadline)
    with pytest.raises(ContractRevert) as exc:
        send(subnets.functions.registerSubnet(hotkey.address, MAX_UINT, deadline, sig), accounts[1])
    assert exc.value.name == "NeuronRegistryInvalidSignature"
    # A signature for another coldkey does not work either.
    sig = registration_signature(client, hotkey, accounts[2].address, 0, deadline)
    with pytest.raises(ContractRevert) as exc:
        send(subnets.functions.registerSubnet(hotkey.address, MAX_UINT, deadline, sig), accounts[1])
    assert exc.value.name == "NeuronRegistryInvalidSignature"


def test_RevertWhen_owner_hotkey_owned_by_other_coldkey(w3, client, accounts, send):
    _, hotkey, _ = register_subnet(client, accounts[1])
    with pytest.raises(ContractRevert) as exc:
        register_subnet(client, accounts[2], hotkey=hotkey)
    assert exc.value.name == "NeuronRegistryHotkeyOwnedByOther"
    # Its owner may reuse it for a second subnet.
    netuid, _, _ = register_subnet(client, accounts[1], hotkey=hotkey)
    assert netuid == 2


def test_RevertWhen_registration_rate_limited(w3, accounts, send):
    d = deploy_with(w3, accounts, {"SubnetRegistry": {"networkRateLimit": 20}})
    _, _, receipt = register_subnet(d, accounts[1])
    with pytest.raises(ContractRevert) as exc:
        register_subnet(d, accounts[2])
    assert exc.value.name == "SubnetRegistrationRateLimited"
    assert list(revert_args(exc)) == [receipt.blockNumber + 20]
    mine_blocks(w3, 20)
    assert register_subnet(d, accounts[2])[0] == 2


# ------------------------------------------------------------------ limit and pruning


def test_subnet_limit_prunes_earliest_of_equal_price(w3, accounts, send):
    d = deploy_with(w3, accounts, {"SubnetRegistry": {"subnetLimit": 2, "networkImmunityPeriod": 5}})
    subnets, neurons = d.contract("SubnetRegistry"), d.contract("NeuronRegistry")
    _, hk1, _ = register_subnet(d, accounts[1])
    register_subnet(d, accounts[2])
    mine_blocks(w3, 5)
    emission = d.contract("Emission")
    p1, p2 = (emission.functions.movingPrice(n).call() for n in (1, 2))
    expected = 1 if p1 <= p2 else 2
    assert subnets.functions.pruneCandidate().call() == expected
    netuid, hk3, receipt = register_subnet(d, accounts[3])
    assert netuid == expected
    (pruned,) = events(subnets.events.SubnetPruned, receipt)
    assert pruned.args.netuid == expected
    assert subnets.functions.activeNetuids().call() == [1, 2]
    assert subnets.functions.subnetOwner(expected).call() == [accounts[3].address, hk3.address]
    assert neurons.functions.subnetN(expected).call() == 1
    assert neurons.functions.uidOf(expected, hk3.address).call() == [True, 0]
    if expected == 1:
        assert not neurons.functions.isRegistered(1, hk1.address).call()
    # Hotkey ownership survives the pruning.
    assert neurons.functions.hotkeyOwner(hk1.address).call() == accounts[1].address


def test_RevertWhen_subnet_limit_all_immune(w3, accounts, send):
    d = deploy_with(w3, accounts, {"SubnetRegistry": {"subnetLimit": 2, "networkImmunityPeriod": 1000}})
    register_subnet(d, accounts[1])
    register_subnet(d, accounts[2])
    assert d.contract("SubnetRegistry").functions.isImmune(1).call()
    assert d.contract("SubnetRegistry").functions.pruneCandidate().call() == 0
    with pytest.raises(ContractRevert) as exc:
        register_subnet(d, accounts[3])
    assert exc.value.name == "SubnetLimitAllImmune"


# ------------------------------------------------------------------ hyperparameters


def test_owner_sets_hyperparameters(w3, client, subnets, accounts, send):
    netuid, _, _ = register_subnet(client, accounts[1])
    receipt = set_hyperparameters(client, send, netuid, accounts[1], tempo=99, maxUids=128, kappa=40000)
    hp = hyperparameters(client, netuid)
    assert (hp["tempo"], hp["maxUids"], hp["kappa"]) == (99, 128, 40000)
    (ev,) = events(subnets.events.HyperparametersSet, receipt)
    assert ev.args.netuid == netuid
    assert ev.args.hyperparameters["tempo"] == 99


def test_RevertWhen_non_owner_sets_hyperparameters(w3, client, accounts, send):
    netuid, _, _ = register_subnet(client, accounts[1])
    with pytest.raises(ContractRevert) as exc:
        set_hyperparameters(client, send, netuid, accounts[2], tempo=99)
    assert exc.value.name == "SubnetNotOwner"


def test_RevertWhen_hyperparameters_of_unknown_subnet(client, subnets, accounts, send):
    hp = subnets.functions.defaultHyperparameters().call()
    with pytest.raises(ContractRevert) as exc:
        send(subnets.functions.setHyperparameters(7, hp), accounts[1])
    assert exc.value.name == "SubnetNotFound"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tempo", 0),
        ("maxUids", 0),
        ("maxUids", 513),
        ("maxValidators", 0),
        ("maxValidators", 65),  # under maxUids (256), over the cap of 64
        ("maxValidators", 300),
        ("kappa", 0),
        ("immunityPeriod", 216_001),
        ("activityCutoff", 0),
        ("bondsMovingAverage", 975_001),
        ("alphaHigh", 1000),
        ("alphaLow", 0),
        ("alphaLow", 65000),
        ("commitRevealPeriod", 0),
        ("minBurn", 0),
        ("minBurn", 10**9),
        ("maxBurn", 10**8),
        ("minAllowedWeights", 257),
        ("servingRateLimit", 216_001),
        ("weightsRateLimit", 216_001),
    ],
)
def test_RevertWhen_hyperparameter_out_of_bounds(w3, client, accounts, send, name, value):
    netuid, _, _ = register_subnet(client, accounts[1])
    with pytest.raises(ContractRevert) as exc:
        set_hyperparameters(client, send, netuid, accounts[1], **{name: value})
    assert exc.value.name == "SubnetHyperparameterOutOfBounds"
    assert list(revert_args(exc)) == [name, value]


def test_RevertWhen_max_uids_below_neuron_count(w3, client, accounts, send):
    try:
        from .core_helpers import register_neuron
    except ImportError:
        from core_helpers import register_neuron
    netuid, _, _ = register_subnet(client, accounts[1])
    register_neuron(client, netuid, accounts[2])
    register_neuron(client, netuid, accounts[2])
    with pytest.raises(ContractRevert) as exc:
        set_hyperparameters(client, send, netuid, accounts[1], maxUids=2, maxValidators=1, minAllowedWeights=1)
    assert list(revert_args(exc)) == ["maxUids", 2]
    set_hyperparameters(client, send, netuid, accounts[1], maxUids=3, maxValidators=1, minAllowedWeights=1)

