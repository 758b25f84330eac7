"""Dynamic batching: concurrent requests share one ``generate`` call.

`DynamicBatcher.submit` queues a request and awaits its answer. One worker task takes the oldest
request, keeps collecting for up to ``max_wait_s`` or until ``max_batch`` requests with the same
sampling settings are waiting, drops those whose caller has already given up (deadline passed or
its awaiting task cancelled), and runs the batch on a single worker thread, so the event loop
never blocks and the model only ever sees one thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from miner.backend import Generation, ModelBackend, Prompt, SamplingKey
from miner.metrics import MinerMetrics

__all__ = ["BatcherClosed", "DynamicBatcher", "RequestExpired"]

log = logging.getLogger(__name__)


class RequestExpired(TimeoutError):
    """The caller's deadline passed before its request reached the model."""


class BatcherClosed(RuntimeError):
    """The batcher stopped before serving the request."""


@dataclass
class _Pending:
    prompt: Prompt
    key: SamplingKey
    seed: int
    deadline: float  # time.monotonic()
    future: asyncio.Future[Generation]
    queued: float = field(default_factory=time.monotonic)


class DynamicBatcher:
    """Collects requests for ``max_wait_s`` (or ``max_batch`` of them) into one generate."""

    def __init__(self, backend: ModelBackend, *, max_batch: int = 8, max_wait_s: float = 0.01,
                 metrics: MinerMetrics | None = None) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.backend = backend
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.metrics = metrics
        self._waiting: deque[_Pending] = deque()
        self._arrived: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="miner-generate")

    @property
    def depth(self) -> int:
        """Requests waiting for a batch."""
        return len(self._waiting)

    def start(self) -> None:
        """Start the worker on the running event loop."""
        self._arrived = asyncio.Event()
        self._worker = asyncio.create_task(self._run(), name="miner-batcher")

    async def stop(self) -> None:
        """Stop the worker; waiting requests fail with `BatcherClosed`."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        while self._waiting:
            p = self._waiting.popleft()
            if not p.future.done():
                p.future.set_exception(BatcherClosed("the miner is shutting down"))
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def submit(self, prompt: Prompt, key: SamplingKey, seed: int,
                     deadline: float) -> Generation:
        """Queue one request; its answer, or `RequestExpired` if `deadline` passes first."""
        if self._arrived is None:
            raise BatcherClosed("the batcher is not started")
        future: asyncio.Future[Generation] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Pending(prompt, key, seed, deadline, future))
        self._observe_depth()
        self._arrived.set()
        return await future

    async def _run(self) -> None:
        assert self._arrived is not None
        while True:
            if not self._waiting:
                self._arrived.clear()
                await self._arrived.wait()
            batch = await self._collect()
            if batch:
                await self._execute(batch)

    async def _collect(self) -> list[_Pending]:
        """The head request plus compatible ones arriving within the wait window."""
        head_key = self._waiting[0].key
        window_end = time.monotonic() + self.max_wait_s
        while self._count(head_key) < self.max_batch:
            left = window_end - time.monotonic()
            if left <= 0:
                break
            self._arrived.clear()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(self._arrived.wait(), left)  # type: ignore[union-attr]
            except TimeoutError:
                break
        batch, rest, now = [], deque(), time.monotonic()
        for p in self._waiting:
            if p.future.done():  # the caller's task was cancelled (axon timeout)
                continue
            if p.deadline <= now:
                p.future.set_exception(RequestExpired("deadline passed in the queue"))
                self._count_outcome("expired")
            elif p.key == head_key and len(batch) < self.max_batch:
                batch.append(p)
            else:
                rest.append(p)
        self._waiting = rest
        self._observe_depth()
        return batch

    def _count(self, key: SamplingKey) -> int:
        return sum(1 for p in self._waiting if p.key == key and not p.future.done())

    async def _execute(self, batch: list[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        prompts = [p.prompt for p in batch]
        started = time.perf_counter()
        try:
            results = await loop.run_in_executor(
                self._thread, self.backend.generate, prompts, batch[0].key, batch[0].seed
            )
        except Exception as exc:  # a model failure fails this batch, not the worker
            log.exception("generate failed for a batch of %s", len(batch))
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(exc)
            self._count_outcome("error", len(batch))
            return
        seconds = time.perf_counter() - started
        for p, r in zip(batch, results):
            if not p.future.done():
                p.future.set_result(r)
        tokens = sum(r.completion_tokens for r in results)
        if self.metrics is not None:
            self.metrics.batch(len(batch), tokens, seconds)
        log.debug("batch of %s: %s tokens in %.3f s", len(batch), tokens, seconds)

    def _observe_depth(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_depth.set(len(self._waiting))

    def _count_outcome(self, outcome: str, n: int = 1) -> None:
        if self.metrics is not None:
            self.metrics.requests.labels(route="batcher", outcome=outcome).inc(n)
