"""Weights commit-reveal: a signed commit of a hash, its reveal in exactly the reveal epoch, expiry.

Epoch index by hand: (block + netuid + 1) // (tempo + 1), subtensor's legacy schedule.
"""

from __future__ import annotations

import os

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3.logs import DISCARD

from chain_asserts import expect_revert
from evmtensor.chain.weights import (
    CommitMessage, Reveal, commit_weights, reveal_weights, sign_commit, submit_commits, submit_reveals,
)

try:
    from .test_weights import Net, packed_hash
except ImportError:
    from test_weights import Net, packed_hash

TEMPO = 10


@pytest.fixture
def net(w3, client, accounts):
    n = Net(w3, client, accounts)
    n.hp(commitRevealEnabled=True, commitRevealPeriod=1, tempo=TEMPO, weightsRateLimit=2)
    return n


def epoch(net, block: int) -> int:
    return (block + net.netuid + 1) // (TEMPO + 1)


def first_block_of_epoch(net, e: int) -> int:
    return e * (TEMPO + 1) - net.netuid - 1


def independent_commit_hash(hotkey, netuid, uids, values, version_key, salt) -> bytes:
    pack = lambda xs: b"".join(x.to_bytes(2, "big") for x in xs)  # noqa: E731
    return keccak(abi_encode(["address", "uint16", "bytes32", "bytes32", "uint64", "bytes32"],
                             [hotkey, netuid, keccak(pack(uids)), keccak(pack(values)), version_key, salt]))


def make_reveal(net, hotkey, uids=(1, 4, 5), values=(10, 20, 30), salt=None) -> Reveal:
    return Reveal(hotkey.address, net.netuid, tuple(uids), tuple(values), 0, salt or os.urandom(32))


def commit(net, hotkey, reveal: Reveal, nonce=1):
    msg = CommitMessage(net.netuid, reveal.commit_hash, nonce, net.next_block() + 50)
    return commit_weights(net.client, sign_commit(hotkey, net.contract.address, net.chain_id, msg), net.accounts[5])


def mine_to(net, block: int) -> None:
    net.mine(block - net.next_block())
    assert net.next_block() == block


def test_commit_hash_matches_an_independent_encoding(net):
    v = net.validators[0]
    r = make_reveal(net, v)
    expected = independent_commit_hash(v.address, net.netuid, r.uids, r.values, 0, r.salt)
    assert r.commit_hash == expected
    assert net.contract.functions.commitHashOf(*r.as_tuple()).call() == expected


def test_commit_then_reveal_in_the_reveal_epoch(net):
    v = net.validators[0]
    r = make_reveal(net, v)
    mine_to(net, first_block_of_epoch(net, epoch(net, net.next_block()) + 1))  # commit at an epoch's start
    receipt = commit(net, v, r, nonce=7)
    e = epoch(net, receipt.blockNumber)
    (ev,) = net.contract.events.WeightsCommitted().process_receipt(receipt, errors=DISCARD)
    assert (ev.args.hotkey, ev.args.nonce, ev.args.commitHash, ev.args.revealEpoch) == (v.address, 7, r.commit_hash, e + 1)
    state = net.state(v)
    assert (state["commitHash"], state["commitBlock"], state["revealed"], state["rowHash"]) == (
        r.commit_hash, receipt.blockNumber, False, b"\x00" * 32)

    with expect_revert("WeightsRevealTooEarly", e + 1, e):  # the very next block
        reveal_weights(net.client, r, net.accounts[5])
    mine_to(net, first_block_of_epoch(net, e + 1) - 1)  # last block of the commit's epoch
    with expect_revert("WeightsRevealTooEarly", e + 1, e):
        reveal_weights(net.client, r, net.accounts[5])
    net.mine(1)  # first block of the reveal epoch
    done = reveal_weights(net.client, r, net.accounts[5])
    (row,) = net.contract.events.WeightsSet().process_receipt(done, errors=DISCARD)
    assert (row.args.uid, row.args.nonce, row.args.uids, row.args.values) == (
        1, 7, bytes.fromhex("000100040005"), bytes.fromhex("000a0014001e"))
    state = net.state(v)
    assert (state["rowHash"], state["rowBlock"], state["revealed"]) == (
        packed_hash(r.uids, r.values), done.blockNumber, True)
    again = reveal_weights(net.client, r, net.accounts[5])  # replayed reveal: a no-op
    assert net.contract.events.WeightsSet().process_receipt(again, errors=DISCARD) == ()


