"""`evmtensor subnet ...` and `evmtensor metagraph` against the real contracts: the lock cost
shown is the one paid, hyperparameter bounds agree with the contract at every edge, only the
owner may set, and unknown subnets are named."""

from __future__ import annotations

import pytest
from eth_account import Account

from evmtensor.chain import actions
from evmtensor.chain.subnets import OutOfBounds, check_hyperparameters, hyperparameter_bounds
from evmtensor.chain.views import Record
from evmtensor.errors import ContractRevert


def test_create_shows_and_pays_the_lock_cost(run, alice, client, accounts):
    cost = client.view("SubnetRegistry", "lockCost")
    table = run("subnet", "create", "--wallet-name", "alice", input="n\n")
    assert table.exit_code == 1 and "Aborted" in table.stderr
    assert client.view("SubnetRegistry", "subnetCount") == 0
    assert f"Lock {cost / 10**9:g} TAO" in table.stderr.replace(",", "")
    before = client.call(client.contract("TaoToken").functions.balanceOf(accounts[0].address))
    out = run.json("subnet", "create", "--wallet-name", "alice", "--yes")
    assert out["lock_paid_rao"] == cost and out["netuid"] == 1
    after = client.call(client.contract("TaoToken").functions.balanceOf(accounts[0].address))
    assert before - after == cost
    (listed,) = run.json("subnet", "list")
    assert listed["netuid"] == 1 and listed["owner_coldkey"] == accounts[0].address
    assert listed["owner_hotkey"] == alice.hotkey_address() and listed["n"] == 1
    assert listed["spot_price"] == 10**18  # a new pool starts at price 1.0


def test_create_with_a_max_lock_below_the_cost_reverts(run, alice, client):
    cost = client.view("SubnetRegistry", "lockCost")
    err = run.fails("subnet", "create", "--wallet-name", "alice", "--max-lock", "0.5", "--yes")
    assert f"SubnetLockAboveLimit({cost}, 500000000)" in err and "lock cost rose above your limit" in err


def test_create_without_the_tao_is_refused_by_name(run, bob, client):
    cost = client.view("SubnetRegistry", "lockCost")
    err = run.fails("subnet", "create", "--wallet-name", "bob", "--yes")
    assert f"SubnetLockNotCovered(0, {cost})" in err and "does not cover the subnet lock cost" in err


def test_show_and_hyperparameters_read_the_chain(run, netuid, client, alice):
    shown = run.json("subnet", "show", netuid)
    view = client.view("MetagraphViews", "subnet", netuid)
    assert shown["owner_hotkey"] == alice.hotkey_address() and shown["burn_rao"] == view["burn"]
    assert [n["hotkey"] for n in shown["neurons"]] == [alice.hotkey_address()]
    hp = run.json("subnet", "hyperparameters", netuid)
    chain = client.view("SubnetRegistry", "hyperparameters", netuid)
    assert {k: v["value"] for k, v in hp.items()} == dict(chain)
    params = client.view("SubnetRegistry", "params")
    assert (hp["tempo"]["min"], hp["tempo"]["max"]) == (params["minTempo"], params["maxTempo"])
    assert hp["maxValidators"]["max"] == min(chain["maxUids"], 64)  # HyperparameterBounds.MAX_VALIDATORS
    for command in (["subnet", "show", netuid], ["subnet", "hyperparameters", netuid], ["subnet", "list"]):
        result = run(*command)
        assert result.exit_code == 0 and "tempo" in result.stdout


def test_set_changes_only_what_was_asked(run, netuid, client):
    before = client.view("SubnetRegistry", "hyperparameters", netuid)
    out = run.json("subnet", "set", netuid, "tempo=123", "max_validators=7", "commitRevealEnabled=true",
                   "--wallet-name", "alice", "--yes")
    assert out["changed"] == {"tempo": 123, "maxValidators": 7, "commitRevealEnabled": True}
    after = client.view("SubnetRegistry", "hyperparameters", netuid)
    assert dict(after) == {**before, "tempo": 123, "maxValidators": 7, "commitRevealEnabled": True}


