"""The validator neuron: rounds of signed queries, scores, and weights on a schedule.

One round: read the metagraph (a `MetagraphSource`, in a worker thread), follow re-registrations
in the score store, sample serving miners, send the round's task to all of them concurrently
with a timeout while computing the reference answer, reward the answers, fold the rewards into
the moving average (persisted). Every weights interval: the scores as u16 weights under the
subnet's rules, signed by the hotkey, handed to the `WeightsSink`. One INFO line per round.

`Validator.app()` is the validator's ASGI app: the OpenAI-compatible gateway, with a lifespan
that loads the task models, opens the dendrite and runs both jobs on an apscheduler
``AsyncIOScheduler`` on the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from pydantic import BaseModel

from evmtensor.protocol import AxonTarget, CallResult, Dendrite, Signer
from validator.metagraph import Metagraph, MetagraphSource, Neuron
from validator.scores import ScoreStore
from validator.scoring import ValidatorTask
from validator.settings import ValidatorSettings
from evmtensor.chain.weights import SignedWeights
from evmtensor.errors import EvmTensorError
from validator.weights import WeightsSink, process_weights, sign_weights

__all__ = ["RoundReport", "Validator"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoundReport:
    """What one round did."""

    round: int
    task: str
    block: int
    uids: list[int]
    rewards: list[float]
    answered: int
    seconds: float


class Validator:
    """Queries, scores and weighs the miners of one subnet."""

    def __init__(self, signer: Signer, metagraph: MetagraphSource, tasks: Sequence[ValidatorTask],
                 sink: WeightsSink, settings: ValidatorSettings) -> None:
        if not tasks:
            raise ValueError("a validator needs at least one task")
        self.signer = signer
        self.source = metagraph
        self.tasks = list(tasks)
        self.sink = sink
        self.settings = settings
        name = f"scores-netuid{settings.netuid}-{signer.address}.json"
        self.store = ScoreStore(settings.data_dir / name, alpha=settings.alpha)
        self.rng = np.random.default_rng(settings.seed)
        self.metagraph: Metagraph | None = None
        self.rounds = 0
        self.reports: list[RoundReport] = []
        self._dendrite: Dendrite | None = None
        self._last_weights_block: int | None = None
        self._early_weights_tried = False  # scheduled_round tries its early weights once
        self._last_nonce = 0
        self._score_lock: asyncio.Lock | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    async def open(self) -> None:
        """Load the task models (in a thread) and open the dendrite."""
        for task in self.tasks:
            await asyncio.to_thread(task.load)
        self._dendrite = Dendrite(self.signer, timeout=self.settings.timeout_s)
        self._score_lock = asyncio.Lock()  # bound to this event loop

    async def close(self) -> None:
        if self._dendrite is not None:
            await self._dendrite.aclose()
            self._dendrite = None

    def app(self, *, schedule: bool = True) -> FastAPI:
        """The gateway app; its lifespan runs the rounds and weights (unless `schedule` is off)."""
        from validator.gateway import gateway_router, install_error_handlers

        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            await self.open()
            scheduler = self._scheduler() if schedule else None
            try:
                yield
            finally:
                if scheduler is not None:
                    scheduler.shutdown(wait=False)
                await self.close()

        app = FastAPI(lifespan=lifespan, title="EVMTensor validator gateway")
        app.include_router(gateway_router(self))
        install_error_handlers(app)
        return app

    def _scheduler(self) -> AsyncIOScheduler:
        s = self.settings
        scheduler = AsyncIOScheduler()
        scheduler.add_job(self._guarded, "interval", args=[self.scheduled_round], id="round",
                          seconds=s.round_interval_s, max_instances=1, coalesce=True,
                          next_run_time=_now())
        scheduler.add_job(self._guarded, "interval", args=[self.set_weights_async], id="weights",
                          seconds=s.weights_interval_s, max_instances=1, coalesce=True)
        scheduler.start()
        log.info("validator %s: rounds every %s s, weights every %s s", self.signer.address,
                 s.round_interval_s, s.weights_interval_s)
        return scheduler

    @staticmethod
    async def _guarded(job: Any) -> None:
        try:
            await job()
        except asyncio.CancelledError:  # the server is shutting down mid-job
            log.info("validator job %s stopped by shutdown", job.__name__)
        except EvmTensorError as exc:  # a refusal or an unreachable chain/relay: one line, no traceback
            log.warning("validator job %s: %s; the next one runs on schedule", job.__name__, exc)
        except Exception:  # one failed round (chain hiccup, bad miner data) must not stop the loop
            log.exception("validator job %s failed; the next one runs on schedule", job.__name__)

    # -- rounds -----------------------------------------------------------------------------------

    async def refresh(self) -> Metagraph:
        """Read the metagraph and reset the scores of UIDs that changed hands."""
        mg = await asyncio.to_thread(self.source.load)
        self.store.sync(mg.hotkeys())
        self.metagraph = mg
        return mg

    async def run_round(self) -> RoundReport:
        """One round over a sample of the serving miners."""
        started = time.perf_counter()
        mg = await self.refresh()
        task = self.tasks[self.rounds % len(self.tasks)]
        self.rounds += 1
        serving = mg.serving(exclude=self.signer.address)
        k = min(self.settings.sample_size, len(serving))
        picks = sorted(self.rng.choice(len(serving), size=k, replace=False)) if k else []
        neurons = [serving[int(i)] for i in picks]
        request = task.make_request(self.rng)
        results, rewards = await self.query_and_score(task, request, neurons,
                                                      self.settings.timeout_s)
        report = RoundReport(self.rounds, task.name, mg.block, [n.uid for n in neurons],
                             [float(r) for r in rewards], sum(r.ok for r in results),
                             time.perf_counter() - started)
        self.reports.append(report)
        best = report.uids[int(np.argmax(rewards))] if len(rewards) else None
        log.info("round %s (%s) at block %s: %s miners, %s answered, mean reward %.3f, best uid "
                 "%s, %.2f s", report.round, task.name, mg.block, len(neurons), report.answered,
                 float(np.mean(rewards)) if len(rewards) else 0.0, best, report.seconds)
        return report

    async def scheduled_round(self) -> RoundReport:
        """The scheduler's round: ``run_round``, and this process's first weights as soon as a
        round has scored an answer (as bittensor's validators set weights at their first step),
        not one weights interval after start-up; on a fresh devnet that interval was the wait
        before anyone could be paid. Later weights follow the interval."""
        report = await self.run_round()
        if self._last_weights_block is None and report.answered and not self._early_weights_tried:
            self._early_weights_tried = True  # if refused (rate limit after a restart), the interval retries
            await self._guarded(self.set_weights_async)
        return report

    async def query_and_score(self, task: ValidatorTask, request: BaseModel,
                              neurons: list[Neuron], timeout: float,
                              ) -> tuple[list[CallResult], np.ndarray]:
        """Query `neurons` with `request` while computing the reference; reward and record."""
        if self._dendrite is None or self._score_lock is None:
            raise RuntimeError("the validator is not open")
        if not neurons:
            return [], np.zeros(0)
        targets = [AxonTarget(n.url or "", n.hotkey, n.uid) for n in neurons]
        results, reference = await asyncio.gather(
            self._dendrite.query(targets, task.task, request, timeout=timeout),
            asyncio.to_thread(task.reference, request),
        )
        rewards = await asyncio.to_thread(task.rewards, request, reference, results)
        uids = np.array([n.uid for n in neurons])
        async with self._score_lock:
            # A UID may have changed hands while we waited: score only those still held.
            current = self.metagraph.hotkeys() if self.metagraph else {}
            keep = np.array([current.get(n.uid) == n.hotkey for n in neurons], dtype=bool)
            # the store fsyncs its file: off the event loop
            await asyncio.to_thread(self.store.update, uids[keep], np.asarray(rewards)[keep])
        return results, np.asarray(rewards)

    # -- weights ----------------------------------------------------------------------------------

    async def set_weights_async(self) -> SignedWeights | None:
        mg = await self.refresh()
        return self.set_weights(mg)

    def set_weights(self, mg: Metagraph | None = None) -> SignedWeights | None:
        """Sign the current scores as weights and hand them to the sink (None if rate-limited or
        nothing to weigh)."""
        mg = mg or self.metagraph
        if mg is None or not mg.neurons:
            log.info("no metagraph yet: no weights")
            return None
        rules = mg.rules
        if (self._last_weights_block is not None
                and mg.block - self._last_weights_block < rules.rate_limit_blocks):
            log.info("weights rate-limited until block %s",
                     self._last_weights_block + rules.rate_limit_blocks)
            return None
        scores, _ = self.store.snapshot()
        uids = np.array([n.uid for n in mg.neurons if n.hotkey != self.signer.address])
        if len(uids) < rules.min_allowed_weights:
            log.warning("%s miners < min_allowed_weights %s: no weights", len(uids),
                        rules.min_allowed_weights)
            return None
        values = np.array([scores[u] if u < len(scores) else 0.0 for u in uids])
        kept_uids, u16 = process_weights(uids, values, rules)
        self._last_nonce = max(self._last_nonce + 1, time.time_ns() // 1_000_000)
        # The nonce is a millisecond clock (strictly increasing across restarts, as the Weights
        # contract requires per hotkey); the row may land for weights_deadline_blocks blocks.
        signed = sign_weights(self.signer, mg.netuid, kept_uids, u16, rules, self._last_nonce,
                              mg.block + self.settings.weights_deadline_blocks, mg.chain_id,
                              mg.verifying_contract)
        self.sink.submit(signed)
        self._last_weights_block = mg.block
        row = signed.row
        log.info("weights at block %s: %s uids, top uid %s", mg.block, len(row.uids),
                 row.uids[int(np.argmax(row.values))] if row.uids else None)
        return signed


def _now() -> Any:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
