"""Gas of the registry hot paths on a real Anvil chain (devnet profile).

    .venv/bin/python bench/bench_gas_registry.py

Prints gas for: register subnet (first, and a later one at the doubled lock), register neuron
(first append, a typical append, and replacement in a full 256-UID subnet, which scans every UID),
serve axon (first and a later update), and the metagraph read of 256 UIDs (eth_call gas, one
page) plus the subnet header.
"""

from __future__ import annotations

from eth_account import Account
from web3 import HTTPProvider, Web3
from web3.logs import DISCARD

from evmtensor.chain.actions import register_neuron_receipt, register_subnet_receipt
from evmtensor.chain.client import ChainClient
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import deploy_protocol

UIDS = 256


def _accounts(n: int = 10) -> list:
    return [dev_account(i) for i in range(n)]


class Bench:
    def __init__(self, w3: Web3, client, accounts):
        self.w3, self.d, self.accounts = w3, client, accounts
        self.subnets = client.contract("SubnetRegistry")
        self.neurons = client.contract("NeuronRegistry")
        self.views = client.contract("MetagraphViews")

    def send(self, fn_call, sender) -> dict:
        return self.d.send(fn_call, sender)

    def register_subnet(self, coldkey, hotkey=None) -> tuple[int, int]:
        receipt = register_subnet_receipt(self.d, coldkey, hotkey or Account.create())
        (event,) = self.subnets.events.SubnetRegistered().process_receipt(receipt, errors=DISCARD)
        return receipt.gasUsed, event.args.netuid

    def register_neuron(self, netuid: int, coldkey, hotkey=None):
        hotkey = hotkey or Account.create()
        return register_neuron_receipt(self.d, netuid, coldkey, hotkey).gasUsed, hotkey

    def set_immunity(self, netuid: int, owner, period: int) -> None:
        (fn,) = [f for f in self.subnets.abi if f.get("name") == "hyperparameters"]
        names = [c["name"] for c in fn["outputs"][0]["components"]]
        hp = dict(zip(names, self.subnets.functions.hyperparameters(netuid).call()))
        hp["immunityPeriod"] = period
        self.send(self.subnets.functions.setHyperparameters(netuid, tuple(hp[n] for n in names)), owner)


def run() -> list[tuple[str, int]]:
    rows: list[tuple[str, int]] = []
    with Anvil(accounts=10) as anvil:
        w3 = Web3(HTTPProvider(anvil.url))
        accounts = _accounts()
        client = ChainClient(w3, deploy_protocol(w3, accounts[0], profile="devnet",
                                                 genesis=[(a.address, 1_000_000 * 10**9) for a in accounts]))
        b = Bench(w3, client, accounts)
        owner = accounts[1]

        gas, netuid = b.register_subnet(owner)
        rows.append(("registerSubnet (first, owner hotkey as UID 0)", gas))
        gas, _ = b.register_subnet(accounts[2])
        rows.append(("registerSubnet (second, doubled lock)", gas))

        gas, hotkey = b.register_neuron(netuid, accounts[3])
        rows.append(("registerNeuron (first append, new hotkey)", gas))
        gas, _ = b.register_neuron(netuid, accounts[3])
        rows.append(("registerNeuron (typical append, new hotkey)", gas))
        gas, _ = b.register_neuron(2, accounts[3], hotkey=hotkey)
        rows.append(("registerNeuron (known hotkey on a second subnet)", gas))

        w3.provider.make_request("anvil_setBalance", [hotkey.address, hex(10**20)])
        ip = (10 << 24) + 1
        rows.append(("serveAxon (first)", b.send(b.neurons.functions.serveAxon(netuid, ip, 8091, 4, 4, 1), hotkey).gasUsed))
        w3.provider.make_request("anvil_mine", [hex(100)])
        rows.append(("serveAxon (update after the rate limit)",
                     b.send(b.neurons.functions.serveAxon(netuid, ip + 1, 8092, 4, 4, 2), hotkey).gasUsed))

        while b.neurons.functions.subnetN(netuid).call() < UIDS:
            b.register_neuron(netuid, accounts[3 + b.neurons.functions.subnetN(netuid).call() % 6])
        b.set_immunity(netuid, owner, 0)
        gas, _ = b.register_neuron(netuid, accounts[4])
        rows.append((f"registerNeuron (full {UIDS}-UID subnet, replacement scan)", gas))

        rows.append((f"MetagraphViews.metagraph({UIDS} UIDs, eth_call)",
                     b.views.functions.metagraph(netuid, 0, UIDS).estimate_gas()))
        rows.append(("MetagraphViews.subnet (header, eth_call)", b.views.functions.subnet(netuid).estimate_gas()))
        rows.append((f"NeuronRegistry.neurons({UIDS} UIDs, eth_call)",
                     b.neurons.functions.neurons(netuid, 0, UIDS).estimate_gas()))
    return rows


def main() -> None:
    rows = run()
    width = max(len(name) for name, _ in rows)
    print(f"{'operation':<{width}}  {'gas':>10}")
    for name, gas in rows:
        print(f"{name:<{width}}  {gas:>10,}")


if __name__ == "__main__":
    main()
