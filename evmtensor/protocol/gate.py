"""A priority gate: at most `slots` handlers run at once; waiters are served highest priority
first (priority = caller stake by default), and beyond `max_waiting` callers get 429.

Unlike a thread pool fed in arrival order, the gate decides *which* request runs next, so under
load a high-stake validator is not stuck behind a flood from low-stake callers.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from evmtensor.protocol.errors import Refusal, RefusalCode

__all__ = ["PriorityGate"]


class PriorityGate:
    """Counting semaphore with a priority queue and a bounded waiting room (event loop only)."""

    def __init__(self, slots: int, max_waiting: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self._free = slots
        self._max_waiting = max_waiting
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, priority: float) -> None:
        """Take a slot, waiting behind higher priorities; Refusal(429) if the room is full."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        if len(self._waiters) >= self._max_waiting:
            raise Refusal(
                429,
                RefusalCode.OVERLOADED,
                f"{len(self._waiters)} requests already waiting; retry later",
                {"retry-after": "1"},
            )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (-priority, next(self._seq), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            raise

    def release(self) -> None:
        """Give a slot back, handing it straight to the best live waiter if any."""
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1