def test_set_out_of_bounds_is_refused_before_sending(run, netuid, client, w3):
    params = client.view("SubnetRegistry", "params")
    block = w3.eth.block_number
    err = run.fails("subnet", "set", netuid, f"tempo={params['maxTempo'] + 1}", "--wallet-name", "alice", "--yes")
    assert (f"SubnetHyperparameterOutOfBounds('tempo', {params['maxTempo'] + 1}): tempo must be between "
            f"{params['minTempo']} and {params['maxTempo']}") in err
    assert w3.eth.block_number == block  # nothing was mined


@pytest.mark.parametrize("bad, message", [
    (["tempo"], "write NAME=VALUE"),
    (["speed=3"], "unknown hyperparameter 'speed'"),
    (["tempo=fast"], "expected a whole number"),
    (["yuma3=maybe"], "expected true or false"),
])
def test_set_rejects_malformed_changes(run, netuid, bad, message):
    result = run("subnet", "set", netuid, *bad, "--wallet-name", "alice", "--yes")
    assert result.exit_code in (1, 2) and message in result.stderr


def test_only_the_owner_may_set(run, netuid, bob):
    err = run.fails("subnet", "set", netuid, "tempo=100", "--wallet-name", "bob", "--yes")
    assert f"SubnetNotOwner({netuid}, '{bob.coldkey_address()}')" in err and "only the subnet's owner" in err


def test_unknown_netuid_is_named(run, alice, anvil):
    for command in (["subnet", "show", 42], ["subnet", "hyperparameters", 42], ["metagraph", 42],
                    ["subnet", "set", 42, "tempo=100", "--wallet-name", "alice", "--yes"]):
        err = run.fails(*command)
        assert "there is no subnet 42 on this chain" in err


# The Python mirror of HyperparameterBounds must agree with the contract at each edge: the
# bound itself is accepted and one past it refused with the same name (the owner simulates).
EDGES = ["tempo", "maxUids", "maxValidators", "immunityPeriod", "minAllowedWeights", "weightsRateLimit",
         "activityCutoff", "kappa", "bondsMovingAverage", "alphaHigh", "alphaLow", "commitRevealPeriod",
         "maxBurn", "minBurn", "servingRateLimit"]


@pytest.mark.parametrize("field", EDGES)
def test_bounds_mirror_matches_the_contract(client, netuid, accounts, field):
    registry = client.contract("SubnetRegistry")
    params = client.view("SubnetRegistry", "params")
    base = dict(client.view("SubnetRegistry", "hyperparameters", netuid))
    if field == "maxUids":  # let maxUids go down to its own floor
        base.update(maxValidators=1, minAllowedWeights=0)
    n = int(client.view("MetagraphViews", "subnet", netuid)["n"])
    bound = hyperparameter_bounds(params, Record(base), n)[field]
    fields = [f["name"] for f in registry.get_function_by_name("setHyperparameters").abi["inputs"][1]["components"]]

    def contract_refusal(value: int):
        hp = {**base, field: value}
        try:
            client.call(registry.functions.setHyperparameters(netuid, tuple(hp[f] for f in fields)),
                        sender=accounts[0].address)
            return None
        except ContractRevert as exc:
            assert exc.name == "SubnetHyperparameterOutOfBounds"
            return exc.args_decoded

    def mirror_refusal(value: int):
        try:
            check_hyperparameters(params, Record({**base, field: value}), n)
            return None
        except OutOfBounds as exc:
            return (exc.name, exc.value)

    edges = [bound.low, bound.high, bound.low - 1, bound.high + 1]
    for value in edges:
        if value < 0 or value >= 2 ** (64 if bound.high > 2**16 else 16):
            continue  # not representable in the field's type
        expected = None if bound.low <= value <= bound.high else (field, value)
        assert mirror_refusal(value) == contract_refusal(value) == expected, value


def test_max_uids_may_not_drop_below_the_neurons_registered(client, netuid, run, accounts):
    for _ in range(2):
        actions.register_neuron(client, netuid, accounts[0], Account.create())
    if client.view("SubnetRegistry", "params")["minAllowedUids"] > 2:
        pytest.skip("the profile's lowest maxUids is above the count registered here")
    err = run.fails("subnet", "set", netuid, "maxUids=2", "--wallet-name", "alice", "--yes")
    assert "SubnetHyperparameterOutOfBounds('maxUids', 2): maxUids must be between 3 and 512" in err
