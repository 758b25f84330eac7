"""The submit worker: batches queued messages into transactions and follows them to the chain.

Crash safety, step by step (see store.py): a batch's signed transaction and its messages'
``sent`` status are committed together *before* the broadcast. On every pass (and so right after
a restart) the worker first reconciles ``sent`` messages: a receipt settles them from its logs;
a transaction the node no longer knows is broadcast again with the same bytes (same account
nonce, so it can land at most once), or, if its nonce was used by something else, its messages
go back to the queue. The contract ignores a message it already applied, so a message sent
twice (by two relays, or by a relay that lost track) still applies once.

Attestations are not batched: queued ones are grouped by (subnet, epoch, result) and, once a
group holds the contract's quorum of the snapshot's validator stake (``oracle.epoch.quorum_reached``,
the count EpochQuorum and the contract share), one ``settle`` transaction goes out through the
same sign-record-broadcast path, so a restart settles what was stored, and at most once. An
epoch someone else settled with the same result marks the group landed (a no-op, not a failure).
"""

from __future__ import annotations

import logging
import threading
import time

from evmtensor.errors import ChainError, ContractRevert, EvmTensorError
from oracle.epoch.result import quorum_reached
from oracle.epoch.snapshot import find_opened
from oracle.relay.chain import RelayChain, as_message
from oracle.relay.models import AttestationIn
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
        self._snapshots: dict = {}  # (netuid, epoch) -> EpochSnapshot
        self._attestations: dict[int, tuple] = {}  # submission id -> parsed (see _parsed)
        self._params: tuple[float, int] | None = None  # (read at, quorum)
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
        if self._settle_ready():
            return True
        sent = False
        for kind in (Kind.WEIGHTS, Kind.COMMIT, Kind.REVEAL):
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

    def _settle_ready(self) -> bool:
        """Send one ``settle`` for the first group of queued attestations at quorum; True if sent."""
        groups: dict[tuple, list[Submission]] = {}
        queued = self.store.queued(Kind.ATTESTATION, 100_000)
        ids = {s.id for s in queued}
        self._attestations = {i: v for i, v in self._attestations.items() if i in ids}  # forget settled ones
        for s in queued:
            groups.setdefault(self._parsed(s)[0], []).append(s)
        epochs: dict[tuple[int, int], tuple] = {}  # chain reads once per epoch and pass
        for (netuid, epoch, result), subs in groups.items():
            if time.time() - min(s.received_at for s in subs) < self.settings.batch_delay_s:
                continue
            if (netuid, epoch) not in epochs:
                state = self.chain.client.view("EpochSettlement", "epochState", netuid)
                epochs[(netuid, epoch)] = (self.chain.settled_digest(netuid, epoch), state["epoch"])
            settled, open_epoch = epochs[(netuid, epoch)]
            if settled is not None:
                self._settled_elsewhere(subs, result, settled)
                continue
            if open_epoch != epoch:
                self.store.settle([(s.id, Status.FAILED, None, f"epoch {epoch} closed unsettled") for s in subs])
                continue
            snap = self._snapshot(netuid, epoch)
            atts = {self._parsed(s)[1].uid: self._parsed(s)[1] for s in subs}
            if not quorum_reached(snap, atts, self._quorum()):
                continue
            try:
                tx = self.chain.sign_settle(result, snap, list(atts.values()), self.chain.next_account_nonce())
            except ContractRevert as exc:
                if exc.name == "SettlementAlreadySettled":
                    continue  # settled meanwhile: the next pass finds its event
                self._retry_or_fail(subs, str(exc))
                continue
            except ChainError as exc:
                self._retry_or_fail(subs, str(exc))
                continue
            if not self._record_and_broadcast(subs, tx):
                return True
            self.metrics.batches.labels(Kind.ATTESTATION.value).inc()
            log.info("settling subnet %d epoch %d with %d attestation(s) in %s", netuid, epoch, len(atts), tx.tx_hash)
            return True
        return False

    def _parsed(self, s: Submission) -> tuple[tuple, object]:
        """``((netuid, epoch, result), attestation)`` of a stored attestation (parsed once)."""
        if s.id not in self._attestations:
            body = AttestationIn.model_validate(s.payload)
            self._attestations[s.id] = ((body.netuid, body.epoch, body.result()), body.attestation())
        return self._attestations[s.id]

    def _settled_elsewhere(self, subs: list[Submission], result, settled: bytes) -> None:
        ours = self.chain.result_digest(result) == settled
        status, reason = (Status.LANDED, "epoch already settled with this result") if ours else (
            Status.REJECTED, "epoch settled with another result")
        self.store.settle([(s.id, status, None, reason) for s in subs])
        for _ in subs:
            self.metrics.outcomes.labels(Kind.ATTESTATION.value, status.value).inc()

    def _snapshot(self, netuid: int, epoch: int):
        key = (netuid, epoch)
        if key not in self._snapshots:
            self._snapshots[key] = find_opened(self.chain.client, netuid, epoch)
        return self._snapshots[key]

    def _quorum(self) -> int:
        """The contract's quorum, re-read every 10 s (the owner may change it)."""
        if self._params is None or time.time() - self._params[0] > 10:
            self._params = (time.time(), int(self.chain.client.view("EpochSettlement", "params")["quorum"]))
        return self._params[1]

    def _send(self, kind: Kind, batch: list[Submission]) -> None:
        messages = [as_message(kind, s.payload) for s in batch]
        account_nonce = self.chain.next_account_nonce()
        try:
            tx = self.chain.sign_batch(kind, messages, account_nonce)
        except ChainError as exc:
            self._retry_or_fail(batch, str(exc))
            return
        if not self._record_and_broadcast(batch, tx):
            return
        self.metrics.batches.labels(kind.value).inc()
        log.info("sent %d %s message(s) in %s (account nonce %d)", len(batch), kind.value, tx.tx_hash, account_nonce)

    def _record_and_broadcast(self, subs: list[Submission], tx) -> bool:
        """Record the signed transaction with its messages, then broadcast it; False (and the
        messages back to retry) if the node refused it. Recording first means a crash between
        the two re-broadcasts the same bytes on restart instead of signing again."""
        self.store.mark_sent([s.id for s in subs], tx.tx_hash, tx.account_nonce, tx.raw)
        try:
            self.chain.broadcast(tx.raw)
        except ChainError as exc:
            self._retry_or_fail(self.store.in_flight().get(tx.tx_hash, []), str(exc))
            return False
        return True

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
        if receipt["status"] != 1 and subs[0].kind is Kind.ATTESTATION:
            body = AttestationIn.model_validate(subs[0].payload)
            settled = self.chain.settled_digest(body.netuid, body.epoch)
            if settled is not None:  # another relay's settle landed first
                self._settled_elsewhere(subs, body.result(), settled)
                return
        if receipt["status"] != 1:
            self._retry_or_fail(subs, f"transaction {receipt['transactionHash'].hex()} reverted")
            return
        kind = subs[0].kind
        if kind is Kind.ATTESTATION:  # a settle transaction that did not revert settled the epoch
            self.store.settle([(s.id, Status.LANDED, receipt["blockNumber"], None) for s in subs])
            self.metrics.outcomes.labels(kind.value, Status.LANDED.value).inc(len(subs))
            log.info("settled in block %d by %s", receipt["blockNumber"], receipt["transactionHash"].hex())
            return
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
