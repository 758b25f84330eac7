"""The relay's read API against a real relay process on Anvil: every field compared to what the
chain says, read here straight from the contracts, their events and the results the test itself
settled; payouts recomputed with fractions from the drained buckets (spec 2.8)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from math import floor

import httpx
import pytest

from contracts.core_helpers import events, register_subnet
from evmtensor.chain import actions
from evmtensor.chain.credits import credits_in_receipt
from evmtensor.units import PRICE_SCALE, U16_MAX
from oracle.epoch import build_epoch_inputs
from oracle.yuma import YumaMode, run_epoch
from oracle.yuma.explain import explain


def _ok(relay, path, **params) -> dict:
    res = relay.get(path, **params)
    assert res.status_code == 200, res.text + "".join(relay.log[-60:])
    return res.json()


def test_subnets_report_price_share_reserves_stake_and_neurons_as_on_chain(settled, relay, client, accounts, mine):
    second, _, _ = register_subnet(client, accounts[3])
    mine(5)
    actions.stake(client, second, accounts[4], settled.net.validators[0].address, 10**9)  # accrues both
    body = _ok(relay, "/v1/subnets")
    block = body["block"]
    views = client.view("MetagraphViews", "subnets", block=block)
    live = [v for v in views if v["exists"]]
    assert [s["netuid"] for s in body["subnets"]] == [v["netuid"] for v in live]
    moving = {v["netuid"]: client.view("Emission", "movingPrice", v["netuid"], block=block) for v in live}
    pools = client.contract("StakingPools")
    for s, v in zip(body["subnets"], live):
        assert s["price"] == pytest.approx(v["spotPrice"] / PRICE_SCALE, rel=1e-12)
        assert int(s["price_raw"]) == v["spotPrice"] and int(s["moving_price_raw"]) == moving[v["netuid"]]
        assert s["emission_share"] == pytest.approx(float(Fraction(moving[v["netuid"]], sum(moving.values()))))
        assert (s["tao_in"], s["alpha_in"], s["neurons"]) == (v["taoIn"], v["alphaIn"], v["n"])
        assert (s["owner_coldkey"], s["owner_hotkey"], s["tempo"]) == (
            v["ownerColdkey"], v["ownerHotkey"], v["hyperparameters"]["tempo"])
        hotkeys = [n["hotkey"] for n in client.view("NeuronRegistry", "neurons", v["netuid"], 0, v["n"], block=block)]
        assert s["total_stake"] == sum(pools.functions.hotkeyAlpha(v["netuid"], h).call(block_identifier=block)
                                       for h in hotkeys)
    ours = next(s for s in body["subnets"] if s["netuid"] == settled.net.netuid)
    assert ours["neurons"] == 6 and ours["total_stake"] > 0 and 0 < ours["emission_share"] < 1
    assert second in [s["netuid"] for s in body["subnets"]]


def test_metagraph_rows_match_the_neuron_registry_and_the_last_settled_epoch(settled, relay, client):
    net = settled.net
    body = _ok(relay, f"/v1/subnets/{net.netuid}/metagraph")
    info = client.view("NeuronRegistry", "neurons", net.netuid, 0, 6, block=body["block"])
    assert len(body["neurons"]) == 6 and body["consensus_epoch"] == settled.snaps[1].epoch
    snap = settled.snaps[1]
    out = run_epoch(build_epoch_inputs(client, snap), mode=YumaMode.EXACT)
    result = settled.results[1]
    for uid, (row, chain) in enumerate(zip(body["neurons"], info)):
        assert row["uid"] == uid
        assert (row["hotkey"], row["coldkey"]) == (net.hotkeys[uid].address, net.coldkeys[uid].address)
        assert (row["hotkey"], row["coldkey"]) == (chain["hotkey"], chain["coldkey"])
        assert row["stake"] == net.pools.functions.hotkeyAlpha(net.netuid, row["hotkey"]).call(
            block_identifier=body["block"])
        assert row["incentive"] == pytest.approx(result.incentive[uid] / U16_MAX)
        assert row["dividends"] == pytest.approx(result.dividends[uid] / U16_MAX)
        assert (row["emission"], row["last_update"], row["validator_permit"]) == (
            chain["emission"], chain["lastUpdate"], chain["validatorPermit"])
        assert row["validator_permit"] == result.permits[uid] and row["registered_at"] == chain["registeredAt"]
        assert row["consensus"] == pytest.approx(float(out.consensus[uid]))
        assert row["trust"] == pytest.approx(float(out.validator_trust[uid]))
        assert row["axon"] is None  # nobody served an axon here
    assert sum(r["emission"] for r in body["neurons"]) > 0


def test_epochs_list_snapshots_and_settlement_figures_from_the_events(settled, relay):
    net = settled.net
    body = _ok(relay, f"/v1/subnets/{net.netuid}/epochs")
    assert [e["epoch"] for e in body["epochs"]] == [s.epoch for s in settled.snaps]
    assert [e["settled"] for e in body["epochs"]] == [True, True, False]
    for e, snap in zip(body["epochs"], settled.snaps):
        assert (e["snapshot_block"], e["n"], e["pending_alpha"], e["validator_stake"]) == (
            snap.snapshot_block, snap.n, snap.pending_alpha, snap.validator_stake)
        assert e["snapshot_hash"] == "0x" + snap.snapshot_hash.hex()
    for e, receipt in zip(body["epochs"], settled.receipts):
        (ev,) = events(net.settlement.events.EpochSettled, receipt)
        assert e["settled_block"] == receipt["blockNumber"]
        assert e["result_hash"] == "0x" + bytes(ev.args.resultHash).hex()
        assert (e["owner_cut"], e["miner_alpha"], e["validator_alpha"], e["burned"], e["carried"],
                e["signed_stake"]) == (ev.args.ownerCut, ev.args.minerAlpha, ev.args.validatorAlpha,
                                       ev.args.burned, ev.args.carried, ev.args.signedStake)
    assert body["epochs"][0]["carried"] > 0 and body["epochs"][1]["carried"] == 0
    assert "result_hash" not in body["epochs"][2]


def test_settled_epoch_detail_has_the_signed_result_signers_and_payouts_to_the_rao(settled, relay, client):
    net, snap, result, receipt = settled.net, settled.snaps[1], settled.results[1], settled.receipts[1]
    body = _ok(relay, f"/v1/subnets/{net.netuid}/epochs/{snap.epoch}")
    assert body["settled"] and body["snapshot_block"] == snap.snapshot_block
    assert body["result"] == {
        "inputs_hash": "0x" + result.inputs_hash.hex(), "bonds_hash": "0x" + result.bonds_hash.hex(),
        "incentive": list(result.incentive), "dividends": list(result.dividends), "permits": list(result.permits)}
    assert body["signers"] == [1, 2]
    (drained,) = events(client.contract("Emission").events.PendingDrained, receipt)
    o, s, v = drained.args.ownerCut, drained.args.serverAlpha, drained.args.validatorAlpha
    sum_i, sum_d = sum(result.incentive), sum(result.dividends)
    takes = {c.hotkey: c.take for c in credits_in_receipt(net.pools, receipt) if c.dividend}
    for uid, row in enumerate(body["neurons"]):
        miner = floor(Fraction(s * result.incentive[uid], sum_i))
        validator = floor(Fraction(v * result.dividends[uid], sum_d))
        owner = o if uid == 0 else 0
        assert uid != 0 or miner == 0  # the owner hotkey earns no incentive here
        assert row["stake_credited"] == owner + miner, uid
        assert row["emission_credited"] == validator, uid
        assert row["take"] == takes.get(row["hotkey"], 0)
        m = snap.neurons[uid]
        assert (row["hotkey"], row["coldkey"], row["stake"], row["permit"], row["registered_at"],
                row["last_update"]) == (m.hotkey, m.coldkey, m.stake, m.permit, m.registered_at, m.row_block)
        assert (row["incentive"], row["dividends"], row["new_permit"]) == (
            result.incentive[uid], result.dividends[uid], result.permits[uid])
    assert body["neurons"][4]["stake_credited"] > 0 and body["neurons"][1]["emission_credited"] > 0
    assert body["owner_cut"] == o and body["settled_block"] == receipt["blockNumber"]
    assert (body["snapshot_hash"], body["pending_alpha"], body["validator_stake"], body["validator_threshold"]) == (
        "0x" + snap.snapshot_hash.hex(), snap.pending_alpha, snap.validator_stake, snap.validator_threshold)
    assert body["hyperparameters"] == {k: (v if isinstance(v, bool) else int(v))
                                       for k, v in snap.hyperparameters.items()}
    assert body["hyperparameters"]["tempo"] == net.tempo()


def test_open_epoch_detail_has_its_snapshot_but_no_result(settled, relay):
    snap = settled.snaps[2]
    body = _ok(relay, f"/v1/subnets/{settled.net.netuid}/epochs/{snap.epoch}")
    assert not body["settled"] and body["result"] is None and body["signers"] is None
    assert [n["stake"] for n in body["neurons"]] == [m.stake for m in snap.neurons]
    assert "stake_credited" not in body["neurons"][0]


def test_explain_is_yuma_rerun_on_the_epochs_chain_inputs(settled, relay, client):
    net, snap = settled.net, settled.snaps[1]
    inputs = build_epoch_inputs(client, snap)
    out = run_epoch(inputs, mode=YumaMode.EXACT)
    for uid in (1, 4):
        body = _ok(relay, f"/v1/subnets/{net.netuid}/epochs/{snap.epoch}/explain", uid=uid)
        assert body["text"] == explain(inputs, out, uid)
        assert (body["incentive"], body["dividends"]) == (settled.results[1].incentive[uid],
                                                          settled.results[1].dividends[uid])
        assert body["emission"] == out.server_emission[uid] + out.validator_emission[uid]
        assert body["hotkey"] == net.hotkeys[uid].address
    assert "as a miner: weighted by 3 validator(s)" in _ok(
        relay, f"/v1/subnets/{net.netuid}/epochs/{snap.epoch}/explain", uid=4)["text"]


def test_prices_sample_the_pool_at_each_block_it_changed(settled, relay, client):
    net = settled.net
    body = _ok(relay, f"/v1/subnets/{net.netuid}/prices")
    blocks = [p["block"] for p in body["points"]]
    assert blocks == sorted(set(blocks)) and blocks[-1] == client.block_number()
    staked = net.pools.events.Staked().get_logs(from_block=client.deployment.deploy_block,
                                               argument_filters={"netuid": net.netuid})
    assert {log["blockNumber"] for log in staked} <= set(blocks) and len(staked) >= 5
    for p in body["points"]:
        v = client.view("MetagraphViews", "subnet", net.netuid, block=p["block"])
        assert p["price"] == pytest.approx(v["spotPrice"] / PRICE_SCALE, rel=1e-12)
        assert p["moving_price"] == pytest.approx(v["movingPrice"] / PRICE_SCALE, rel=1e-12)
        assert (p["tao_in"], p["alpha_in"]) == (v["taoIn"], v["alphaIn"])
    assert len({p["price"] for p in body["points"]}) > 1  # the stakes moved the price
    last = _ok(relay, f"/v1/subnets/{net.netuid}/prices", limit=2)["points"]
    assert last == body["points"][-2:]


@pytest.mark.parametrize("path, params, status, error", [
    ("/v1/subnets/999/metagraph", {}, 404, "SubnetNotFound"),
    ("/v1/subnets/999/epochs", {}, 404, "SubnetNotFound"),
    ("/v1/subnets/999/prices", {}, 404, "SubnetNotFound"),
    ("/v1/subnets/{netuid}/epochs/77", {}, 404, "EpochNotFound"),
    ("/v1/subnets/{netuid}/epochs/77/explain", {"uid": 0}, 404, "EpochNotFound"),
    ("/v1/subnets/{netuid}/epochs/{epoch}/explain", {"uid": 6}, 404, "UidNotFound"),
    ("/v1/subnets/70000/metagraph", {}, 422, None),
    ("/v1/subnets/abc/epochs", {}, 422, None),
    ("/v1/subnets/{netuid}/epochs/-1", {}, 422, None),
    ("/v1/subnets/{netuid}/epochs/{epoch}/explain", {}, 422, None),
    ("/v1/subnets/{netuid}/epochs/{epoch}/explain", {"uid": "x"}, 422, None),
    ("/v1/subnets/{netuid}/epochs/{epoch}/explain", {"uid": -1}, 422, None),
    ("/v1/subnets/{netuid}/prices", {"limit": 0}, 422, None),
])
def test_bad_subnet_epoch_or_query_is_refused_with_a_reason(settled, relay, path, params, status, error):
    path = path.format(netuid=settled.net.netuid, epoch=settled.snaps[1].epoch)
    res = relay.get(path, **params)
    assert res.status_code == status, res.text
    detail = res.json()["detail"]
    if error:
        assert detail["error"] == error and str(settled.net.netuid if "999" not in path else 999) in detail["message"]
    else:
        assert detail and detail[0]["loc"]
    assert relay.get("/health").status_code == 200  # still serving


def test_read_api_is_in_the_openapi_schema(relay):
    paths = _ok(relay, "/openapi.json")["paths"]
    for p in ("/v1/subnets", "/v1/subnets/{netuid}/metagraph", "/v1/subnets/{netuid}/epochs",
              "/v1/subnets/{netuid}/epochs/{epoch}", "/v1/subnets/{netuid}/epochs/{epoch}/explain",
              "/v1/subnets/{netuid}/prices"):
        assert "get" in paths[p], p
    params = {q["name"]: q for q in paths["/v1/subnets/{netuid}/epochs/{epoch}/explain"]["get"]["parameters"]}
    assert params["uid"]["required"] and params["netuid"]["schema"]["maximum"] == 65535


def test_reads_beyond_a_clients_slots_get_429_and_the_relay_keeps_serving(settled, start_relay):
    """One client may run one read at a time here (RELAY_READ_CONCURRENCY_PER_CLIENT=1): a burst
    of Yuma explanations (each reruns the epoch from the chain) is partly refused with 429
    RelayBusy at once, never queued; the rest answer, and so does the next read."""
    relay = start_relay(RELAY_READ_CONCURRENCY_PER_CLIENT="1")
    epoch = settled.snaps[1].epoch
    path = f"/v1/subnets/{settled.net.netuid}/epochs/{epoch}/explain"

    def read(_):
        with httpx.Client(base_url=relay.url, timeout=60) as c:
            return c.get(path, params={"uid": 4})

    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(read, range(12)))
    codes = sorted(r.status_code for r in replies)
    assert set(codes) == {200, 429}, codes
    busy = next(r for r in replies if r.status_code == 429)
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["detail"]["error"] == "RelayBusy" and busy.json()["detail"]["args"] == ["client", 1]
    answers = {r.text for r in replies if r.status_code == 200}
    assert len(answers) == 1  # the answered reads agree
    assert relay.get(path, uid=4).status_code == 200  # a slot is free again
    # A slot is freed before its answer goes out: one client's reads one after another never
    # meet a 429 (CI once saw one when the slot outlived the response).
    codes = [relay.get(f"/v1/subnets/{settled.net.netuid}/metagraph").status_code for _ in range(40)]
    assert set(codes) == {200}, codes