def test_unrevealed_commit_expires(net):
    v = net.validators[0]
    r = make_reveal(net, v)
    e = epoch(net, commit(net, v, r).blockNumber)
    mine_to(net, first_block_of_epoch(net, e + 2) - 1)  # last block of the reveal epoch: still fine
    assert net.contract.functions.checkReveal(r.as_tuple()).call() == b""
    net.mine(1)
    with expect_revert("WeightsCommitExpired", e + 1, e + 2):
        reveal_weights(net.client, r, net.accounts[5])
    assert net.state(v)["rowHash"] == b"\x00" * 32


def test_reveal_must_match_the_commit(net):
    v = net.validators[0]
    r = make_reveal(net, v)
    commit(net, v, r)
    altered = Reveal(r.hotkey, r.netuid, r.uids, (10, 20, 31), 0, r.salt)
    with expect_revert("WeightsRevealMismatch", r.commit_hash, altered.commit_hash):
        reveal_weights(net.client, altered, net.accounts[5])
    other = net.validators[1]  # someone else's reveal of the same row: bound to the committer
    with expect_revert("WeightsNoPendingCommit", net.netuid, other.address):
        reveal_weights(net.client, Reveal(other.address, r.netuid, r.uids, r.values, 0, r.salt), net.accounts[5])


def test_reveal_runs_the_row_checks(net):
    v2 = net.validators[2]  # no permit
    r = make_reveal(net, v2)
    e = epoch(net, commit(net, v2, r).blockNumber)
    mine_to(net, first_block_of_epoch(net, e + 1))
    with expect_revert("WeightsNoValidatorPermit", net.netuid, v2.address, 3):
        reveal_weights(net.client, r, net.accounts[5])


def test_commit_rate_limit_and_modes(net):
    v = net.validators[0]
    first = commit(net, v, make_reveal(net, v), nonce=1).blockNumber
    with expect_revert("WeightsRateLimited", net.netuid, v.address, first, first + 2):
        commit(net, v, make_reveal(net, v), nonce=2)
    net.hp(commitRevealEnabled=False)
    with expect_revert("WeightsCommitRevealDisabled", net.netuid):
        commit(net, v, make_reveal(net, v), nonce=3)
    with expect_revert("WeightsCommitRevealDisabled", net.netuid):
        reveal_weights(net.client, make_reveal(net, v), net.accounts[5])


def test_batches_of_commits_and_reveals(net):
    v0, v1 = net.validators[:2]
    r0, r1 = make_reveal(net, v0), make_reveal(net, v1, uids=(0, 5), values=(1, 2))
    deadline = net.next_block() + 50
    signed = [sign_commit(h, net.contract.address, net.chain_id, CommitMessage(net.netuid, r.commit_hash, 1, deadline))
              for h, r in ((v0, r0), (v1, r1))]
    receipt = submit_commits(net.client, signed + signed[:1], net.accounts[5])  # one replayed: skipped
    assert len(net.contract.events.WeightsCommitted().process_receipt(receipt, errors=DISCARD)) == 2
    mine_to(net, first_block_of_epoch(net, epoch(net, receipt.blockNumber) + 1))
    bad = Reveal(r1.hotkey, r1.netuid, r1.uids, r1.values, 0, b"\x01" * 32)
    done = submit_reveals(net.client, [r0, bad, r1], net.accounts[5])
    assert [e.args.hotkey for e in net.contract.events.WeightsSet().process_receipt(done, errors=DISCARD)] == [
        v0.address, v1.address]
    (rejected,) = net.contract.events.WeightsRejected().process_receipt(done, errors=DISCARD)
    assert rejected.args.hotkey == v1.address and rejected.args.reason[:4] == keccak(
        b"WeightsRevealMismatch(bytes32,bytes32)")[:4]
