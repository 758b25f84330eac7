"""MetagraphViews: a whole subnet's metagraph in a few calls, paged."""

import pytest


try:
    from .core_helpers import (
        MAX_UINT, TAO, fund_eth, protocol_address, register_neuron, register_subnet, send_as,
    )
except ImportError:
    from core_helpers import (
        MAX_UINT, TAO, fund_eth, protocol_address, register_neuron, register_subnet, send_as,
    )

SUBNET_FIELDS = (
    "netuid", "exists", "ownerColdkey", "ownerHotkey", "registeredAt", "lockPaid", "n", "burn", "taoIn", "alphaIn",
    "spotPrice", "movingPrice", "blockNumber", "hyperparameters",
)
PAGE_FIELDS = (
    "netuid", "n", "start", "blockNumber", "hotkeys", "coldkeys", "alphaStake", "registeredAt", "lastUpdate",
    "validatorPermit", "incentive", "dividends", "emission", "axons",
)


@pytest.fixture
def views(client):
    return client.contract("MetagraphViews")


@pytest.fixture
def populated(w3, client, accounts, send):
    """Subnet 1 (owner accounts[1]) with 5 more neurons of accounts[2..3], one axon, one stake."""
    netuid, owner_hotkey, _ = register_subnet(client, accounts[1])
    hotkeys = [owner_hotkey]
    for i in range(5):
        hotkeys.append(register_neuron(client, netuid, accounts[2 + i % 2])[1])
    fund_eth(w3, hotkeys[3].address)
    neurons = client.contract("NeuronRegistry")
    send(neurons.functions.serveAxon(netuid, (10 << 24) + 7, 8091, 4, 4, 3), hotkeys[3])
    pools = client.contract("StakingPools")
    send(pools.functions.stake(netuid, hotkeys[2].address, 5 * TAO, MAX_UINT, client.deadline()), accounts[4])
    return netuid, hotkeys


def _page(views, netuid, start, count):
    return dict(zip(PAGE_FIELDS, views.functions.metagraph(netuid, start, count).call()))


def test_subnet_header(w3, client, views, populated, accounts):
    netuid, hotkeys = populated
    v = dict(zip(SUBNET_FIELDS, views.functions.subnet(netuid).call()))
    subnets, neurons, pools = (client.contract(n) for n in ("SubnetRegistry", "NeuronRegistry", "StakingPools"))
    assert v["exists"] and v["netuid"] == netuid
    assert (v["ownerColdkey"], v["ownerHotkey"]) == (accounts[1].address, hotkeys[0].address)
    assert v["n"] == 6
    assert v["burn"] == neurons.functions.burnPrice(netuid).call()
    assert [v["taoIn"], v["alphaIn"]] == pools.functions.reserves(netuid).call()
    assert v["spotPrice"] == pools.functions.spotPrice(netuid).call()
    assert tuple(v["hyperparameters"]) == tuple(subnets.functions.hyperparameters(netuid).call())
    assert v["lockPaid"] == subnets.functions.subnetInfo(netuid).call()[3]


def test_unknown_subnet_header(views):
    v = dict(zip(SUBNET_FIELDS, views.functions.subnet(42).call()))
    assert not v["exists"] and v["n"] == 0


def test_subnets_lists_every_subnet(w3, client, views, populated, accounts, send):
    register_subnet(client, accounts[5])
    assert [s[0] for s in views.functions.subnets().call()] == [1, 2]


def test_metagraph_parallel_arrays(w3, client, views, populated, accounts):
    netuid, hotkeys = populated
    page = _page(views, netuid, 0, 256)
    pools = client.contract("StakingPools")
    assert page["n"] == 6 and page["start"] == 0
    assert page["hotkeys"] == [h.address for h in hotkeys]
    assert page["coldkeys"] == [accounts[1].address] + [accounts[2 + i % 2].address for i in range(5)]
    assert page["alphaStake"] == [pools.functions.hotkeyAlpha(netuid, h.address).call() for h in hotkeys]
    assert page["alphaStake"][2] > 0
    assert all(len(page[f]) == 6 for f in PAGE_FIELDS[4:])
    assert page["registeredAt"] == sorted(page["registeredAt"])
    assert page["lastUpdate"] == page["registeredAt"]
    assert tuple(page["axons"][3])[:5] == ((10 << 24) + 7, 8091, 4, 4, 3)
    assert all(tuple(a) == (0, 0, 0, 0, 0, 0) for i, a in enumerate(page["axons"]) if i != 3)


def test_metagraph_shows_epoch_records(w3, client, views, populated):
    netuid, _ = populated
    neurons = client.contract("NeuronRegistry")
    records = [(i * 10, i, 2 * i, i % 2 == 0) for i in range(6)]
    send_as(client, protocol_address(client, "settlement"),
            neurons.functions.recordEpoch(netuid, w3.eth.block_number, 0, records))
    page = _page(views, netuid, 0, 6)
    assert page["emission"] == [r[0] for r in records]
    assert page["incentive"] == [r[1] for r in records]
    assert page["dividends"] == [r[2] for r in records]
    assert page["validatorPermit"] == [r[3] for r in records]


@pytest.mark.parametrize(("start", "count", "expected"), [(0, 2, [0, 1]), (2, 3, [2, 3, 4]), (4, 10, [4, 5]),
                                                          (6, 5, []), (100, 5, []), (0, 0, [])])
def test_metagraph_pagination(views, populated, start, count, expected):
    netuid, hotkeys = populated
    page = _page(views, netuid, start, count)
    assert page["hotkeys"] == [hotkeys[i].address for i in expected]
    assert page["n"] == 6


def test_metagraph_of_unknown_subnet_is_empty(views):
    page = _page(views, 9, 0, 10)
    assert page["n"] == 0 and page["hotkeys"] == []
