"""Scheduling of epoch settlement (apscheduler): each validator's job watches its subnet's tempo
boundary, opens the epoch when it is due (anyone may; the first caller pays), computes the result
from the chain, signs it and posts its attestation; a collector settles once a quorum is in.

The collector here is in-process (a devnet with several validator keys, or a relay embedding
it); it checks every attestation's signer against the epoch's snapshot before counting it, so
whoever feeds it cannot inflate a stake or forge a signer.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from apscheduler.schedulers.background import BackgroundScheduler

from evmtensor.chain.client import ChainClient
from evmtensor.errors import ContractRevert

from .result import (Attestation, SettlementResult, compute_result, quorum_reached, recover_attestation, settle,
                     sign_result)
from .snapshot import EpochSnapshot, find_opened

__all__ = ["EpochJob", "QuorumCollector", "schedule"]

log = logging.getLogger(__name__)

Post = Callable[[SettlementResult, EpochSnapshot, Attestation], Any]


class EpochJob:
    """One validator's duty on one subnet; ``tick()`` is what the scheduler runs."""

    def __init__(self, client: ChainClient, netuid: int, hotkey: Any, sender: Any, post: Post, *,
                 repost_after_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.netuid, self.hotkey, self.sender, self.post = client, netuid, hotkey, sender, post
        # The last post: (the epoch's key, result, attestation, when). While that epoch
        # stays unsettled the same attestation is posted again every `repost_after_s`: a relay
        # that lost it (its store restored by `devnet revert`, a crash before its disk) gets it
        # back, and a relay that has it answers "duplicate".
        self._posted: tuple | None = None
        self.repost_after_s, self.clock = repost_after_s, clock

    @property
    def signed_epoch(self) -> int | None:
        """The epoch this job last posted an attestation for (None before its first post)."""
        return None if self._posted is None else self._posted[0][0]

    def _due(self) -> bool:
        """Whether to open the next epoch now: at the boundary once the open one is settled, or
        one full tempo later if it is not. Opening the next epoch abandons the open one (its
        emission carries over), so an unsettled epoch gets that extra tempo to gather its quorum
        through a slow relay before the validators move on; a stuck one never blocks them."""
        state = self.client.view("EpochSettlement", "epochState", self.netuid)
        if state["snapshotBlock"] == 0:
            return True
        nxt = self.client.view("EpochSettlement", "epochIndex", self.netuid, self.client.block_number() + 1)
        return nxt > state["epoch"] + (0 if state["settled"] else 1)

    def tick(self) -> Attestation | None:
        """Open the epoch if due, then attest the open epoch once; returns the attestation posted."""
        if self._due():
            try:
                self.client.send(self.client.contract("EpochSettlement").functions.openEpoch(self.netuid), self.sender)
            except ContractRevert as exc:
                if exc.name != "SettlementEpochNotDue":  # another validator opened it first
                    raise
        snap = find_opened(self.client, self.netuid)
        state = self.client.view("EpochSettlement", "epochState", self.netuid)
        if state["settled"]:
            return None
        # An epoch reopened after a revert is another epoch, even at the same block.
        key = (snap.epoch, snap.snapshot_block, snap.snapshot_hash)
        if self._posted is not None and self._posted[0] == key:
            _, result, att, when = self._posted
            if self.clock() - when < self.repost_after_s:
                return None
            self.post(result, snap, att)
            self._posted = (self._posted[0], result, att, self.clock())
            return att
        me = next((m for m in snap.neurons if m.hotkey == self.hotkey.address), None)
        if me is None or not me.voter:
            return None  # not a voter of this epoch: outside the validator set, or inactive
        result, _, _ = compute_result(self.client, snap)
        att = sign_result(self.client, self.hotkey, me.uid, result)
        self.post(result, snap, att)
        # After the post: a refused or lost post is retried next tick.
        self._posted = (key, result, att, self.clock())
        return att


class QuorumCollector:
    """Gathers attestations per (epoch, result) and settles when their snapshot stake reaches the
    contract's quorum (``post`` of :class:`EpochJob`)."""

    def __init__(self, client: ChainClient, sender: Any):
        self.client, self.sender = client, sender
        self.quorum = int(client.view("EpochSettlement", "params")["quorum"])
        self._lock = threading.Lock()
        self._pending: dict[tuple, dict[int, Attestation]] = {}
        self.settled: list[dict] = []

    def __call__(self, result: SettlementResult, snap: EpochSnapshot, att: Attestation) -> dict | None:
        signer = recover_attestation(self.client, result, att.signature)
        if att.uid >= snap.n or snap.neurons[att.uid].hotkey != signer:
            raise ValueError(f"attestation for uid {att.uid} is signed by {signer}, not that UID's hotkey")
        key = (result.netuid, result.epoch, result.message()["inputsHash"], result.bonds_hash, result.as_tuple())
        with self._lock:
            atts = self._pending.setdefault(key, {})
            atts[att.uid] = att
            if not quorum_reached(snap, atts, self.quorum):
                return None
            del self._pending[key]
            receipt = settle(self.client, result, snap, list(atts.values()), self.sender)
            self.settled.append(receipt)
            log.info("settled subnet %d epoch %d with %d attestations", result.netuid, result.epoch, len(atts))
            return receipt


def schedule(jobs: list[EpochJob], interval_seconds: float = 2.0) -> BackgroundScheduler:
    """A started background scheduler running every job's ``tick`` each interval (one at a time each)."""
    scheduler = BackgroundScheduler()
    for i, job in enumerate(jobs):
        scheduler.add_job(job.tick, "interval", seconds=interval_seconds, id=f"epoch-{i}", max_instances=1,
                          coalesce=True)
    scheduler.start()
    return scheduler
