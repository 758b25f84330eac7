"""Gas of the pools and emission hot paths on a fresh Anvil (devnet profile).

Run: .venv/bin/python bench/bench_gas_pools.py

Prints gas for stake (first and later), unstake, move (same subnet and across subnets), transfer,
each in a block where emission was already accrued (an `accrue` earlier in the same block: the
pool call's own `accrueCurrent` is then one SLOAD), then a stake and an unstake that trigger the
accrual of 1 and 100 blocks themselves, accrual over 1, 100 and 10,000 blocks, and the Uniswap V2
swap anchor (a router swap costs about 100,000-130,000 gas; the ratio is against 110,000). Accruals over many blocks rewind Emission's
last-accrual block (storage slot 0) on a chain whose genesis block number is high: accrual depends
only on block.number - lastAccrualBlock, and mining 10,000 blocks on Anvil takes minutes.
"""

from __future__ import annotations

from eth_account import Account
from web3 import Web3

from evmtensor.chain.actions import register_subnet
from evmtensor.chain.client import ChainClient
from evmtensor.devtools.accounts import dev_account
from evmtensor.devtools.anvil import Anvil
from evmtensor.devtools.deploy import deploy_protocol
from evmtensor.units import MAX_UINT256 as MAX
from evmtensor.units import RAO_PER_TAO as TAO

UNISWAP_V2_SWAP = 110_000
GAS = 25_000_000


class _HighAnvil(Anvil):
    def command(self) -> list[str]:
        return super().command() + ["--number", "1000000"]


def _register_subnet(client, coldkey):
    hotkey = Account.create()
    return register_subnet(client, coldkey, hotkey), hotkey


def main() -> None:
    accounts = [dev_account(i) for i in range(6)]
    with _HighAnvil(accounts=6) as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        client = ChainClient(w3, deploy_protocol(w3, accounts[0], genesis=[(a.address, 100_000 * TAO) for a in accounts]))
        pools, emission = client.contract("StakingPools"), client.contract("Emission")
        a, b = _register_subnet(client, accounts[1]), _register_subnet(client, accounts[2])
        staker, other = accounts[3], accounts[4]
        deadline = w3.eth.get_block("latest")["timestamp"] + 36_000
        rows: list[tuple[str, int]] = []

        def run(label, fn, who):
            """`fn` in a block where an accrue ran just before it (one block, automine off)."""
            w3.provider.make_request("evm_setAutomine", [False])
            try:
                hashes = []
                for call, acct in ((emission.functions.accrue(), accounts[5]), (fn, who)):
                    tx = call.build_transaction({"from": acct.address, "gas": GAS, "chainId": w3.eth.chain_id,
                                                 "nonce": w3.eth.get_transaction_count(acct.address, "pending")})
                    hashes.append(w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
                w3.provider.make_request("evm_mine", [])
            finally:
                w3.provider.make_request("evm_setAutomine", [True])
            receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
            assert all(r["status"] == 1 for r in receipts), label
            rows.append((label, receipts[1]["gasUsed"]))

        def run_accruing(label, fn, who, blocks):
            """`fn` as the first call of its block, accruing the `blocks` since the last accrual."""
            if blocks > 1:
                w3.provider.make_request("anvil_mine", [hex(blocks - 1)])
            receipt = client.send(fn, who, gas=GAS)
            rows.append((label, receipt["gasUsed"]))

        run("stake (first stake of this coldkey)", pools.functions.stake(a[0], a[1].address, 10 * TAO, MAX, deadline), staker)
        run("stake (existing staker)", pools.functions.stake(a[0], a[1].address, 10 * TAO, MAX, deadline), staker)
        run("unstake (partial)", pools.functions.unstake(a[0], a[1].address, 2 * TAO, 0, deadline), staker)
        run("move (same subnet, other hotkey)", pools.functions.moveStake(a[1].address, b[1].address, a[0], a[0], TAO, 0, deadline), staker)
        run("move (across subnets)", pools.functions.moveStake(a[1].address, b[1].address, a[0], b[0], TAO, 0, deadline), staker)
        run("transfer (same subnet)", pools.functions.transferStake(other.address, a[1].address, a[0], a[0], TAO, 0, deadline), staker)
        run("transfer (across subnets)", pools.functions.transferStake(other.address, a[1].address, a[0], b[0], TAO, 0, deadline), staker)
        for blocks in (1, 100):
            run_accruing(f"stake (existing staker, accrues {blocks} blocks)",
                         pools.functions.stake(a[0], a[1].address, 10 * TAO, MAX, deadline), staker, blocks)
            run_accruing(f"unstake (partial, accrues {blocks} blocks)",
                         pools.functions.unstake(a[0], a[1].address, 2 * TAO, 0, deadline), staker, blocks)
        for blocks in (1, 100, 10_000):
            target = w3.eth.block_number + 1 - blocks
            w3.provider.make_request("anvil_setStorageAt", [emission.address, "0x0", "0x" + target.to_bytes(32, "big").hex()])
            run_accruing(f"accrue over {blocks:,} blocks (2 subnets)", emission.functions.accrue(), accounts[5], 1)

    print(f"{'operation (accrual already ran in the block unless it says so)':62} {'gas':>10}")
    for label, gas in rows:
        print(f"{label:62} {gas:>10,}")
    print(f"{'Uniswap V2 swap via router (anchor)':45} {'100,000-130,000':>15}")
    for label, gas in rows:
        if label in ("stake (existing staker)", "unstake (partial)"):
            print(f"ratio {label} / {UNISWAP_V2_SWAP:,}: {gas / UNISWAP_V2_SWAP:.2f}")


if __name__ == "__main__":
    main()
