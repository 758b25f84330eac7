"""Commit-reveal weights in the epoch inputs builder, on Anvil: a revealed row is the validator's
weights (read back from its WeightsSet, max-upscaled); a commit never revealed expires (its
reveal is refused after the window) and contributes no weights."""

from __future__ import annotations

import pytest

from contracts.core_helpers import set_hyperparameters
from epoch_net import EpochNet
from evmtensor.chain import weights as W
from oracle.epoch import build_epoch_inputs, find_opened
from oracle.yuma import max_upscale_u16


@pytest.fixture
def net(w3, client, accounts):
    return EpochNet(w3, client, accounts)


def _commit(net, v: int, uids, values, salt: bytes) -> W.Reveal:
    hotkey = net.validators[v]
    net.nonce += 1
    h = W.commit_hash(hotkey.address, net.netuid, uids, values, 0, salt)
    msg = W.CommitMessage(net.netuid, h, net.nonce, net.w3.eth.block_number + 100)
    W.commit_weights(net.client, W.sign_commit(hotkey, net.client.contract("Weights").address,
                                               net.client.deployment.chain_id, msg), net.relay)
    return W.Reveal(hotkey.address, net.netuid, tuple(uids), tuple(values), 0, salt)


def test_revealed_weights_count_and_unrevealed_commits_expire(net):
    set_hyperparameters(net.client, net.client.send, net.netuid, net.owner, commitRevealEnabled=True,
                        commitRevealPeriod=1)
    first = net.open()
    r1, _, _ = net.result(first)
    net.settle(r1, first, net.attest(r1))  # permits
    revealed = _commit(net, 0, (4, 5), (300, 100), b"\x01" * 32)
    forgotten = _commit(net, 1, (4, 5), (10, 900), b"\x02" * 32)
    weights = net.client.contract("Weights")
    assert revealed.commit_hash == net.client.view("Weights", "weightsState", net.netuid,
                                                                  revealed.hotkey)["commitHash"]
    net.mine_to_next_epoch()  # the reveal window: the epoch after the commit's
    W.reveal_weights(net.client, revealed, net.relay)
    net.mine(net.tempo() + 1)  # one more epoch: the other commit's window has closed
    reason = net.client.decode_revert(weights.functions.checkReveal(forgotten.as_tuple()).call())
    assert reason.name == "WeightsCommitExpired"

    snap = net.open()
    assert snap.epoch == first.epoch + 2
    inputs = build_epoch_inputs(net.client, find_opened(net.client, net.netuid))
    dense = inputs.weights.to_dense().tolist()
    expected = max_upscale_u16([300, 100])
    assert (dense[1][4], dense[1][5]) == (int(expected[0]), int(expected[1]))  # uid 1 = validator 0
    assert dense[2] == [0] * snap.n and inputs.last_update[2] == 0  # the expired commit: no row
    assert inputs.last_update[1] == snap.neurons[1].row_block > first.snapshot_block
