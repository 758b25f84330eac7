"""The chain client: one object per (connection, deployment) that every component acts through.

``ChainClient(w3, deployment)`` makes contract objects, sends transactions (gas estimated against
the pending block, signed locally, receipt awaited), makes calls, reads events and struct views,
builds chain-time deadlines, and decodes reverts into :class:`ContractRevert` named after the
custom error, using its own deployment's ABIs: nothing depends on what else the process loaded.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError, Web3RPCError
from web3.logs import DISCARD

from evmtensor.chain.connect import connect
from evmtensor.chain.deployment import Deployment, load_deployment
from evmtensor.chain.errors import decode_revert, revert_from_exception
from evmtensor.chain.views import decode_outputs, function_abi
from evmtensor.errors import ChainError, ContractRevert, DeploymentError

__all__ = ["ChainClient"]

log = logging.getLogger(__name__)

_REVERTS = (ContractCustomError, ContractPanicError, ContractLogicError)


class ChainClient:
    """A web3 connection paired with the deployment it talks to.

    Args:
        w3: a connected Web3.
        deployment: the protocol's addresses and ABIs on that chain.
        extra_abis: more ABIs whose custom errors should decode (e.g. a test contract's).
    """

    def __init__(self, w3: Web3, deployment: Deployment, *, extra_abis: list[list[dict]] = ()):
        self.w3 = w3
        self.deployment = deployment
        self._abis = [*deployment.abis.values(), *extra_abis]
        self._contracts: dict[str, Any] = {}

    @classmethod
    def connect(cls, rpc_url: str, deployment: Deployment | Path | str, *, check: bool = True) -> ChainClient:
        """Connect to ``rpc_url`` and, with ``check``, verify the deployment is live there.

        Raises:
            ChainError: nothing answers at ``rpc_url``.
            DeploymentError: the deployment is for another chain or has no code there.
        """
        if not isinstance(deployment, Deployment):
            deployment = load_deployment(deployment)
        client = cls(connect(rpc_url), deployment)
        if check:
            client.check_deployment()
        return client

    def check_deployment(self) -> None:
        """Raise DeploymentError unless the chain id matches and every contract has code."""
        dep = self.deployment
        if self.w3.eth.chain_id != dep.chain_id:
            raise DeploymentError(f"the deployment is for chain {dep.chain_id}, the endpoint is chain "
                                  f"{self.w3.eth.chain_id}")
        empty = [n for n, a in dep.addresses.items() if not self.w3.eth.get_code(a)]
        if empty:
            raise DeploymentError(f"no code at the deployment's addresses of {empty}")

    # ------------------------------------------------------------------ contracts and reads

    def contract(self, name: str):
        """The web3 contract object for ``name`` (cached)."""
        if name not in self._contracts:
            dep = self.deployment
            self._contracts[name] = self.w3.eth.contract(address=dep.address(name), abi=dep.abi(name))
        return self._contracts[name]

    def call(self, fn_call, *, sender: str | None = None, block: Any = "latest") -> Any:
        """``eth_call`` a contract function; a revert raises :class:`ContractRevert`."""
        try:
            return fn_call.call({"from": sender} if sender else {}, block_identifier=block)
        except _REVERTS as exc:
            self._raise_revert(exc)
        except Web3RPCError as exc:
            raise ChainError(str(exc)) from exc

    def view(self, contract: str, function: str, *args: Any, block: Any = "latest") -> Any:
        """Call a view and decode its return by the ABI (structs as named Records)."""
        abi = function_abi(self.deployment.abi(contract), function, len(args))
        raw = self.call(getattr(self.contract(contract).functions, function)(*args), block=block)
        return decode_outputs(abi["outputs"], raw)

    def events(self, receipt: dict, contract: str, event: str) -> list:
        """The ``event`` logs of ``contract`` in ``receipt`` (others ignored)."""
        return list(getattr(self.contract(contract).events, event)().process_receipt(receipt, errors=DISCARD))

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def deadline(self, seconds: int = 3600) -> int:
        """A deadline ``seconds`` after now, by chain time where it is ahead of ours (Anvil's
        clock can be moved ahead of the wall clock)."""
        return max(int(time.time()), int(self.w3.eth.get_block("latest")["timestamp"])) + seconds

    # ------------------------------------------------------------------ transactions

    def send(self, fn_call, account: LocalAccount, *, value: int = 0, gas: int | None = None) -> dict:
        """Sign and send ``fn_call`` from ``account``; returns the receipt.

        Raises:
            ContractRevert: the call reverts (named after the custom error).
            ChainError: the node refused the transaction.
        """
        params: dict[str, Any] = {
            "from": account.address,
            "value": value,
            "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
            "chainId": self.w3.eth.chain_id,
        }
        try:
            params["gas"] = gas if gas is not None else self._gas_limit(fn_call, params)
            tx = fn_call.build_transaction(params)
        except _REVERTS as exc:
            self._raise_revert(exc)
        except Web3RPCError as exc:
            raise ChainError(str(exc)) from exc
        return self.send_raw(tx, account)

    @staticmethod
    def _gas_limit(fn_call, params: dict) -> int:
        """The estimate against the pending block (where the transaction lands: lazy accrual
        there has one more block of work than at ``latest``), plus headroom, since nested calls
        keep 1/64 of their gas back (EIP-150) and a transaction out of gas still pays its fee."""
        return fn_call.estimate_gas(params, block_identifier="pending") * 13 // 10 + 20_000

    def send_raw(self, tx: dict, account: LocalAccount) -> dict:
        """Sign ``tx`` (a full transaction dict) and wait for its receipt."""
        signed = account.sign_transaction(tx)
        try:
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        except Web3RPCError as exc:
            raise ChainError(str(exc)) from exc
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        log.info("tx %s gas=%s status=%s", tx_hash.hex(), receipt["gasUsed"], receipt["status"])
        if receipt["status"] != 1:
            self._replay_failure(tx, receipt)
        return receipt

    # ------------------------------------------------------------------ reverts

    def decode_revert(self, data: bytes | str | None) -> ContractRevert:
        """Raw revert data as a :class:`ContractRevert` named from this deployment's ABIs."""
        return decode_revert(data, self._abis)

    def _raise_revert(self, exc: Exception) -> None:
        decoded = revert_from_exception(exc, self._abis)
        if decoded is not None:
            raise decoded from exc
        raise ChainError(str(exc)) from exc

    def _replay_failure(self, tx: dict, receipt: dict) -> None:
        """Re-run a mined failure as a call at its block to recover the revert data."""
        replay = {k: tx[k] for k in ("from", "to", "data", "value") if k in tx}
        try:
            self.w3.eth.call(replay, block_identifier=receipt["blockNumber"] - 1)
        except _REVERTS as exc:
            self._raise_revert(exc)
        except Web3RPCError as exc:
            data = getattr(exc, "data", None)
            if data:
                raise self.decode_revert(data) from exc
        raise ContractRevert("Unknown", (receipt["transactionHash"].hex(),))
