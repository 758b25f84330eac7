"""What EpochSettlement refuses, by name and arguments: an altered result, a minority, a replay,
an inflated signer stake, a stale or early epoch, a non-validator signer, bad bonds, bad params."""

from __future__ import annotations

import dataclasses

import pytest
from eth_utils import keccak

from chain_asserts import ANY, expect_revert
from contracts.core_helpers import deploy_with
from epoch_net import EpochNet
from evmtensor.chain.actions import set_hyperparameters
from evmtensor.chain.weights import pack_u16
from oracle.epoch import open_epoch, sign_result


@pytest.fixture
def net(w3, client, accounts):
    return EpochNet(w3, client, accounts)


@pytest.fixture
def opened(net):
    snap = net.open()
    result, _, _ = net.result(snap)
    return net, snap, result


def _stakes(snap):
    return {m.uid: m.stake for m in snap.neurons}


def test_RevertWhen_relay_alters_the_signed_result(opened):
    net, snap, result = opened
    atts = net.attest(result)
    altered = dataclasses.replace(result, incentive=(0, 0, 0, 0, 65535, 0))
    with expect_revert("SettlementInvalidSignature", 1, net.validators[0].address, ANY):
        net.settle(altered, snap, atts)


def test_RevertWhen_signers_below_quorum(opened):
    net, snap, result = opened
    stakes = _stakes(snap)
    total = stakes[1] + stakes[2] + stakes[3]
    assert snap.validator_stake == total
    required = -(-total * 43690 // 65535)
    assert stakes[1] < required  # validator 1 alone (the largest) is a minority
    with expect_revert("SettlementQuorumNotReached", stakes[1], required, total):
        net.settle(result, snap, net.attest(result, (0,)))
    with expect_revert("SettlementQuorumNotReached", stakes[2] + stakes[3], required, total):
        net.settle(result, snap, net.attest(result, (1, 2)))
    net.settle(result, snap, net.attest(result, (0, 1)))  # the two largest are a quorum


def test_RevertWhen_settlement_replayed(opened):
    net, snap, result = opened
    atts = net.attest(result)
    net.settle(result, snap, atts)
    with expect_revert("SettlementAlreadySettled", net.netuid, snap.epoch):
        net.settle(result, snap, atts, gas=3_000_000)


def test_RevertWhen_submitter_inflates_a_signer_stake(opened):
    net, snap, result = opened
    forged = bytearray(snap.snapshot)
    forged[1 * 49 + 40:1 * 49 + 48] = (10**18).to_bytes(8, "big")  # validator 1 "holds" everything
    fake = dataclasses.replace(snap, snapshot=bytes(forged))
    with expect_revert("SettlementSnapshotMismatch", snap.snapshot_hash, keccak(bytes(forged))):
        net.settle(result, fake, net.attest(result, (0,)))


def test_RevertWhen_signer_is_not_a_validator_or_signers_repeat(opened):
    net, snap, result = opened
    miner = sign_result(net.client, net.miners[0], 4, result)
    with expect_revert("SettlementNotValidator", 4, 0, snap.validator_threshold):
        net.settle(result, snap, [*net.attest(result, (0,)), miner])
    twice = net.attest(result, (0,)) * 2
    with expect_revert("SettlementBadSigner", 1, 1, 6):
        net.settle(result, snap, twice)
    # A signature by someone else for validator 1's UID.
    impostor = dataclasses.replace(sign_result(net.client, net.miners[0], 1, result), uid=1)
    with expect_revert("SettlementInvalidSignature", 1, net.validators[0].address, net.miners[0].address):
        net.settle(result, snap, [impostor, *net.attest(result, (1,))])


def test_RevertWhen_result_is_for_another_epoch_or_malformed(opened):
    net, snap, result = opened
    stale = dataclasses.replace(result, epoch=result.epoch - 1)
    with expect_revert("SettlementEpochMismatch", net.netuid, stale.epoch, snap.snapshot_block, snap.epoch,
                       snap.snapshot_block):
        net.settle(stale, snap, net.attest(stale))
    short = dataclasses.replace(result, incentive=result.incentive[:5])
    with expect_revert("SettlementMalformedResult", "incentive", 10, 12):
        net.settle(short, snap, net.attest(short))
    # The relay swaps the bonds bytes: they no longer hash to what the validators signed.
    atts = net.attest(result)
    other = dataclasses.replace(result, bonds=result.bonds + b"\x00\x00")
    fn = net.settlement.functions.settle(result.as_tuple(), snap.snapshot, other.bonds,
                                         [(a.uid, a.signature) for a in atts])
    with expect_revert("SettlementBondsMismatch", result.bonds_hash, keccak(other.bonds)):
        net.client.send(fn, net.relay)


def test_RevertWhen_epoch_opened_before_its_boundary(net):
    snap = net.open()
    t = net.tempo() + 1
    nxt = (snap.epoch + 1) * t - net.netuid - 1
    with expect_revert("SettlementEpochNotDue", net.netuid, snap.epoch, nxt):
        open_epoch(net.client, net.netuid, net.relay)
    net.mine(nxt - (net.w3.eth.block_number + 1))
    assert open_epoch(net.client, net.netuid, net.relay).epoch == snap.epoch + 1


def test_abandoned_epoch_cannot_be_settled_and_its_emission_carries(net):
    first = net.open()
    r1, _, _ = net.result(first)
    atts = net.attest(r1)
    second = net.open()
    with expect_revert("SettlementEpochMismatch", net.netuid, first.epoch, first.snapshot_block, second.epoch,
                       second.snapshot_block):
        net.settle(r1, first, atts)
    assert second.pending_alpha > first.pending_alpha  # nothing drained: all of it still pending


def test_RevertWhen_open_epoch_on_unknown_subnet(net):
    with expect_revert("SettlementSubnetNotFound", 999):
        open_epoch(net.client, 999, net.relay)


@pytest.mark.parametrize("quorum", [0, 32767])
def test_RevertWhen_quorum_is_half_or_less(w3, accounts, quorum):
    from web3.exceptions import ContractCustomError

    from evmtensor.chain.errors import decode_revert
    from evmtensor.devtools.compiler import compile_contracts

    abis = [art["abi"] for art in compile_contracts().values()]
    with expect_revert("SettlementInvalidParam", "quorum", quorum):
        try:
            deploy_with(w3, accounts, {"EpochSettlement": {"quorum": quorum}})
        except ContractCustomError as exc:  # a constructor's revert comes back undecoded
            raise decode_revert(exc.data, abis) from exc


def test_result_message_matches_the_contract_digest(opened):
    net, snap, result = opened
    from evmtensor.chain.typed_data import typed_digest

    digest = typed_digest("EpochResult", net.client.deployment.chain_id, net.settlement.address, result.message())
    assert bytes(net.settlement.functions.resultDigest(result.as_tuple()).call()) == digest
    assert result.message()["incentive"] == pack_u16(result.incentive)


# ------------------------------------------------------------------ who votes


def _settle_bootstrap(net):
    """The first epoch: nobody could set weights yet (no permits), so every member votes."""
    snap = net.open()
    assert [m.voter for m in snap.neurons] == [False, True, True, True, False, False]
    assert snap.validator_stake == sum(m.stake for m in snap.neurons if m.voter)
    result, _, _ = net.result(snap)
    net.settle(result, snap, net.attest(result, (0, 1)))


def _blocks_to_next_open(net) -> int:
    """The block the next openEpoch lands in (with room for a few transactions before it)."""
    state = net.client.view("EpochSettlement", "epochState", net.netuid)
    t = net.tempo() + 1
    first = (state["epoch"] + 1) * t - net.netuid - 1
    while first - net.w3.eth.block_number < 6:
        first += t
    return first


def _open_at(net, block):
    net.mine(block - (net.w3.eth.block_number + 1))
    snap = open_epoch(net.client, net.netuid, net.relay)
    assert snap.snapshot_block == block
    return snap


def test_an_idle_member_of_the_validator_set_neither_votes_nor_stalls_the_quorum(net):
    """Validator 3 (UID 3) stakes but never sets weights, like a miner or owner hotkey that was
    paid stake: it is in the validator set, yet the quorum is two thirds of the active stake
    only, so UIDs 1 and 2 settle without it, and its own attestation is refused."""
    _settle_bootstrap(net)
    net.set_weights(0, [4, 5], [100, 50])
    net.set_weights(1, [4, 5], [10, 100])
    snap = net.open()
    stakes = _stakes(snap)
    assert [m.voter for m in snap.neurons] == [False, True, True, False, False, False]
    assert snap.neurons[3].stake >= snap.validator_threshold  # a member, just idle
    assert snap.validator_stake == stakes[1] + stakes[2]
    result, _, _ = net.result(snap)
    idle = sign_result(net.client, net.validators[2], 3, result)
    with expect_revert("SettlementNotVoter", 3):
        net.settle(result, snap, [*net.attest(result, (0, 1)), idle])
    required = -(-(stakes[1] + stakes[2]) * 43690 // 65535)
    with expect_revert("SettlementQuorumNotReached", stakes[2], required, stakes[1] + stakes[2]):
        net.settle(result, snap, net.attest(result, (1,)))
    net.settle(result, snap, net.attest(result, (0, 1)))


def test_activity_is_counted_as_yuma_counts_it_at_the_snapshot_block(net):
    """Active when rowBlock + activityCutoff >= snapshot block: a row exactly the cutoff old votes,
    one a block older does not."""
    _settle_bootstrap(net)
    opens_at = _blocks_to_next_open(net)
    net.set_weights(1, [4, 5], [10, 100])  # UID 2, one block before UID 1
    net.set_weights(0, [4, 5], [100, 50])
    row_block = net.w3.eth.block_number
    hp = net.client.view("SubnetRegistry", "hyperparameters", net.netuid)
    set_hyperparameters(net.client, net.owner, net.netuid, {**hp, "activityCutoff": opens_at - row_block})
    snap = _open_at(net, opens_at)
    assert (snap.neurons[1].row_block, snap.neurons[2].row_block) == (row_block, row_block - 1)
    assert [m.voter for m in snap.neurons] == [False, True, False, False, False, False]
    assert snap.validator_stake == snap.neurons[1].stake
    result, _, _ = net.result(snap)
    with expect_revert("SettlementNotVoter", 2):
        net.settle(result, snap, net.attest(result, (0, 1)))
    net.settle(result, snap, net.attest(result, (0,)))  # the one voter holds the whole quorum
