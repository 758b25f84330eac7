"""Gas of epoch settlement on a real Anvil chain (devnet profile, osaka rules).

    .venv/bin/python bench/bench_gas_settlement.py

For subnets of 64 and 256 UIDs with 16 staked validators (dense weights over every UID), prints
the gas of `openEpoch` (the on-chain snapshot) and of `settle` with a 2/3 stake quorum of
attestations (signatures checked on-chain), for:
  * the first paid epoch (every miner's stake position and every metagraph record is new), and
  * a steady-state epoch (the same positions and records are updated).
The result is Yuma's exact-mode output on the chain's own inputs (oracle.epoch).

Attestation batches: a 64-UID subnet whose first validator alone holds the quorum settles its
steady-state epoch with 1, 4 and 16 signers (each from the same chain state: evm_snapshot /
evm_revert), giving the marginal gas per signer. It is compared with a Chainlink OCR2-style
`transmit` of the same report (one report, one ecrecover per signer), modelled from OCR2Base's
published structure (see `ocr2_transmit_gas`), as ratios.
"""

from __future__ import annotations

import argparse
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
from oracle.epoch import compute_result, parse_opened, settle, sign_result  # noqa: E402

VALIDATORS = 16


# Chainlink OCR2-style transmit (OCR2Base.transmit(reportContext, report, rs, ss, rawVs)): 21,000
# intrinsic + calldata (4 gas per zero byte, 16 per non-zero) + a fixed execution part (transmitter
# check: cold SLOAD 2,100; config digest / epoch-and-round: cold SLOAD 2,100 and SSTORE 2,900;
# keccak of the report 30 + 6 per word; Transmitted event ~1,600; ABI decoding ~1,000) + per
# signer: ecrecover precompile 3,000, cold SLOAD of the signer's oracle record 2,100, the
# duplicate-signer bitmap and role checks ~200, plus r and s in calldata (64 non-zero bytes).
OCR2_FIXED = 2_100 + 2_100 + 2_900 + 1_600 + 1_000
OCR2_PER_SIGNER_EXEC = 3_000 + 2_100 + 200


def calldata_gas(data: bytes) -> int:
    return sum(16 if b else 4 for b in data)


