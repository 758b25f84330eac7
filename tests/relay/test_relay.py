"""The relay as a real process on a real chain: accept, batch, land once; refuse bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from eth_account import Account

from evmtensor.chain.weights import set_weights

ROOT = Path(__file__).resolve().parents[2]


def as_json(signed) -> dict:
    r = signed.row
    return {"hotkey": signed.hotkey, "netuid": r.netuid, "uids": list(r.uids), "values": list(r.values),
            "version_key": r.version_key, "nonce": r.nonce, "deadline_block": r.deadline_block,
            "signature": "0x" + signed.signature.hex()}


def weights_set(net, hotkey: str, nonce: int) -> list:
    logs = net.contract.events.WeightsSet().get_logs(from_block=0, argument_filters={"hotkey": hotkey})
    return [e for e in logs if e.args.nonce == nonce]


def test_rows_are_acknowledged_batched_and_land_once(net, start_relay):
    relay = start_relay()
    signed = [net.sign(v, net.row(uids=(0, 4, 5), values=(1, 2, 3 + i))) for i, v in enumerate(net.validators[:2])]
    signed.append(net.sign(net.owner_hotkey, net.row(uids=(0,), values=(9,))))
    receipts = []
    for s in signed:
        resp = relay.http.post("/v1/weights", json=as_json(s))
        assert resp.status_code == 202, resp.text
        receipts.append(resp.json())
        assert receipts[-1]["status"] == "queued" and receipts[-1]["nonce"] == 1

    done = [relay.wait_status(r["id"]) for r in receipts]
    assert {d["status"] for d in done} == {"landed"}
    assert len({d["tx_hash"] for d in done}) == 1  # one batch transaction
    for s in signed:
        (ev,) = weights_set(net, s.hotkey, 1)
        assert (ev.args.values, ev.transactionHash.hex().removeprefix("0x")) == (
            b"".join(v.to_bytes(2, "big") for v in s.row.values), done[0]["tx_hash"].removeprefix("0x"))
        assert net.state(s.hotkey)["rowHash"] == s.row.hash

    again = relay.http.post("/v1/weights", json=as_json(signed[0]))
    assert again.status_code == 200 and again.json()["duplicate"] and again.json()["status"] == "landed"
    listed = relay.http.get(f"/v1/weights/{net.netuid}/{signed[0].hotkey.lower()}").json()
    assert [x["id"] for x in listed] == [receipts[0]["id"]]


def test_bad_input_gets_a_4xx_with_the_reason(net, start_relay):
    relay = start_relay(RELAY_MAX_BODY_BYTES=4096)
    v = net.validators[0]
    good = as_json(net.sign(v, net.row()))

    def post(body=None, **kw):
        return relay.http.post("/v1/weights", json=body, **kw) if body is not None else relay.http.post("/v1/weights", **kw)

    r = post(content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "json" in r.text.lower()
    r = post({**good, "uids": "abc"})
    assert r.status_code == 422 and "uids" in r.text
    r = post({**good, "values": [1, 2, 70000]})
    assert r.status_code == 422
    r = post({**good, "netuid": "1"})  # strict: a string is not a netuid
    assert r.status_code == 422
    r = post({**good, "uids": [0] * 513, "values": [0] * 513})  # more UIDs than a subnet may hold
    assert r.status_code == 422 and "at most 512" in r.text
    r = post({**good, "signature": "0x1234"})
    assert r.status_code == 422 and "65 bytes" in r.text
    r = post(content=b"x" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"]["error"] == "RelayBodyTooLarge"

    def refused(signed_or_body, status: int, error: str):
        body = signed_or_body if isinstance(signed_or_body, dict) else as_json(signed_or_body)
        r = post(body)
        assert r.status_code == status, r.text
        assert r.json()["detail"]["error"] == error
        return r.json()["detail"]

    refused({**good, "values": [100, 200, 301]}, 401, "WeightsInvalidSignature")  # altered by someone
    for junk in ("00" * 64 + "1b", "ff" * 64 + "1c", good["signature"][2:130] + "05"):  # no signer, high s, bad v
        refused({**good, "signature": "0x" + junk}, 401, "WeightsInvalidSignature")
    detail = refused(net.sign(v, net.row(netuid=77)), 404, "WeightsSubnetNotFound")
    assert detail["args"] == [77]
    refused(net.sign(v, net.row(deadline=net.next_block() - 2)), 409, "WeightsDeadlinePassed")  # stale
    refused(net.sign(net.validators[2], net.row()), 403, "WeightsNoValidatorPermit")
    refused(net.sign(Account.create(), net.row()), 403, "WeightsNotRegistered")
    refused(net.sign(v, net.row(uids=(4, 1), values=(1, 1))), 422, "WeightsUidsNotAscending")

    assert relay.http.get("/health").status_code == 200  # still serving
    assert post(good).status_code == 202
    assert relay.http.get("/v1/weights/1/not-an-address").status_code == 422
    assert relay.http.get(f"/v1/weights/{10**30}/{v.address}").status_code == 422
    assert relay.http.get("/v1/submissions/0xabc").status_code == 404


def test_same_nonce_with_other_content_is_a_conflict(net, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)  # keep both queued
    v = net.validators[0]
    assert relay.http.post("/v1/weights", json=as_json(net.sign(v, net.row(values=(1, 2, 3))))).status_code == 202
    r = relay.http.post("/v1/weights", json=as_json(net.sign(v, net.row(values=(3, 2, 1)))))
    assert r.status_code == 409 and r.json()["detail"]["error"] == "RelayNonceConflict"


def test_kill9_after_ack_before_submit_lands_exactly_once(net, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)  # acknowledged, then held back
    signed = net.sign(net.validators[0], net.row(nonce=5))
    receipt = relay.http.post("/v1/weights", json=as_json(signed)).json()
    assert receipt["status"] == "queued"
    relay.kill9()
    assert weights_set(net, signed.hotkey, 5) == []

    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    assert relay.wait_status(receipt["id"])["status"] == "landed"
    assert len(weights_set(net, signed.hotkey, 5)) == 1


def test_kill9_after_broadcast_before_receipt_lands_exactly_once(w3, net, start_relay):
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        relay = start_relay(RELAY_BATCH_DELAY_S=0)
        signed = net.sign(net.validators[0], net.row(nonce=8, deadline=net.next_block() + 50))
        receipt = relay.http.post("/v1/weights", json=as_json(signed)).json()
        sent = relay.wait_status(receipt["id"], statuses=("sent",))
        relay.kill9()
        # The node lost the transaction too (a restart, an eviction): the relay must resend it.
        w3.provider.make_request("anvil_dropTransaction", [sent["tx_hash"]])
        relay = start_relay(RELAY_BATCH_DELAY_S=0)
        for _ in range(200):
            if w3.provider.make_request("txpool_content", [])["result"]["pending"]:
                break
            time.sleep(0.05)
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    done = relay.wait_status(receipt["id"])
    assert done["status"] == "landed" and done["tx_hash"] == sent["tx_hash"]  # the same bytes, resent
    assert len(weights_set(net, signed.hotkey, 8)) == 1


def test_a_row_another_relay_already_posted_is_harmless(net, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)
    signed = net.sign(net.validators[0], net.row())
    receipt = relay.http.post("/v1/weights", json=as_json(signed)).json()
    set_weights(net.client, signed, net.accounts[7])  # a second relay got there first
    relay.kill9()
    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    done = relay.wait_status(receipt["id"])
    assert (done["status"], done["reason"]) == ("landed", "already on chain")
    assert len(weights_set(net, signed.hotkey, 1)) == 1


def test_changed_conditions_after_ack_are_reported_as_rejected(net, start_relay):
    relay = start_relay(RELAY_BATCH_DELAY_S=600)
    v = net.validators[0]
    receipt = relay.http.post("/v1/weights", json=as_json(net.sign(v, net.row()))).json()
    net.set_permits({2: True})  # v loses its permit before the batch goes out
    relay.kill9()
    relay = start_relay(RELAY_BATCH_DELAY_S=0)
    done = relay.wait_status(receipt["id"])
    assert done["status"] == "rejected" and done["reason"].startswith("WeightsNoValidatorPermit(")


def test_health_metrics_and_openapi(net, start_relay):
    relay = start_relay()
    health = relay.http.get("/health").json()
    assert health["status"] == "ok" and health["journal_mode"] == "wal"
    relay.http.post("/v1/weights", json=as_json(net.sign(net.validators[0], net.row())))
    metrics = relay.http.get("/metrics").text
    assert 'relay_messages_received_total{code="202",kind="weights"} 1.0' in metrics
    paths = relay.http.get("/openapi.json").json()["paths"]
    assert {"/v1/weights", "/v1/commits", "/v1/reveals", "/v1/weights/{netuid}/{hotkey}"} <= set(paths)


def test_missing_required_settings_fail_at_start(relay_env):
    env = {k: v for k, v in {**os.environ, **relay_env}.items() if k != "RELAY_DB"}
    proc = subprocess.run([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "RELAY_DB" in proc.stderr and "Traceback" not in proc.stderr
    env["RELAY_DB"], env["RELAY_BATCH_SIZE"] = relay_env["RELAY_DB"], "many"
    proc = subprocess.run([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "RELAY_BATCH_SIZE" in proc.stderr


def test_commit_and_reveal_through_the_relay(net, start_relay):
    import os as _os

    from evmtensor.chain.weights import CommitMessage, Reveal, sign_commit

    tempo = 10
    net.hp(commitRevealEnabled=True, commitRevealPeriod=1, tempo=tempo)
    relay = start_relay()
    v = net.validators[0]
    reveal = Reveal(v.address, net.netuid, (1, 4), (7, 9), 0, _os.urandom(32))
    commit = sign_commit(v, net.contract.address, net.chain_id,
                         CommitMessage(net.netuid, reveal.commit_hash, 3, net.next_block() + 50))
    body = {"hotkey": v.address, "netuid": net.netuid, "commit_hash": "0x" + reveal.commit_hash.hex(), "nonce": 3,
            "deadline_block": commit.commit.deadline_block, "signature": "0x" + commit.signature.hex()}
    r = relay.http.post("/v1/commits", json=body)
    assert r.status_code == 202, r.text
    landed = relay.wait_status(r.json()["id"])
    assert landed["status"] == "landed"

    reveal_body = {"hotkey": v.address, "netuid": net.netuid, "uids": [1, 4], "values": [7, 9], "version_key": 0,
                   "salt": "0x" + reveal.salt.hex()}
    early = relay.http.post("/v1/reveals", json=reveal_body)
    assert early.status_code == 425 and early.json()["detail"]["error"] == "WeightsRevealTooEarly"
    due = (landed["block"] + net.netuid + 1) // (tempo + 1) + 1
    net.mine(due * (tempo + 1) - net.netuid - 1 - net.next_block())
    r = relay.http.post("/v1/reveals", json=reveal_body)
    assert r.status_code == 202, r.text
    assert relay.wait_status(r.json()["id"])["status"] == "landed"
    assert net.state(v)["rowHash"] == net_row_hash((1, 4), (7, 9))
    (ev,) = weights_set(net, v.address, 3)
    assert ev.args.values == bytes.fromhex("00070009")


def net_row_hash(uids, values) -> bytes:
    from contracts.test_weights import packed_hash

    return packed_hash(uids, values)


def test_a_relay_out_of_gas_money_keeps_the_message_until_it_can_pay(w3, net, start_relay, relay_payer):
    payer = relay_payer.address
    w3.provider.make_request("anvil_setBalance", [payer, "0x0"])
    relay = start_relay(RELAY_BATCH_DELAY_S=0, RELAY_MAX_ATTEMPTS=10_000)
    receipt = relay.http.post("/v1/weights", json=as_json(net.sign(net.validators[0], net.row()))).json()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = relay.http.get(f"/v1/submissions/{receipt['id']}").json()
        if now["reason"]:
            break
        time.sleep(0.05)
    assert now["status"] in ("queued", "sent") and "insufficient funds" in now["reason"].lower()
    w3.provider.make_request("anvil_setBalance", [payer, hex(10**20)])
    assert relay.wait_status(receipt["id"])["status"] == "landed"
    assert len(weights_set(net, net.validators[0].address, 1)) == 1
