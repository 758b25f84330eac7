"""``evmtensor yuma explain NETUID --epoch K --uid U`` over an epoch settled on Anvil in the test:
the rebuilt result must hash to the digest ``EpochSettled`` recorded, and the UID's figures must
be what the chain stored for it when the epoch was paid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from epoch.epoch_net import EpochNet


@pytest.fixture
def settled(w3, client, accounts):
    """Two settled epochs (the second with weights) and a third opened but not settled."""
    net = EpochNet(w3, client, accounts)
    first = net.open()
    r1, _, _ = net.result(first)
    net.settle(r1, first, net.attest(r1))
    net.set_weights(0, [4, 5], [100, 50])
    net.set_weights(1, [4, 5], [100, 50])
    net.set_weights(2, [4, 5], [10, 100])
    snap = net.open()
    result, _, _ = net.result(snap)
    net.settle(result, snap, net.attest(result, (0, 1)))
    stored = client.view("NeuronRegistry", "neurons", net.netuid, 0, 6)
    unsettled = net.open()
    return net, snap, result, stored, unsettled


def test_explain_a_settled_epoch_from_the_chain(settled, run):
    net, snap, result, stored, _ = settled
    for uid in (4, 1):
        report = run.json("yuma", "explain", net.netuid, "--epoch", snap.epoch, "--uid", uid)
        assert report["matches_settled"] and report["snapshot_block"] == snap.snapshot_block
        # What the chain recorded for the UID when it paid the epoch:
        assert report["incentive_u16"] == stored[uid]["incentive"] == result.incentive[uid]
        assert report["dividends_u16"] == stored[uid]["dividends"] == result.dividends[uid]
    assert stored[4]["incentive"] > 0 and stored[1]["dividends"] > 0
    text = run("yuma", "explain", net.netuid, "--epoch", snap.epoch, "--uid", 4)
    assert text.exit_code == 0 and "matches the settled result" in text.stdout
    first_line = run.json("yuma", "explain", net.netuid, "--epoch", snap.epoch, "--uid", 4)["explanation"].splitlines()[0]
    assert first_line.startswith("UID 4") and first_line in text.stdout


def test_explain_refuses_what_was_not_settled(settled, run):
    net, snap, _, _, unsettled = settled
    assert "not settled" in run.fails("yuma", "explain", net.netuid, "--epoch", unsettled.epoch, "--uid", 1)
    assert "was not opened" in run.fails("yuma", "explain", net.netuid, "--epoch", unsettled.epoch + 5, "--uid", 1)
    assert "below 6" in run.fails("yuma", "explain", net.netuid, "--epoch", snap.epoch, "--uid", 6)


def test_explain_still_reads_epoch_files(tmp_path, run):
    from evmtensor.paths import REPO_ROOT

    path = REPO_ROOT / "tests" / "data" / "yuma_vectors" / "subtensor_tests" / "test_yuma_3_kappa_moves_last.json"
    ok = run("yuma", "explain", str(path), "--epoch", "1", "--uid", "3", chain=False)
    assert ok.exit_code == 0 and "as a miner" in ok.stdout, ok.output
    missing = run("yuma", "explain", str(tmp_path / "nope.json"), "--epoch", "0", "--uid", "0", chain=False)
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    ran = run("yuma", "run", str(path), chain=False)
    assert ran.exit_code == 0 and len(json.loads(ran.stdout)["epochs"]) == len(json.loads(path.read_text())["epochs"])
