"""What the learning scripts share: a web3 connection, the deployment file's contracts, and a
send that signs locally and waits for the receipt. Plain web3.py, nothing hidden.

    EVMTENSOR_RPC_URL      JSON-RPC endpoint (default http://127.0.0.1:8545)
    EVMTENSOR_DEPLOYMENT   deployment file (default .data/devnet/deployment.json)
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from eth_account import Account
from web3 import Web3

ROOT = Path(__file__).resolve().parent.parent
# Anvil's well-known development mnemonic: these scripts are for a local devnet.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
Account.enable_unaudited_hdwallet_features()


def connect():
    """``(w3, deployment dict)`` from the environment."""
    w3 = Web3(Web3.HTTPProvider(os.environ.get("EVMTENSOR_RPC_URL", "http://127.0.0.1:8545")))
    path = Path(os.environ.get("EVMTENSOR_DEPLOYMENT", ROOT / ".data" / "devnet" / "deployment.json"))
    deployment = json.loads(path.read_text())
    assert w3.eth.chain_id == deployment["chainId"], "the deployment is for another chain"
    return w3, deployment


def contract(w3, deployment, name):
    """The web3 contract ``name`` (e.g. "StakingPools") at its deployed address."""
    return w3.eth.contract(address=deployment["addresses"][name], abi=deployment["abis"][name])


def dev_key(index, branch=0):
    """Development key ``index``: branch 0 holds TAO and gas (coldkeys), branch 1 are hotkeys."""
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/{branch}'/0/{index}")


def send(w3, fn_call, account):
    """Sign ``fn_call`` as ``account``, send it, and return the receipt (raises if it reverted)."""
    # Estimate against the pending block, where the transaction lands (emission accrues lazily,
    # so it has one more block of work than "latest"), with headroom for nested calls (EIP-150).
    gas = fn_call.estimate_gas({"from": account.address}, block_identifier="pending") * 13 // 10 + 20_000
    tx = fn_call.build_transaction({
        "from": account.address,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
        "gas": gas,
    })
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1, f"transaction {tx_hash.hex()} reverted"
    return receipt


def deadline(w3, seconds=3600):
    """A unix-time deadline ``seconds`` ahead of the chain's clock (or ours, if later)."""
    return max(int(time.time()), w3.eth.get_block("latest")["timestamp"]) + seconds
