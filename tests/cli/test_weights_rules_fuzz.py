"""The pre-send check against the contract on random rows: for every drawn message, the error
``weights_rules.check_row`` predicts is the one the Weights contract's own ``checkWeights`` view
returns at the same block (none when it accepts), so a rule that drifts from the contract fails here.

The subnet (its own deployment, maxWeightLimit 40000) has an owner UID 0 that already set a row
(rate limited now, nonce 1), a validator with a permit (UID 1), a UID without one (UID 2) and an
unregistered key; the version key required is 1 and at least 2 weights are needed. Draws favour
messages that pass the early gates, so the row's own rules are reached.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contracts.core_helpers import (
    deploy_with, protocol_address, register_neuron, register_subnet, send_as, set_hyperparameters,
)
from evmtensor.chain.weights import SignedWeights, WeightsRow, set_weights, sign_weights
from evmtensor.cli.weights_rules import check_row
from fuzz import examples


@pytest.fixture
def world(w3, accounts):
    client = deploy_with(w3, accounts, {"Weights": {"maxWeightLimit": 40000}})
    netuid, owner_hotkey, _ = register_subnet(client, accounts[1])
    validator = register_neuron(client, netuid, accounts[2])[1]
    no_permit = register_neuron(client, netuid, accounts[3])[1]
    for _ in range(2):
        register_neuron(client, netuid, accounts[3])
    records = [(0, 0, 0, uid == 1) for uid in range(5)]
    send_as(client, protocol_address(client, "settlement"),
            client.contract("NeuronRegistry").functions.recordEpoch(netuid, w3.eth.block_number, 0, records))
    set_hyperparameters(client, client.send, netuid, accounts[1], weightsVersionKey=1, minAllowedWeights=2,
                        weightsRateLimit=3)
    row = WeightsRow(netuid, (1, 2), (1, 1), 1, 1, w3.eth.block_number + 10)
    set_weights(client, sign_weights(owner_hotkey, client.deployment.address("Weights"), client.deployment.chain_id,
                                     row), accounts[5])
    return client, netuid, [owner_hotkey, validator, no_permit, Account.create()]


# n = 5: UID 5 is out of range. Mostly well-ordered rows, so the later rules are reached too.
_uids = st.one_of(st.sets(st.integers(0, 4), min_size=2, max_size=4).map(sorted), st.lists(st.integers(0, 5), max_size=5))
_values = st.lists(st.integers(0, 65535), max_size=5)


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from([1, 1, 1, 1, 0, 2, 3]), uids=_uids, values=_values, same_length=st.sampled_from([True] * 5 + [False]),
       version_key=st.sampled_from([1, 2, 0]), nonce=st.sampled_from([2, 2, 2, 3, 1, 0]), deadline=st.sampled_from([50, 50, 50, 0, -1]),
       forged=st.sampled_from([False] * 6 + [True]), netuid_shift=st.sampled_from([0] * 9 + [9]))
def test_the_check_predicts_what_the_contract_says(world, w3, who, uids, values, same_length, version_key, nonce,
                                                   deadline, forged, netuid_shift):
    client, netuid, keys = world
    if same_length:
        values = (values + [1] * len(uids))[:len(uids)]
    row = WeightsRow(netuid + netuid_shift, tuple(uids), tuple(values), version_key, nonce,
                     max(0, w3.eth.block_number + 1 + deadline))
    contract, chain_id = client.deployment.address("Weights"), client.deployment.chain_id
    signed = sign_weights(keys[who], contract, chain_id, row)
    if forged:
        signed = SignedWeights(signed.hotkey, row, sign_weights(keys[(who + 1) % 4], contract, chain_id, row).signature)
    verdict = check_row(client, signed)
    event(str(verdict.reverts_with))
    assert verdict.reverts_with == (verdict.chain_reason or None), verdict.as_json()
