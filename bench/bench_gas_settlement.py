"""Gas of epoch settlement on a real Anvil chain (devnet profile, osaka rules).

    .venv/bin/python bench/bench_gas_settlement.py

For subnets of 64 and 256 UIDs with 16 staked validators (dense weights over every UID), prints
the gas of `openEpoch` (the on-chain snapshot) and of `settle` with a 2/3 stake quorum of
attestations (signatures checked on-chain), for:
  * the first paid epoch (every miner's stake position and every metagraph record is new), and
  * a steady-state epoch (the same positions and records are updated).
The result is Yuma's exact-mode output on the chain's own inputs (oracle.epoch).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eth_account import Account  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from evmtensor.chain import actions  # noqa: E402
from evmtensor.chain.actions import register_neuron, register_subnet  # noqa: E402
from evmtensor.chain.client import ChainClient  # noqa: E402
from evmtensor.chain.weights import WeightsRow, sign_weights, submit_weights  # noqa: E402
from evmtensor.devtools.accounts import dev_account  # noqa: E402
from evmtensor.devtools.anvil import Anvil  # noqa: E402
from evmtensor.devtools.deploy import deploy_protocol  # noqa: E402
from oracle.epoch import compute_result, open_epoch, settle, sign_result  # noqa: E402

VALIDATORS = 16


class Subnet:
    def __init__(self, w3: Web3, accounts: list, uids: int):
        self.w3, self.accounts, self.uids = w3, accounts, uids
        dep = deploy_protocol(w3, accounts[0], profile="devnet",
                              overrides={"NeuronRegistry": {"burnIncreaseMult": 10**18}},
                              genesis=[(a.address, 10**6 * 10**9) for a in accounts])
        self.client = client = ChainClient(w3, dep)
        owner = accounts[1]
        self.netuid = register_subnet(client, owner, Account.create())
        subnets = client.contract("SubnetRegistry")
        names = [c["name"] for c in next(f for f in subnets.abi if f.get("name") == "hyperparameters")["outputs"][0]["components"]]
        hp = dict(zip(names, subnets.functions.hyperparameters(self.netuid).call()))
        hp.update(weightsRateLimit=0, immunityPeriod=0, tempo=360, activityCutoff=5000)
        client.send(subnets.functions.setHyperparameters(self.netuid, tuple(hp[n] for n in names)), owner)
        self.validators = [Account.create() for _ in range(VALIDATORS)]
        for hk in self.validators:
            register_neuron(client, self.netuid, accounts[2], hk)
        self.miners = [Account.create() for _ in range(uids - 1 - VALIDATORS)]
        for i, hk in enumerate(self.miners):
            register_neuron(client, self.netuid, accounts[3 + i % 5], hk)
        self.keys = [None, *self.validators, *self.miners]  # by UID (the owner hotkey does not sign)
        for i, hk in enumerate(self.validators):
            actions.stake(client, self.netuid, accounts[2], hk.address, (2000 + 100 * i) * 10**9)
        self.rng = random.Random(11)
        self.nonce = 0

    def mine_to_next_epoch(self) -> None:
        state = self.client.view("EpochSettlement", "epochState", self.netuid)
        if state["snapshotBlock"]:
            first = (state["epoch"] + 1) * 361 - self.netuid - 1
            self.w3.provider.make_request("anvil_mine", [hex(max(first - self.w3.eth.block_number - 1, 0))])

    def weights(self) -> None:
        self.nonce += 1
        weights = self.client.contract("Weights")
        rows = []
        for hk in self.validators:
            uids = tuple(range(self.uids))
            values = tuple(self.rng.randint(1, 65535) for _ in uids)
            row = WeightsRow(self.netuid, uids, values, 0, self.nonce, self.w3.eth.block_number + 1000)
            rows.append(sign_weights(hk, weights.address, self.client.deployment.chain_id, row))
        for i in range(0, len(rows), 4):
            submit_weights(self.client, rows[i:i + 4], self.accounts[9], gas=25_000_000)

    def epoch(self) -> tuple[int, int, int]:
        """Opens and settles one epoch; returns (open gas, settle gas, attestations)."""
        self.mine_to_next_epoch()
        client = self.client
        receipt = client.send(client.contract("EpochSettlement").functions.openEpoch(self.netuid), self.accounts[9],
                              gas=25_000_000)
        from oracle.epoch import parse_opened

        snap = parse_opened(client.events(receipt, "EpochSettlement", "EpochOpened")[0])
        result, _, _ = compute_result(client, snap)
        # The largest stakes of the validator set sign until the quorum (miners hold stake too
        # once paid, and are in the set when among the top maxValidators).
        members = [m for m in snap.neurons[1:] if m.stake >= snap.validator_threshold]
        atts, signed = [], 0
        for m in sorted(members, key=lambda m: -m.stake):
            if signed * 65535 >= snap.validator_stake * 43690:
                break
            atts.append(sign_result(client, self.keys[m.uid], m.uid, result))
            signed += m.stake
        out = settle(client, result, snap, atts, self.accounts[9], gas=29_000_000)
        return receipt["gasUsed"], out["gasUsed"], len(atts)


def run() -> list[tuple]:
    rows = []
    with Anvil(accounts=10) as node:
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        accounts = [dev_account(i) for i in range(10)]
        for uids in (64, 256):
            net = Subnet(w3, accounts, uids)
            net.epoch()  # no permits yet: nothing earned, permits granted
            net.weights()
            first = net.epoch()
            net.weights()
            steady = net.epoch()
            rows.append((uids, "first paid epoch", *first))
            rows.append((uids, "steady state", *steady))
    return rows


def main() -> None:
    print(f"{'UIDs':>5} {'epoch':<18} {'openEpoch gas':>14} {'settle gas':>12} {'attestations':>13}")
    for uids, label, open_gas, settle_gas, atts in run():
        print(f"{uids:>5} {label:<18} {open_gas:>14,} {settle_gas:>12,} {atts:>13}")


if __name__ == "__main__":
    main()
