"""Gas of a neuron registration that replaces a UID in a full subnet at the largest maxUids the
bounds allow (HyperparameterBounds.MAX_UIDS, 512): the replacement scans every UID.

    .venv/bin/python bench/bench_gas_prune_scan.py

Filling 511 UIDs by registration would take hundreds of transactions, so the UID slots are
written with anvil_setStorageAt in NeuronRegistry's layout (slot 1: netuid => SubnetState, slot 2:
instance => uid => Neuron{hotkey, registeredAt, emission}); the registration itself is a real
transaction. Prints the gas and its share of a 30M block.
"""

from __future__ import annotations

from eth_account import Account
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from evmtensor.chain.actions import register_neuron_receipt, register_subnet_receipt
from evmtensor.chain.client import ChainClient
from evmtensor.chain.subnets import MAX_UIDS  # HyperparameterBounds.MAX_UIDS, pinned by test_subnet_cli
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import deploy_protocol

BLOCK_GAS = 30_000_000


def _slot(key: int, base: int) -> int:
    return int.from_bytes(keccak(key.to_bytes(32, "big") + base.to_bytes(32, "big")), "big")


def _set(w3, address, slot: int, value: int) -> None:
    w3.provider.make_request("anvil_setStorageAt", [address, hex(slot), "0x" + value.to_bytes(32, "big").hex()])


def main() -> None:
    accounts = [dev_account(i) for i in range(3)]
    with Anvil(accounts=3) as node:
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        client = ChainClient(w3, deploy_protocol(w3, accounts[0], genesis=[(a.address, 100_000 * 10**9) for a in accounts]))
        subnets, neurons = client.contract("SubnetRegistry"), client.contract("NeuronRegistry")
        register_subnet_receipt(client, accounts[1], Account.create())
        netuid = 1
        hp = list(subnets.functions.hyperparameters(netuid).call())
        hp[1], hp[3] = MAX_UIDS, 0  # maxUids, immunityPeriod
        client.send(subnets.functions.setHyperparameters(netuid, tuple(hp)), accounts[1])
        state_slot = _slot(netuid, 1)
        state = int.from_bytes(w3.eth.get_storage_at(neurons.address, state_slot), "big")
        instance = state & 0xFFFFFFFF
        base = _slot(instance, 2)
        for uid in range(1, MAX_UIDS):
            hotkey = 0x1000 + uid
            # Every UID registered at block 1 with a distinct emission; the minimum is the last one.
            _set(w3, neurons.address, _slot(uid, base), hotkey | (1 << 160) | ((10**6 + MAX_UIDS - uid) << 192))
        count_mask = 0xFFFF << 32
        _set(w3, neurons.address, state_slot, (state & ~count_mask) | (MAX_UIDS << 32))
        receipt = register_neuron_receipt(client, netuid, accounts[2], Account.create())
    gas = receipt["gasUsed"]
    print(f"register neuron replacing a UID in a full {MAX_UIDS}-UID subnet: {gas:,} gas "
          f"({100 * gas / BLOCK_GAS:.1f}% of a {BLOCK_GAS // 10**6}M block)")


if __name__ == "__main__":
    main()
