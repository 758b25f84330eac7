"""End to end on Anvil: neurons registered and staked, weights signed and posted by a relay, the
epoch opened on-chain, its inputs read back, Yuma run, a quorum of validators attesting, the
result settled; every stake afterwards equals an independent computation to the rao.

Expected payouts are computed here with fractions from the spec's text (2.8 and the port's cap
of 6.3.4, IEpochSettlement), and the share pools by tests/contracts/contract_models.py (written
from spec 3.8 and 7.1).
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

import pytest

from contracts.core_helpers import events
from epoch_net import EpochNet
from contracts.contract_models import pools_from
from payout_check import check_payout


@pytest.fixture
def net(w3, client, accounts):
    return EpochNet(w3, client, accounts)


def _settled(net, receipt):
    (ev,) = events(net.settlement.events.EpochSettled, receipt)
    return ev.args


def _drained(net, receipt):
    (ev,) = events(net.client.contract("Emission").events.PendingDrained, receipt)
    return ev.args


def test_first_epoch_without_weights_carries_emission_and_grants_permits(net):
    snap = net.open()
    assert snap.n == 6 and [m.stake > 0 for m in snap.neurons] == [False, True, True, True, False, False]
    result, _, _ = net.result(snap)
    assert sum(result.incentive) == 0 and sum(result.dividends) == 0
    pending_before = net.client.view("Emission", "pending", net.netuid)
    receipt = net.settle(result, snap, net.attest(result))
    args = _settled(net, receipt)
    assert not events(net.client.contract("Emission").events.PendingDrained, receipt)
    assert args.ownerCut == args.minerAlpha == args.validatorAlpha == args.burned == 0
    pending = net.client.view("Emission", "pending", net.netuid)
    assert args.carried == pending["ownerCut"] + pending["serverAlpha"] + pending["validatorAlpha"]
    assert args.carried > pending_before["ownerCut"] + pending_before["serverAlpha"]  # still accruing, nothing lost
    info = net.client.view("NeuronRegistry", "neurons", net.netuid, 0, 6)
    assert [bool(i["validatorPermit"]) for i in info] == list(result.permits)
    assert all(result.permits[1:4])


def test_quorum_settled_epoch_pays_owner_miners_validators_and_nominators_to_the_rao(net):
    first = net.open()
    r1, _, _ = net.result(first)
    net.settle(r1, first, net.attest(r1))
    net.set_weights(0, [4, 5], [100, 50])
    net.set_weights(1, [4, 5], [100, 50])
    net.set_weights(2, [4, 5], [10, 100])
    snap = net.open()
    result, inputs, out = net.result(snap)
    assert net.result(snap)[0] == result  # a second validator reads the same inputs, signs the same bytes
    assert inputs.last_update[1:4].tolist() == [m.row_block for m in snap.neurons[1:4]]
    assert sum(result.incentive) > 0 and sum(result.dividends) > 0
    before = net.pool_state()
    takes = {hk.address: net.pools.functions.takeOf(hk.address).call() for hk in net.hotkeys}
    receipt = net.settle(result, snap, net.attest(result, (0, 1)))

    miner, validator = check_payout(net, before, takes, result, receipt)
    d, args = _drained(net, receipt), _settled(net, receipt)
    o, s, v = d.ownerCut, d.serverAlpha, d.validatorAlpha
    hk, ck = [h.address for h in net.hotkeys], [c.address for c in net.coldkeys]
    assert miner[0] == 0 and miner[4] > 0 and miner[5] > 0
    assert validator[1] > validator[2] > 0
    dust = o + s + v - args.ownerCut - args.minerAlpha - args.validatorAlpha
    assert 0 <= dust < 12 and net.pools.functions.releasedEmission(net.netuid).call() == dust
    # The owner's cut arrived as stake of the owner coldkey on its hotkey (an empty pool before).
    assert before[hk[0]][0] == 0 and net.stake_of(ck[0], hk[0]) == o
    # Nominators gained pro rata: same shares, valued at the pool's new alpha per share.
    nom = net.nominator.address
    shares = net.pools.functions.sharesOf(nom, hk[1], net.netuid).call()
    assert shares == before[hk[1]][2][nom]
    alpha1 = net.pools.functions.hotkeyAlpha(net.netuid, hk[1]).call()
    total1 = net.pools.functions.totalShares(net.netuid, hk[1]).call()
    assert net.stake_of(nom, hk[1]) == floor(Fraction(alpha1 * shares, total1))
    assert net.stake_of(nom, hk[1]) > floor(Fraction(before[hk[1]][0] * shares, before[hk[1]][1]))
    # recordEpoch: the metagraph shows the epoch.
    info = net.client.view("NeuronRegistry", "neurons", net.netuid, 0, 6)
    assert [i["incentive"] for i in info] == list(result.incentive)
    assert [i["dividends"] for i in info] == list(result.dividends)
    assert [i["emission"] for i in info] == [miner[u] + validator[u] for u in range(6)]
    assert [bool(i["validatorPermit"]) for i in info] == list(result.permits)
    # The bonds are published and their hash kept: the next epoch's builder reads them back.
    state = net.client.view("EpochSettlement", "epochState", net.netuid)
    assert bytes(state["bondsHash"]) == result.bonds_hash and state["settled"]
    net.set_weights(0, [4, 5], [100, 50])
    nxt = net.open()
    _, inputs3, _ = net.result(nxt)
    assert inputs3.bonds.to_dense().tolist() == out.bonds_u16.to_dense().tolist()


def _new_slots(w3, tx_hash) -> dict[str, int]:
    """Storage slots per contract that were zero before the transaction and are not after."""
    diff = w3.provider.make_request("debug_traceTransaction", [
        tx_hash.to_0x_hex(), {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}}])["result"]
    out = {}
    for address, post in diff["post"].items():
        pre = diff["pre"].get(address, {}).get("storage", {})
        out[address.lower()] = sum(1 for slot in post.get("storage", {}) if int(pre.get(slot, "0x0"), 16) == 0)
    return out


def test_a_paying_settlement_creates_no_per_neuron_storage(net):
    """Registration reserves what settlements rewrite (a share-pool word per hotkey, the epoch
    record words per UID), so paying six neurons for the first time costs rewrites only: one new
    slot at most, the subnet's released-emission dust."""
    first = net.open()
    r1, _, _ = net.result(first)
    net.settle(r1, first, net.attest(r1))
    for v in range(3):
        net.set_weights(v, [4, 5], [100, 50 + v])
    snap = net.open()
    result, _, _ = net.result(snap)
    receipt = net.settle(result, snap, net.attest(result, (0, 1)))
    credits = net.client.events(receipt, "StakingPools", "Credited")
    assert credits  # paid: the owner cut, two miners, the validators
    new = _new_slots(net.w3, receipt["transactionHash"])
    pools, neurons = (net.client.deployment.address(n).lower() for n in ("StakingPools", "NeuronRegistry"))
    assert new.get(neurons, 0) == 0
    assert new.get(pools, 0) <= 1
    assert sum(new.values()) <= 1
