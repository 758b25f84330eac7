"""Gas of weights submission on a real Anvil chain (devnet profile, osaka rules).

    .venv/bin/python bench/bench_gas_weights.py

A 256-UID subnet with 32 permitted validators. Prints gas for one signed row posted alone
(``setWeights``: a validator's first row at 64 UIDs, and updates) and for batches of 1, 8 and 32
validators in one ``submitWeights`` transaction, at 64 and 256 UIDs per row, with gas per row.
Every batched row is an update (the validators' first rows go in a warm-up batch, also printed).
Rows are dense (every UID weighted) with non-zero weights: the calldata-heavy worst case.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from evmtensor.chain.actions import register_neuron, register_subnet  # noqa: E402
from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.chain.weights import WeightsRow, set_weights, sign_weights, submit_weights  # noqa: E402
from evmtensor.devtools.accounts import dev_account  # noqa: E402
from evmtensor.devtools.anvil import Anvil  # noqa: E402
from evmtensor.devtools.deploy import deploy_protocol  # noqa: E402

UIDS = 256
VALIDATORS = 32


def dev_accounts(n: int = 10) -> list:
    return [dev_account(i) for i in range(n)]


class WeightsSubnet:
    """A subnet with ``uids`` UIDs whose UIDs 1..validators are permitted validators, weights
    rate limit 0; ``signed(hotkey, n_uids)`` makes a fresh dense row for a validator."""

    def __init__(self, w3: Web3, accounts: list, uids: int = UIDS, validators: int = VALIDATORS):
        self.w3, self.accounts = w3, accounts
        settlement = accounts[9]
        self.dep = deploy_protocol(
            w3, accounts[0], profile="devnet", settlement=settlement.address,
            overrides={"NeuronRegistry": {"burnIncreaseMult": 10**18}},
            genesis=[(a.address, 10**6 * 10**9) for a in accounts],
        )
        self.client = client = ChainClient(w3, self.dep)
        owner = accounts[1]
        self.netuid = register_subnet(client, owner, Account.create())
        subnets = client.contract("SubnetRegistry")
        names = [c["name"] for c in next(f for f in subnets.abi if f.get("name") == "hyperparameters")["outputs"][0]["components"]]
        hp = dict(zip(names, subnets.functions.hyperparameters(self.netuid).call()))
        hp.update(weightsRateLimit=0, immunityPeriod=0)
        client.send(subnets.functions.setHyperparameters(self.netuid, tuple(hp[n] for n in names)), owner)
        self.validators = [Account.create() for _ in range(validators)]
        for hk in self.validators:
            register_neuron(client, self.netuid, accounts[2], hk)
        for i in range(uids - 1 - validators):
            register_neuron(client, self.netuid, accounts[3 + i % 5], Account.create())
        records = [(0, 0, 0, 1 <= uid <= validators) for uid in range(uids)]
        neurons = client.contract("NeuronRegistry")
        client.send(neurons.functions.recordEpoch(self.netuid, w3.eth.block_number, 0, records), settlement)
        self.contract = client.contract("Weights")
        self.nonces: dict[str, int] = {}
        self.rng = random.Random(7)

    def signed(self, hotkey, n_uids: int, deadline_blocks: int = 10_000):
        nonce = self.nonces.get(hotkey.address, 0) + 1
        self.nonces[hotkey.address] = nonce
        uids = tuple(range(n_uids))
        values = tuple(self.rng.randint(1, 65535) for _ in uids)
        row = WeightsRow(self.netuid, uids, values, 0, nonce, self.w3.eth.block_number + deadline_blocks)
        return sign_weights(hotkey, self.contract.address, self.dep.chain_id, row)


def run() -> list[tuple[str, int, int]]:
    rows: list[tuple[str, int, int]] = []
    with Anvil(accounts=10) as anvil:
        w3 = Web3(HTTPProvider(anvil.url, request_kwargs={"timeout": 120}))
        net = WeightsSubnet(w3, dev_accounts())
        relay = net.accounts[8]
        first = [net.signed(hk, 64) for hk in net.validators[1:]]
        gas = submit_weights(net.client, first, relay, gas=29_000_000).gasUsed
        rows.append((f"submitWeights, 64 UIDs x {len(first)} validators (first rows)", gas, gas // len(first)))
        for n_uids in (64, 256):
            v = net.validators[0]
            if n_uids == 64:
                gas = set_weights(net.client, net.signed(v, n_uids), relay).gasUsed
                rows.append((f"setWeights, {n_uids} UIDs, validator's first row", gas, gas))
            gas = set_weights(net.client, net.signed(v, n_uids), relay).gasUsed
            rows.append((f"setWeights, {n_uids} UIDs, update", gas, gas))
            for batch in (1, 8, VALIDATORS):
                signed = [net.signed(hk, n_uids) for hk in net.validators[:batch]]
                gas = submit_weights(net.client, signed, relay, gas=29_000_000).gasUsed
                rows.append((f"submitWeights, {n_uids} UIDs x {batch} validators (updates)", gas, gas // batch))
    return rows


def main() -> None:
    rows = run()
    width = max(len(name) for name, _, _ in rows)
    print(f"{'operation':<{width}}  {'gas/tx':>11}  {'gas/row':>9}")
    for name, gas, per_row in rows:
        print(f"{name:<{width}}  {gas:>11,}  {per_row:>9,}")


if __name__ == "__main__":
    main()
