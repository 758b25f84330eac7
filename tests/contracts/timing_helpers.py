"""Helpers for the accrual-timing tests: several transactions in one block, snapshots, values."""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["one_block", "snapshot", "tao_value"]

_GAS = 8_000_000


def one_block(w3, calls) -> list:
    """Mines ``calls`` (``(fn_call, account)`` pairs) in one block, in order; returns the receipts.

    Automine is off while they are queued, so the block holds exactly these transactions (as an
    attacker's bundle would). Each gets a fixed gas limit: estimating against a queue is unreliable.
    An ``account`` given as an address string is impersonated (a protocol contract, settlement).
    """
    nonces: dict[str, int] = {}
    hashes = []
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        for fn_call, account in calls:
            address = account if isinstance(account, str) else account.address
            nonce = nonces.get(address)
            if nonce is None:
                nonce = w3.eth.get_transaction_count(address, "pending")
            nonces[address] = nonce + 1
            tx = fn_call.build_transaction({"from": address, "nonce": nonce, "gas": _GAS, "chainId": w3.eth.chain_id})
            if isinstance(account, str):
                w3.provider.make_request("anvil_impersonateAccount", [address])
                w3.provider.make_request("anvil_setBalance", [address, hex(10**20)])
                hashes.append(w3.eth.send_transaction(tx))
            else:
                hashes.append(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    return [w3.eth.get_transaction_receipt(h) for h in hashes]


@contextmanager
def snapshot(w3):
    """Runs the block, then reverts the chain to where it was before it."""
    snap = w3.provider.make_request("evm_snapshot", [])["result"]
    try:
        yield
    finally:
        w3.provider.make_request("evm_revert", [snap])


def tao_value(pools, tao, coldkey: str, positions) -> tuple[int, list[int]]:
    """A holder's liquid TAO and the alpha of each ``(hotkey, netuid)`` position."""
    return (
        tao.functions.balanceOf(coldkey).call(),
        [pools.functions.stakeOf(coldkey, hotkey, netuid).call() for hotkey, netuid in positions],
    )
