"""A priority gate: at most `slots` handlers run at once; waiters are served highest priority
first (priority = caller stake by default), and the waiting room holds at most `max_waiting`.

Unlike a thread pool fed in arrival order, the gate decides *which* request runs next, so under
load a high-stake validator is not stuck behind a flood from low-stake callers. When the waiting
room is full a newcomer with a higher priority than the lowest waiter evicts that waiter (it gets
429); a newcomer that is not higher gets the 429 itself. Slot holders release their slot only
when their work really stopped: the axon releases a thread-run handler's slot when the thread
returns, not when the caller's timeout abandons it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from evmtensor.protocol.errors import Refusal, RefusalCode

__all__ = ["PriorityGate"]


def _overloaded(reason: str) -> Refusal:
    return Refusal(429, RefusalCode.OVERLOADED, reason, {"retry-after": "1"})


class PriorityGate:
    """Counting semaphore with a priority queue and a bounded waiting room (event loop only)."""

    def __init__(self, slots: int, max_waiting: int) -> None:
        if slots < 1:
            raise ValueError("a gate needs at least one slot")
        self.slots = slots
        self._free = slots
        self._max_waiting = max_waiting
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []  # (-priority, seq, f)
        self._seq = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @property
    def free(self) -> int:
        return self._free

    async def acquire(self, priority: float) -> None:
        """Take a slot, waiting behind higher priorities; Refusal(429) if refused or evicted."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        if len(self._waiters) >= self._max_waiting:
            self._make_room(priority)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (-priority, next(self._seq), future)
        heapq.heappush(self._waiters, entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            else:
                self._remove(entry)
            raise

    def _make_room(self, priority: float) -> None:
        """Evict the lowest-priority waiter (the newest among equals) if `priority` beats it."""
        lowest = max(self._waiters)  # largest -priority = lowest priority; then newest
        if -lowest[0] >= priority:
            raise _overloaded(f"{len(self._waiters)} requests of equal or higher priority waiting")
        self._remove(lowest)
        lowest[2].set_exception(_overloaded("evicted from the waiting room by a higher priority"))

    def _remove(self, entry: tuple[float, int, asyncio.Future[None]]) -> None:
        try:
            self._waiters.remove(entry)
        except ValueError:
            return
        heapq.heapify(self._waiters)

    def release(self) -> None:
        """Give a slot back, handing it straight to the best waiter if any."""
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1
