"""The submit worker: batches queued messages into transactions and follows them to the chain.

Crash safety, step by step (see store.py): a batch's signed transaction and its messages'
``sent`` status are committed together *before* the broadcast. On every pass (and so right after
a restart) the worker first reconciles ``sent`` messages: a receipt settles them from its logs;
a transaction the node no longer knows is broadcast again with the same bytes (same account
nonce, so it can land at most once), or, if its nonce was used by something else, its messages
go back to the queue. The contract ignores a message it already applied, so a message sent
twice (by two relays, or by a relay that lost track) still applies once.
"""

from __future__ import annotations

import logging
import threading
import time

from evmtensor.errors import ChainError, EvmTensorError
from oracle.relay.chain import RelayChain, as_message
from oracle.relay.metrics import RelayMetrics
from oracle.relay.settings import RelaySettings
from oracle.relay.store import Kind, Status, Store, Submission

__all__ = ["Worker"]

log = logging.getLogger(__name__)


class Worker:
    """Runs in a daemon thread; ``stop()`` sets a flag and joins."""

    def __init__(self, settings: RelaySettings, store: Store, chain: RelayChain, metrics: RelayMetrics):
        self.settings, self.store, self.chain, self.metrics = settings, store, chain, metrics
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="relay-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except (EvmTensorError, OSError, ValueError) as exc:
                # The chain may be down or restarting: keep everything queued and retry.
                log.warning("worker pass failed: %s", exc)
                busy = False
            self.metrics.queue_depth.set(self.store.counts().get(Status.QUEUED.value, 0))
            if not busy:
                self._stop.wait(self.settings.poll_interval_s)

    def run_once(self) -> bool:
        """One pass: reconcile what is in flight, then send at most one batch per kind."""
        self.reconcile()
        if self.store.in_flight():
            return False  # one transaction at a time keeps account nonces simple and ordered
        sent = False
        for kind in Kind:
            batch = self._ready_batch(kind)
            if batch:
                self._send(kind, batch)
                sent = True
                break
        return sent

    # ------------------------------------------------------------------ sending

    def _ready_batch(self, kind: Kind) -> list[Submission]:
        batch = self.store.queued(kind, self.settings.batch_size)
        if not batch:
            return []
        retried = [s for s in batch if s.attempts]
        if retried:
            return retried[:1]  # a message whose batch failed goes alone: it may be the cause
        full = len(batch) >= self.settings.batch_size
        if not full and time.time() - batch[0].received_at < self.settings.batch_delay_s:
            return []
        # Per hotkey in nonce order, so an older row cannot land after (and be refused by) a newer one.
        return sorted(batch, key=lambda s: (s.netuid, s.hotkey, s.nonce, s.id))

    def _send(self, kind: Kind, batch: list[Submission]) -> None:
        messages = [as_message(kind, s.payload) for s in batch]
        account_nonce = self.chain.next_account_nonce()
        try:
            tx = self.chain.sign_batch(kind, messages, account_nonce)
        except ChainError as exc:
            self._retry_or_fail(batch, str(exc))
            return
        self.store.mark_sent([s.id for s in batch], tx.tx_hash, tx.account_nonce, tx.raw)
        try:
            self.chain.broadcast(tx.raw)
        except ChainError as exc:
            self._retry_or_fail(self.store.in_flight().get(tx.tx_hash, []), str(exc))
            return
        self.metrics.batches.labels(kind.value).inc()
        log.info("sent %d %s message(s) in %s (account nonce %d)", len(batch), kind.value, tx.tx_hash, account_nonce)

    def _retry_or_fail(self, batch: list[Submission], reason: str) -> None:
        """Back to the queue (alone next time), or failed once it failed ``max_attempts`` times alone."""
        outcomes = []
        for s in batch:
            status = Status.FAILED if s.attempts + 1 >= self.settings.max_attempts else Status.QUEUED
            outcomes.append((s.id, status, s.attempts + 1, reason[:500]))
        self.store.retry(outcomes)
        log.warning("batch of %d not sent: %s", len(batch), reason)

    # ------------------------------------------------------------------ following

    def reconcile(self) -> None:
        for tx_hash, subs in self.store.in_flight().items():
            receipt = self.chain.receipt(tx_hash)
            if receipt is not None:
                self._settle_mined(subs, receipt)
            elif not self.chain.is_pending(tx_hash):
                self._recover_lost(tx_hash, subs)
            else:
                recorded = self.store.transaction(tx_hash)
                if recorded and time.time() - recorded[2] > self.settings.resend_after_s:
                    self.chain.broadcast(recorded[1])
                    self.store.touch_transaction(tx_hash)

    def _recover_lost(self, tx_hash: str, subs: list[Submission]) -> None:
        recorded = self.store.transaction(tx_hash)
        if recorded is not None and self.chain.mined_account_nonce() <= recorded[0]:
            log.info("re-broadcasting %s (not known to the node)", tx_hash)
            try:
                self.chain.broadcast(recorded[1])
            except ChainError as exc:
                self._retry_or_fail(subs, str(exc))
                return
            self.store.touch_transaction(tx_hash)
            return
        # Its account nonce went to another transaction: queue the messages again (the contract
        # makes any of them that did land a no-op).
        self.store.settle([(s.id, Status.QUEUED, None, f"transaction {tx_hash} was dropped") for s in subs])

    def _settle_mined(self, subs: list[Submission], receipt) -> None:
        if receipt["status"] != 1:
            self._retry_or_fail(subs, f"transaction {receipt['transactionHash'].hex()} reverted")
            return
        kind = subs[0].kind
        found = self.chain.outcomes(kind, receipt)
        outcomes = []
        for s in subs:
            outcome = found.get((s.netuid, s.hotkey, s.nonce))
            if outcome is None:
                status, reason = self._no_op_status(s)
            elif outcome.applied:
                status, reason = Status.LANDED, None
            else:
                status, reason = Status.REJECTED, str(outcome.rejected_reason)
            outcomes.append((s.id, status, receipt["blockNumber"], reason))
            self.metrics.outcomes.labels(kind.value, status.value).inc()
        self.store.settle(outcomes)
        self.metrics.gas.inc(receipt["gasUsed"])
        log.info("tx %s mined in block %d: %s", receipt["transactionHash"].hex(), receipt["blockNumber"],
                 ", ".join(sorted({o[1].value for o in outcomes})))

    def _no_op_status(self, s: Submission) -> tuple[Status, str | None]:
        """A message the contract skipped silently was already applied (a replay): landed earlier."""
        state = self.chain.state(s.netuid, s.hotkey)
        if state["nonce"] >= s.nonce:
            return Status.LANDED, "already on chain"
        return Status.REJECTED, "skipped by the contract"
