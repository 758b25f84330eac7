"""The relay's view of the chain: the Weights contract's own checks, and its batch transactions.

Every acceptance check is the contract's (``checkWeights``/``checkCommit``/``checkReveal`` by
``eth_call``), so the relay refuses exactly what the chain would, with the same error names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.logs import DISCARD

from evmtensor.chain.client import ChainClient
from evmtensor.errors import ChainError, ContractRevert
from oracle.relay.store import Kind

__all__ = ["Outcome", "RelayChain", "SignedTx", "as_message"]

log = logging.getLogger(__name__)

_SUBMIT = {Kind.WEIGHTS: "submitWeights", Kind.COMMIT: "submitCommits", Kind.REVEAL: "submitReveals"}
_CHECK = {Kind.WEIGHTS: "checkWeights", Kind.COMMIT: "checkCommit", Kind.REVEAL: "checkReveal"}


@dataclass(frozen=True)
class SignedTx:
    tx_hash: str
    account_nonce: int
    raw: str


@dataclass(frozen=True)
class Outcome:
    """What a mined batch did to one message, found in its logs."""

    applied: bool
    rejected_reason: ContractRevert | None


class RelayChain:
    """Reads and writes the chain for the relay, as one submitter account."""

    def __init__(self, rpc_url: str, deployment_path, submitter_key: str):
        self.client = ChainClient.connect(rpc_url, deployment_path)
        self.w3 = self.client.w3
        self.weights = self.client.contract("Weights")
        self.settlement = self.client.contract("EpochSettlement")
        self.account: LocalAccount = Account.from_key(submitter_key)
        self.chain_id = self.client.deployment.chain_id
        self._checks = {kind: _selector_and_type(self.weights.abi, name) for kind, name in _CHECK.items()}
        self._submits = {kind: _selector_and_type(self.weights.abi, name) for kind, name in _SUBMIT.items()}

    def block_number(self) -> int:
        return self.w3.eth.block_number

    def check(self, kind: Kind, message) -> ContractRevert | None:
        """The error the contract would refuse ``message`` with now, or None if it would apply."""
        selector, arg_type = self._checks[kind]
        # Encoded by hand: web3's contract-call machinery costs more CPU than the check itself.
        data = selector + abi_encode([arg_type], [message.as_tuple()])
        # At the pending block (where a transaction sent now lands: windows and deadlines count
        # blocks), straight to the provider: web3's request validators would add two eth_chainId
        # round trips to every call.
        response = self.w3.provider.make_request(
            "eth_call", [{"to": self.weights.address, "data": "0x" + data.hex()}, "pending"])
        if "error" in response:
            raise ChainError(f"check call failed: {response['error']}")
        out = bytes.fromhex(response["result"].removeprefix("0x"))
        (reason,) = abi_decode(["bytes"], out)
        return self.client.decode_revert(reason) if reason else None

    def sign_batch(self, kind: Kind, messages: list, account_nonce: int) -> SignedTx:
        """Build and sign one batch transaction at ``account_nonce`` (not sent).

        Encoded and priced by hand, straight to the provider (web3's transaction builder costs
        ~10 ms of CPU per row of a batch, more than everything else the relay does)."""
        selector, arg_type = self._submits[kind]
        data = "0x" + (selector + abi_encode([arg_type], [[m.as_tuple() for m in messages]])).hex()
        return self._sign(self.weights.address, data, account_nonce)

    def sign_settle(self, result, snap, attestations, account_nonce: int) -> SignedTx:
        """Sign ``EpochSettlement.settle`` of ``result`` with ``attestations`` (by UID) at
        ``account_nonce`` (not sent); raises ContractRevert if the chain would refuse it now."""
        atts = [(a.uid, a.signature) for a in sorted(attestations, key=lambda a: a.uid)]
        args = [result.as_tuple(), snap.snapshot, result.bonds, atts]
        fn = self.settlement.functions.settle(*args)
        self.client.call(fn, sender=self.account.address, block="pending")  # a named revert, before signing
        return self._sign(self.settlement.address, self.settlement.encode_abi("settle", args=args), account_nonce)

    def settled_digest(self, netuid: int, epoch: int) -> bytes | None:
        """The result digest ``netuid``'s ``epoch`` was settled with (by anyone), or None."""
        logs = self.settlement.events.EpochSettled().get_logs(
            from_block=self.client.deployment.deploy_block, argument_filters={"netuid": netuid, "epoch": epoch})
        return bytes(logs[-1]["args"]["resultHash"]) if logs else None

    def result_digest(self, result) -> bytes:
        return bytes(self.settlement.functions.resultDigest(result.as_tuple()).call())

    def _sign(self, to: str, data: str, account_nonce: int) -> SignedTx:
        call = {"from": self.account.address, "to": to, "data": data}
        gas = int(self._rpc("eth_estimateGas", [call, "pending"]), 16)
        base_fee = int(self._rpc("eth_getBlockByNumber", ["latest", False])["baseFeePerGas"], 16)
        tip = int(self._rpc("eth_maxPriorityFeePerGas", []), 16)
        tx = {"to": to, "data": data, "value": 0, "nonce": account_nonce, "chainId": self.chain_id,
              "gas": gas * 12 // 10 + 50_000, "maxFeePerGas": 2 * base_fee + tip, "maxPriorityFeePerGas": tip,
              "type": 2}
        signed = self.account.sign_transaction(tx)
        return SignedTx("0x" + signed.hash.hex().removeprefix("0x"), account_nonce, "0x" + signed.raw_transaction.hex())

    def _rpc(self, method: str, params: list):
        response = self.w3.provider.make_request(method, params)
        if "error" in response:
            raise ChainError(f"cannot build the batch: {method}: {response['error']}")
        return response["result"]

    def next_account_nonce(self) -> int:
        return self.w3.eth.get_transaction_count(self.account.address, "pending")

    def mined_account_nonce(self) -> int:
        return self.w3.eth.get_transaction_count(self.account.address, "latest")

    def broadcast(self, raw: str) -> None:
        """Send signed bytes; "already known" (the node has them) is success."""
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text:
                return
            raise ChainError(str(exc)) from exc

    def receipt(self, tx_hash: str):
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def is_pending(self, tx_hash: str) -> bool:
        try:
            return self.w3.eth.get_transaction(tx_hash) is not None
        except TransactionNotFound:
            return False

    def outcomes(self, kind: Kind, receipt) -> dict[tuple[int, str, int], Outcome]:
        """Per (netuid, hotkey, nonce): applied (a WeightsSet/WeightsCommitted log) or rejected
        (a WeightsRejected log with its decoded reason). Messages with neither were no-ops."""
        out: dict[tuple[int, str, int], Outcome] = {}
        applied_event = self.weights.events.WeightsCommitted if kind is Kind.COMMIT else self.weights.events.WeightsSet
        for ev in applied_event().process_receipt(receipt, errors=DISCARD):
            out[(ev.args.netuid, ev.args.hotkey, ev.args.nonce)] = Outcome(True, None)
        for ev in self.weights.events.WeightsRejected().process_receipt(receipt, errors=DISCARD):
            out[(ev.args.netuid, ev.args.hotkey, ev.args.nonce)] = Outcome(
                False, self.client.decode_revert(ev.args.reason))
        return out

    def state(self, netuid: int, hotkey: str) -> dict:
        names = ("rowHash", "rowBlock", "nonce", "commitBlock", "revealed", "commitHash")
        return dict(zip(names, self.weights.functions.weightsState(netuid, hotkey).call()))


def _selector_and_type(abi: list, name: str) -> tuple[bytes, str]:
    (fn,) = [f for f in abi if f.get("type") == "function" and f["name"] == name]
    (arg,) = fn["inputs"]
    arg_type = "(" + ",".join(c["type"] for c in arg["components"]) + ")" + arg["type"].removeprefix("tuple")
    return function_signature_to_4byte_selector(f"{name}({arg_type})"), arg_type


def as_message(kind: Kind, payload: dict):
    """The chain message of a stored payload."""
    from oracle.relay.models import CommitIn, RevealIn, WeightsIn

    if kind is Kind.WEIGHTS:
        return WeightsIn.model_validate(payload).signed()
    if kind is Kind.COMMIT:
        return CommitIn.model_validate(payload).signed()
    return RevealIn.model_validate(payload).reveal()

