"""The metagraph loader on a real chain: pages through every UID, pinned to one block, and the
protocol's block-cached registry built on it admits what the chain says at that block."""

from __future__ import annotations

from eth_account import Account

from evmtensor.chain import actions
from evmtensor.chain.metagraph import chain_registry, metagraph_loader, metagraph_page
from evmtensor.units import RAO_PER_TAO


def _subnet_with_neurons(client, accounts, n: int):
    netuid = actions.register_subnet(client, accounts[1], Account.create())
    hotkeys = [Account.create() for _ in range(n)]
    for i, hot in enumerate(hotkeys):
        actions.register_neuron(client, netuid, accounts[2 + i % 6], hot)
    return netuid, hotkeys


def test_loader_pages_through_every_uid_at_one_block(client, accounts):
    netuid, hotkeys = _subnet_with_neurons(client, accounts, 4)
    actions.stake(client, netuid, accounts[3], hotkeys[1].address, 7 * RAO_PER_TAO)
    block = client.block_number()
    neurons = metagraph_loader(client, netuid, page_size=2)(block)  # 5 UIDs (owner + 4): 3 pages
    assert [n.uid for n in neurons] == [0, 1, 2, 3, 4]
    assert [n.hotkey for n in neurons[1:]] == [h.address for h in hotkeys]
    staked = client.view("StakingPools", "stakeOf", accounts[3].address, hotkeys[1].address, netuid)
    assert neurons[2].stake == staked > 0 and neurons[3].stake == 0

    late = Account.create()
    actions.register_neuron(client, netuid, accounts[8], late)
    assert len(metagraph_loader(client, netuid, page_size=2)(block)) == 5  # pinned: the old block
    assert metagraph_page(client, netuid, 0, 256).n == 6


def test_registry_admits_what_the_chain_says(client, accounts):
    netuid, hotkeys = _subnet_with_neurons(client, accounts, 2)
    registry = chain_registry(client, netuid)
    assert registry.refresh() and registry.loaded_block == client.block_number()
    assert registry.lookup(hotkeys[0].address).uid == 1
    outsider = Account.create()
    assert registry.lookup(outsider.address) is None
    actions.register_neuron(client, netuid, accounts[5], outsider)
    assert registry.refresh()
    assert registry.lookup(outsider.address).uid == 3
