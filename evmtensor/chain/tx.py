"""Send transactions and make calls, turning reverts into named exceptions.

One way to transact for every component: ``send(w3, contract.functions.f(...), account)``
estimates gas (a revert surfaces here, decoded by name), signs locally with the account's key,
sends, waits for the receipt, and raises :class:`ContractRevert` if it was mined as a failure.
"""

from __future__ import annotations

import logging
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError, Web3RPCError

from evmtensor.chain.errors import decode_revert, revert_from_exception
from evmtensor.errors import ChainError, ContractRevert

__all__ = ["send", "call", "known_abis", "register_abis"]

log = logging.getLogger(__name__)

_ABIS: list[list[dict]] = []
_REVERTS = (ContractCustomError, ContractPanicError, ContractLogicError)


def register_abis(abis: list[list[dict]]) -> None:
    """Make these ABIs' custom errors decodable in every ``send``/``call``."""
    for abi in abis:
        if abi not in _ABIS:
            _ABIS.append(abi)


def known_abis() -> list[list[dict]]:
    return list(_ABIS)


def _raise_revert(exc: Exception) -> None:
    decoded = revert_from_exception(exc, _ABIS)
    if decoded is not None:
        raise decoded from exc
    raise ChainError(str(exc)) from exc


def call(fn_call, *, sender: str | None = None, block: Any = "latest") -> Any:
    """``eth_call`` a contract function; reverts raise :class:`ContractRevert`."""
    try:
        return fn_call.call({"from": sender} if sender else {}, block_identifier=block)
    except _REVERTS as exc:
        _raise_revert(exc)


def send(w3: Web3, fn_call, account: LocalAccount, *, value: int = 0, gas: int | None = None) -> dict:
    """Sign and send ``fn_call`` from ``account``; returns the receipt.

    Raises:
        ContractRevert: the call reverts (named after the custom error).
        ChainError: the node refused the transaction.
    """
    params: dict[str, Any] = {
        "from": account.address,
        "value": value,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
    }
    try:
        params["gas"] = gas if gas is not None else _gas_limit(fn_call, params)
        tx = fn_call.build_transaction(params)
    except _REVERTS as exc:
        _raise_revert(exc)
    except Web3RPCError as exc:
        raise ChainError(str(exc)) from exc
    return send_raw(w3, tx, account)


def _gas_limit(fn_call, params: dict) -> int:
    """The estimate against the pending block (where the transaction lands: lazy accrual there
    has one more block of work than at ``latest``), plus headroom, since nested calls keep 1/64
    of their gas back (EIP-150) and a transaction that runs out of gas still pays its fee."""
    return fn_call.estimate_gas(params, block_identifier="pending") * 13 // 10 + 20_000


def send_raw(w3: Web3, tx: dict, account: LocalAccount) -> dict:
    """Sign ``tx`` (a full transaction dict) and wait for its receipt."""
    signed = account.sign_transaction(tx)
    try:
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    except Web3RPCError as exc:
        raise ChainError(str(exc)) from exc
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    log.info("tx %s gas=%s status=%s", tx_hash.hex(), receipt["gasUsed"], receipt["status"])
    if receipt["status"] != 1:
        _replay_failure(w3, tx, receipt)
    return receipt


def _replay_failure(w3: Web3, tx: dict, receipt: dict) -> None:
    """Re-run a mined failure as a call at its block to recover the revert data."""
    replay = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
    try:
        w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1)
    except _REVERTS as exc:
        _raise_revert(exc)
    except Web3RPCError as exc:
        data = getattr(exc, "data", None)
        if data:
            raise decode_revert(data, _ABIS) from exc
    raise ContractRevert("Unknown", (receipt["transactionHash"].hex(),))