def ocr2_transmit_gas(report: bytes, signers: int) -> int:
    """OCR2 transmit gas of `report` signed by `signers` (the model above)."""
    words = -(-len(report) // 32)
    head = bytes(4) + bytes(range(1, 97)) + bytes(5 * 32) + b"\x01" * signers + bytes(32 - signers % 32)
    sigs = b"\x01" * (64 * signers)
    return (21_000 + calldata_gas(head + report + sigs) + OCR2_FIXED + 30 + 6 * words
            + OCR2_PER_SIGNER_EXEC * signers)


class Subnet:
    def __init__(self, w3: Web3, accounts: list, uids: int, stakes: list[int] | None = None,
                 validators: int = VALIDATORS):
        self.w3, self.accounts, self.uids = w3, accounts, uids
        stakes = stakes or [(2000 + 100 * i) * 10**9 for i in range(validators)]
        dep = deploy_protocol(w3, accounts[0], profile="devnet",
                              overrides={"NeuronRegistry": {"burnIncreaseMult": 10**18}},
                              genesis=[(a.address, 10**6 * 10**9) for a in accounts])
        self.client = client = ChainClient(w3, dep)
        owner = accounts[1]
        self.netuid = register_subnet(client, owner, Account.create())
        subnets = client.contract("SubnetRegistry")
        names = [c["name"] for c in next(f for f in subnets.abi if f.get("name") == "hyperparameters")["outputs"][0]["components"]]
        hp = dict(zip(names, subnets.functions.hyperparameters(self.netuid).call()))
        hp.update(weightsRateLimit=0, immunityPeriod=0, tempo=360, activityCutoff=5000, maxUids=max(uids, hp["maxUids"]),
                  maxValidators=max(validators, hp["maxValidators"]))
        client.send(subnets.functions.setHyperparameters(self.netuid, tuple(hp[n] for n in names)), owner)
        self.validators = [Account.create() for _ in range(validators)]
        for hk in self.validators:
            register_neuron(client, self.netuid, accounts[2], hk)
        self.miners = [Account.create() for _ in range(uids - 1 - validators)]
        for i, hk in enumerate(self.miners):
            register_neuron(client, self.netuid, accounts[3 + i % 5], hk)
        self.keys = [None, *self.validators, *self.miners]  # by UID (the owner hotkey does not sign)
        for hk, amount in zip(self.validators, stakes):
            actions.stake(client, self.netuid, accounts[2], hk.address, amount)
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

    def epoch(self, batches: tuple[int, ...] = ()) -> tuple[int, int, int, dict]:
        """Opens and settles one epoch; returns (open gas, settle gas, attestations, batch gas).

        For each k in `batches` the epoch is first settled, then reverted, with the k largest
        validators' attestations: {k: (settle gas, settle calldata, OCR2 report bytes)}.
        """
        self.mine_to_next_epoch()
        client = self.client
        receipt = client.send(client.contract("EpochSettlement").functions.openEpoch(self.netuid), self.accounts[9],
                              gas=25_000_000)
        snap = parse_opened(client.events(receipt, "EpochSettlement", "EpochOpened")[0])
        result, _, _ = compute_result(client, snap)
        # The largest stakes of the validator set sign until the quorum (miners hold stake too
        # once paid, and are in the set when among the top maxValidators).
        members = sorted((m for m in snap.neurons[1:] if m.stake >= snap.validator_threshold), key=lambda m: -m.stake)
        signed_by = {m.uid: sign_result(client, self.keys[m.uid], m.uid, result) for m in members}
        atts, signed = [], 0
        for m in members:
            if signed * 65535 >= snap.validator_stake * 43690:
                break
            atts.append(signed_by[m.uid])
            signed += m.stake
        settlement = client.contract("EpochSettlement")
        report = bytes.fromhex(settlement.encode_abi("resultDigest", args=[result.as_tuple()])[10:])
        batch = {}
        for k in batches:
            chosen = [signed_by[m.uid] for m in members[:k]]
            mark = self.w3.provider.make_request("evm_snapshot", [])["result"]
            out = settle(client, result, snap, chosen, self.accounts[9], gas=29_000_000)
            tx = self.w3.eth.get_transaction(out["transactionHash"])
            batch[k] = (out["gasUsed"], len(tx["input"]), report)
            self.w3.provider.make_request("evm_revert", [mark])
        out = settle(client, result, snap, atts, self.accounts[9], gas=29_000_000)
        return receipt["gasUsed"], out["gasUsed"], len(atts), batch


BATCHES = (1, 4, 16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uids", type=int, nargs="+", default=[64, 256], help="subnet sizes (default 64 256)")
    parser.add_argument("--validators", type=int, default=VALIDATORS, help=f"staked validators (default {VALIDATORS})")
    parser.add_argument("--no-batches", action="store_true", help="skip the attestation-batch comparison")
    args = parser.parse_args()
    print(f"{'UIDs':>5} {'epoch':<18} {'openEpoch gas':>14} {'settle gas':>12} {'per UID':>8} {'attestations':>13}")
    with Anvil(accounts=10) as node:
        w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        accounts = [dev_account(i) for i in range(10)]
        for uids in args.uids:
            net = Subnet(w3, accounts, uids, validators=args.validators)
            net.epoch()  # no permits yet: nothing earned, permits granted
            for label in ("first paid epoch", "steady state"):
                net.weights()
                open_gas, settle_gas, atts, _ = net.epoch()
                print(f"{uids:>5} {label:<18} {open_gas:>14,} {settle_gas:>12,} {settle_gas // uids:>8,} {atts:>13}",
                      flush=True)
        if args.no_batches:
            return
        # The first validator alone holds the quorum, so 1, 4 and 16 signers all settle. Measured
        # in the first paid epoch: before it the miners hold no stake (once paid they join the
        # validator set, and the quorum, of this 64-UID subnet).
        net = Subnet(w3, accounts, 64, [40_000 * 10**9] + [200 * 10**9] * (VALIDATORS - 1))
        net.epoch()
        net.weights()
        batches = net.epoch(BATCHES)[3]
    print("\nAttestation batches (64 UIDs, first paid epoch, the same chain state for each):")
    print(f"{'signers':>8} {'settle gas':>12} {'calldata B':>11} {'OCR2 transmit':>14} {'settle/OCR2':>12}")
    for k, (gas, size, report) in batches.items():
        ocr2 = ocr2_transmit_gas(report, k)
        print(f"{k:>8} {gas:>12,} {size:>11,} {ocr2:>14,} {gas / ocr2:>12.2f}")
    (g1, _, report), (g16, _, _) = batches[BATCHES[0]], batches[BATCHES[-1]]
    ours = (g16 - g1) / (BATCHES[-1] - BATCHES[0])
    theirs = (ocr2_transmit_gas(report, BATCHES[-1]) - ocr2_transmit_gas(report, BATCHES[0])) / (BATCHES[-1] - BATCHES[0])
    print(f"\nper signer: settle {ours:,.0f} gas, OCR2 model {theirs:,.0f} gas, ratio {ours / theirs:.2f}")
    print("OCR2 model: 21,000 + calldata(report + context + r,s,v; 4/zero byte, 16/non-zero) + "
          f"{OCR2_FIXED:,} fixed + keccak(report) + {OCR2_PER_SIGNER_EXEC:,} per signer "
          "(ecrecover 3,000 + cold SLOAD 2,100 + bitmap/role checks 200)")


if __name__ == "__main__":
    main()
