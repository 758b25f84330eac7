"""Epochs settled through the relay (a real ``python -m oracle.relay`` on Anvil): validators post
weights and attestations with ``RelayClient``; the relay settles once the quorum of snapshot
stake signed the same result, exactly once, across kill -9; the payouts equal the independent
computation of tests/epoch/payout_check.py; forged, misattributed and stale attestations are
refused with the contract's error names.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "epoch"))  # the epoch tests' helpers

from epoch_net import EpochNet  # noqa: E402
from payout_check import check_payout  # noqa: E402

from evmtensor.chain.weights import WeightsRow, sign_weights  # noqa: E402
from oracle.epoch import quorum_reached, sign_result  # noqa: E402
from oracle.relay.app import MAX_RESULTS_PER_EPOCH  # noqa: E402
from oracle.relay.client import RelayClient, RelayError, attestation_json  # noqa: E402


@pytest.fixture
def enet(w3, client, accounts):
    return EpochNet(w3, client, accounts)


def settlements(enet, epoch: int) -> list:
    return enet.settlement.events.EpochSettled().get_logs(
        from_block=0, argument_filters={"netuid": enet.netuid, "epoch": epoch})


def attest(enet, api: RelayClient, result, validators) -> list[dict]:
    return [api.post_attestation(result, a) for a in enet.attest(result, validators)]


def post_weights(enet, api: RelayClient, validator: int, uids, values) -> dict:
    enet.nonce += 1
    row = WeightsRow(enet.netuid, tuple(uids), tuple(values), 0, enet.nonce, enet.w3.eth.block_number + 50)
    signed = sign_weights(enet.validators[validator], enet.client.contract("Weights").address,
                          enet.client.deployment.chain_id, row)
    return api.post_weights(signed)


def test_weights_and_attestations_through_the_relay_settle_by_quorum_and_pay_to_the_rao(enet, start_relay):
    relay = start_relay()
    api = RelayClient(relay.url)
    first = enet.open()
    r1, _, _ = enet.result(first)
    # The smallest validator alone holds far less than the quorum: acknowledged, never settled.
    quorum = enet.client.view("EpochSettlement", "params")["quorum"]
    assert not quorum_reached(first, [2, 3], quorum) and quorum_reached(first, [1, 2, 3], quorum)
    (lone,) = attest(enet, api, r1, (2,))
    assert lone["status"] == "queued" and lone["kind"] == "attestation"
    time.sleep(1.5)  # many worker passes
    assert api.submission(lone["id"])["status"] == "queued" and not settlements(enet, first.epoch)
    # UID 2 then UID 1: the quorum is reached only by the last, so all three settle in one transaction.
    done = [relay.wait_status(r["id"]) for r in attest(enet, api, r1, (1, 0)) + [lone]]
    assert {d["status"] for d in done} == {"landed"} and len({d["tx_hash"] for d in done}) == 1
    assert len(settlements(enet, first.epoch)) == 1

    landed = [relay.wait_status(post_weights(enet, api, v, [4, 5], w)["id"])
              for v, w in ((0, [100, 50]), (1, [100, 50]), (2, [10, 100]))]
    assert {d["status"] for d in landed} == {"landed"}

    snap = enet.open()
    result, _, _ = enet.result(snap)
    assert sum(result.incentive) > 0 and sum(result.dividends) > 0
    before = enet.pool_state()
    takes = {hk.address: enet.pools.functions.takeOf(hk.address).call() for hk in enet.hotkeys}
    receipts = attest(enet, api, result, (0, 1))
    done = [relay.wait_status(r["id"]) for r in receipts]
    assert {d["status"] for d in done} == {"landed"}
    tx = enet.w3.eth.get_transaction_receipt(done[0]["tx_hash"])
    miner, validator = check_payout(enet, before, takes, result, tx)
    assert miner[4] > 0 and miner[5] > 0 and validator[1] > validator[2] > 0

    # A replay is a duplicate no-op; the epoch is settled, so a new attestation is stale.
    again = api.post_attestation(result, enet.attest(result, (0,))[0])
    assert again["duplicate"] and again["id"] == receipts[0]["id"] and again["status"] == "landed"
    with pytest.raises(RelayError) as stale:
        api.post_attestation(result, enet.attest(result, (2,))[0])
    assert (stale.value.status, stale.value.error) == (409, "SettlementAlreadySettled")
    assert len(settlements(enet, snap.epoch)) == 1


def test_forged_misattributed_and_stale_attestations_are_refused(enet, start_relay):
    relay = start_relay()
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    (att,) = enet.attest(result, (0,))

    def refused(body: dict) -> tuple[int, str]:
        r = relay.http.post("/v1/attestations", json=body)
        assert 400 <= r.status_code < 500, r.text
        return r.status_code, r.json()["detail"]["error"]

    good = attestation_json(result, att)
    altered = dataclasses.replace(result, incentive=(0, 0, 0, 0, 65535, 0))  # the relay or a MITM changes it
    assert refused(attestation_json(altered, att)) == (401, "SettlementInvalidSignature")
    assert refused({**good, "inputs_hash": "0x" + "11" * 32}) == (401, "SettlementInvalidSignature")
    assert refused({**good, "signature": "0x" + "00" * 65}) == (401, "SettlementInvalidSignature")
    # Signed by UID 1's hotkey but claimed for UID 2 (or a UID past the snapshot).
    assert refused({**good, "uid": 2}) == (403, "SettlementBadSigner")
    assert refused({**good, "uid": 99}) == (403, "SettlementBadSigner")
    # UID 0 (the owner hotkey) signs for itself, but holds no stake: not a validator.
    assert refused(attestation_json(result, sign_result(enet.client, enet.owner_hotkey, 0, result))) == (
        403, "SettlementNotValidator")
    other_epoch = dataclasses.replace(result, epoch=result.epoch + 1)
    assert refused(attestation_json(other_epoch, enet.attest(other_epoch, (0,))[0])) == (409, "SettlementEpochMismatch")
    unknown = dataclasses.replace(result, netuid=999)
    assert refused(attestation_json(unknown, enet.attest(unknown, (0,))[0])) == (404, "SettlementSubnetNotFound")
    r = relay.http.post("/v1/attestations", json={**good, "permits": [1, 0]})
    assert r.status_code == 422
    # Nothing refused was stored: the good one is new.
    assert relay.http.post("/v1/attestations", json=good).status_code == 202


def test_kill9_after_the_quorum_is_acknowledged_settles_exactly_once_after_restart(enet, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)  # acknowledged, then held back
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    receipts = attest(enet, api, result, (0, 1, 2))
    assert {r["status"] for r in receipts} == {"queued"}
    relay.kill9()
    assert not settlements(enet, snap.epoch)

    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    done = [relay.wait_status(r["id"]) for r in receipts]
    assert {d["status"] for d in done} == {"landed"} and done[0]["reason"] is None
    assert len(settlements(enet, snap.epoch)) == 1
    assert enet.client.view("EpochSettlement", "epochState", enet.netuid)["settled"]


def test_an_epoch_another_relay_settled_first_is_landed_not_failed(enet, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    receipts = attest(enet, api, result, (0, 1))
    enet.settle(result, snap, enet.attest(result, (0, 1)))  # someone else posted the quorum first
    relay.kill9()
    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    done = [relay.wait_status(r["id"]) for r in receipts]
    assert {(d["status"], d["reason"]) for d in done} == {("landed", "epoch already settled with this result")}
    assert len(settlements(enet, snap.epoch)) == 1


def test_a_result_short_of_quorum_is_rejected_once_another_result_settles(enet, start_relay):
    relay = start_relay()
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    wrong = dataclasses.replace(result, inputs_hash=b"\x22" * 32)  # read other inputs
    (stray,) = attest(enet, api, wrong, (0,))
    good = attest(enet, api, result, (0, 1))  # the same validator may sign another result
    assert stray["id"] not in {g["id"] for g in good}
    assert {relay.wait_status(g["id"])["status"] for g in good} == {"landed"}
    done = relay.wait_status(stray["id"])
    assert (done["status"], done["reason"]) == ("rejected", "epoch settled with another result")
    assert len(settlements(enet, snap.epoch)) == 1


def test_a_validator_cannot_fill_the_relay_with_endless_results_of_one_epoch(enet, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    variants = [dataclasses.replace(result, inputs_hash=bytes([i]) * 32) for i in range(1, MAX_RESULTS_PER_EPOCH + 2)]
    for v in variants[:MAX_RESULTS_PER_EPOCH]:
        attest(enet, api, v, (0,))
    with pytest.raises(RelayError) as exc:
        attest(enet, api, variants[MAX_RESULTS_PER_EPOCH], (0,))
    assert (exc.value.status, exc.value.error) == (429, "RelayTooManyResults")
    assert attest(enet, api, variants[0], (0,))[0]["duplicate"]  # a repeat is still its receipt
    attest(enet, api, result, (1,))  # another validator is not held back by the first one's count
