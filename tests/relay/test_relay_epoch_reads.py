"""The epoch detail of the read API lists the attestations the relay holds (a real
``python -m oracle.relay`` on Anvil): held back below the quorum they show as queued with the stake
they gathered; once the relay settled the epoch they show as landed, their result's stake equals
the EpochSettled event's, and a stray result of the same epoch shows as rejected.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "epoch"))  # the epoch tests' helpers

from epoch_net import EpochNet  # noqa: E402

from evmtensor.units import U16_MAX  # noqa: E402
from oracle.epoch import signed_stake  # noqa: E402
from oracle.relay.client import RelayClient  # noqa: E402


@pytest.fixture
def enet(w3, client, accounts):
    return EpochNet(w3, client, accounts)


def detail(relay, enet, epoch: int) -> dict:
    res = relay.get(f"/v1/subnets/{enet.netuid}/epochs/{epoch}")
    assert res.status_code == 200, res.text + "".join(relay.log[-40:])
    return res.json()


def digest(enet, result) -> str:
    return "0x" + bytes(enet.settlement.functions.resultDigest(result.as_tuple()).call()).hex()


def test_epoch_detail_shows_held_attestations_queued_below_quorum_then_landed(enet, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)  # acknowledged, then held back
    api = RelayClient(relay.url)
    snap = enet.open()
    result, _, _ = enet.result(snap)
    quorum = enet.client.view("EpochSettlement", "params")["quorum"]
    required = -(-snap.validator_stake * quorum // U16_MAX)

    lone = api.post_attestation(result, enet.attest(result, (2,))[0])  # UID 3, far below the quorum
    body = detail(relay, enet, snap.epoch)
    assert not body["settled"] and body["signers"] is None
    held = body["relay"]
    assert (held["quorum"], held["validator_stake"], held["required_stake"]) == (
        quorum, snap.validator_stake, required)
    (row,) = held["attestations"]
    assert (row["id"], row["uid"], row["hotkey"], row["status"], row["counts"]) == (
        lone["id"], 3, enet.validators[2].address, "queued", True)
    assert row["result_digest"] == digest(enet, result) and row["received_at"] == lone["received_at"]
    assert row["tx_hash"] is None and row["block"] is None
    (only,) = held["results"]
    assert (only["uids"], only["signed_stake"], only["quorum_reached"], only["settled"]) == (
        [3], snap.neurons[3].stake, False, False)
    assert only["inputs_hash"] == "0x" + result.inputs_hash.hex() and 0 < only["signed_stake"] < required

    wrong = dataclasses.replace(result, inputs_hash=b"\x22" * 32)  # a validator that read other inputs
    stray = api.post_attestation(wrong, enet.attest(wrong, (0,))[0])
    good = [api.post_attestation(result, a) for a in enet.attest(result, (0, 1))]
    held = detail(relay, enet, snap.epoch)["relay"]
    assert [a["uid"] for a in held["attestations"]] == [3, 1, 1, 2]  # oldest first
    assert {a["status"] for a in held["attestations"]} == {"queued"}
    by_digest = {r["result_digest"]: r for r in held["results"]}
    assert by_digest[digest(enet, result)]["uids"] == [1, 2, 3]
    assert by_digest[digest(enet, result)]["signed_stake"] == signed_stake(snap, [1, 2, 3])
    assert by_digest[digest(enet, result)]["quorum_reached"]  # at quorum, but the relay holds it back
    assert by_digest[digest(enet, wrong)]["uids"] == [1] and not by_digest[digest(enet, wrong)]["quorum_reached"]

    relay.kill9()
    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    done = [relay.wait_status(r["id"]) for r in (lone, *good, stray)]
    assert [d["status"] for d in done] == ["landed", "landed", "landed", "rejected"]
    body = detail(relay, enet, snap.epoch)
    (event,) = enet.settlement.events.EpochSettled().get_logs(
        from_block=0, argument_filters={"netuid": enet.netuid, "epoch": snap.epoch})
    assert body["settled"] and body["signers"] == [1, 2, 3]
    rows = {a["id"]: a for a in body["relay"]["attestations"]}
    for d in done[:3]:
        assert (rows[d["id"]]["status"], rows[d["id"]]["tx_hash"], rows[d["id"]]["block"]) == (
            "landed", enet.w3.to_hex(event["transactionHash"]), body["settled_block"])
    assert (rows[stray["id"]]["status"], rows[stray["id"]]["reason"]) == ("rejected", "epoch settled with another result")
    by_digest = {r["result_digest"]: r for r in body["relay"]["results"]}
    settled = by_digest["0x" + bytes(event["args"]["resultHash"]).hex()]
    assert settled["settled"] and settled["signed_stake"] == event["args"]["signedStake"] == body["signed_stake"]
    assert not by_digest[digest(enet, wrong)]["settled"]


def test_epoch_detail_schema_documents_the_held_attestations(start_relay):
    relay = start_relay()
    spec = relay.get("/openapi.json").json()
    ok = spec["paths"]["/v1/subnets/{netuid}/epochs/{epoch}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/EpochDetailOut")
    schemas = spec["components"]["schemas"]
    assert schemas["EpochDetailOut"]["properties"]["relay"]["$ref"].endswith("/HeldOut")
    assert {"uid", "hotkey", "result_digest", "received_at", "status"} <= set(schemas["HeldAttestationOut"]["properties"])
    assert {"signed_stake", "required_stake", "quorum_reached"} <= set(schemas["HeldResultOut"]["properties"])
