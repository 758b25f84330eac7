"""The validator-side epoch job and the quorum collector on Anvil: boundaries watched, epochs
opened, results computed, signed and collected until a quorum settles them (by hand and on
apscheduler)."""

from __future__ import annotations

import time

import pytest

from contracts.core_helpers import events
from epoch_net import EpochNet
from oracle.epoch import find_opened
from oracle.epoch.job import EpochJob, QuorumCollector, schedule


@pytest.fixture
def net(w3, client, accounts):
    return EpochNet(w3, client, accounts)


def _jobs(net, collector):
    return [EpochJob(net.client, net.netuid, hk, net.accounts[2 + i], collector) for i, hk in enumerate(net.validators)]


def test_jobs_open_attest_and_settle_once_quorum_is_in(net):
    collector = QuorumCollector(net.client, net.relay)
    v1, v2, v3 = _jobs(net, collector)
    assert v3.tick() is not None and not collector.settled  # opened the epoch, 0.4 of the stake alone
    assert v3.tick() is None  # attests an epoch once
    v2.tick()
    assert not collector.settled  # v2 + v3 hold less than 2/3
    v1.tick()
    (receipt,) = collector.settled
    (ev,) = events(net.settlement.events.EpochSettled, receipt)
    assert ev.args.epoch == v1.signed_epoch == v2.signed_epoch
    assert v1.tick() is None  # settled: nothing to do until the next boundary
    # A paid epoch through the same jobs.
    for i in range(3):
        net.set_weights(i, [4, 5], [100, 50 + 40 * i])
    net.mine_to_next_epoch()
    for job in (v1, v2):
        job.tick()
    (_, second) = collector.settled
    (ev,) = events(net.settlement.events.EpochSettled, second)
    assert ev.args.minerAlpha > 0 and ev.args.validatorAlpha > 0


def test_collector_refuses_an_attestation_not_signed_by_the_uid(net):
    collector = QuorumCollector(net.client, net.relay)
    snap = net.open()
    result, _, _ = net.result(snap)
    forged = net.attest(result, (2,))[0]
    forged = type(forged)(1, forged.hotkey, forged.signature)  # v3's signature claimed for UID 1
    with pytest.raises(ValueError, match="not that UID's hotkey"):
        collector(result, snap, forged)


def test_scheduled_jobs_settle_the_epoch(net):
    collector = QuorumCollector(net.client, net.relay)
    scheduler = schedule(_jobs(net, collector), interval_seconds=0.5)
    try:
        deadline = time.monotonic() + 90
        while not collector.settled and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        scheduler.shutdown(wait=True)
    assert len(collector.settled) == 1
    assert net.client.view("EpochSettlement", "epochState", net.netuid)["settled"]


def test_a_post_that_failed_is_retried_on_the_next_tick(net):
    collector = QuorumCollector(net.client, net.relay)
    calls = []

    def flaky(result, snap, att):  # the relay is down once, then up
        calls.append(att.uid)
        if len(calls) == 1:
            raise ConnectionError("relay unreachable")
        return collector(result, snap, att)

    job = EpochJob(net.client, net.netuid, net.validators[0], net.accounts[2], flaky)
    with pytest.raises(ConnectionError):
        job.tick()
    assert job.signed_epoch is None
    assert job.tick() is not None and calls == [1, 1]
    assert job.tick() is None and calls == [1, 1]  # posted: once per epoch from now on


def test_an_unsettled_epochs_attestation_is_posted_again_after_a_while(net):
    """A relay that lost the attestation (its store restored by `devnet revert`) gets the same one
    again every repost_after_s while the epoch stays unsettled; never once it settled."""
    now = [0.0]
    posts = []
    job = EpochJob(net.client, net.netuid, net.validators[0], net.accounts[2],
                   lambda result, snap, att: posts.append((result, att)), repost_after_s=30, clock=lambda: now[0])
    first = job.tick()
    assert first is not None and len(posts) == 1
    now[0] = 29.0
    assert job.tick() is None and len(posts) == 1
    now[0] = 30.0
    assert job.tick() == first and posts[1] == posts[0]  # the very same signed bytes
    snap = find_opened(net.client, net.netuid)
    result = posts[0][0]
    net.settle(result, snap, net.attest(result, (0, 1)))
    now[0] = 100.0
    assert job.tick() is None and len(posts) == 2
