"""Who may call an axon: the registry interface, a static registry and a block-cached one.

The axon asks `Registry.lookup(hotkey)` (a checksummed address) on every request, on its event
loop, so lookups must be in-memory. `BlockCachedRegistry` keeps a snapshot loaded by an injected
`loader(block)` (e.g. the chain core's metagraph views) and reloads it when `block_number()` has
advanced by `refresh_blocks`; `refresh()` does the (blocking) chain calls and the axon's
`RegistryRefresher` runs it in a worker thread every `poll_interval_s` seconds.

A refresh that fails, whatever the error, or that returns something other than neurons, leaves
the last snapshot in place; the refresher logs it (rate-limited), retries, warns when the
snapshot grows stale, and never dies. A refresh that hangs is waited for at most
`refresh_timeout_s`, and no second one starts while it still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from eth_utils import to_checksum_address

__all__ = [
    "BlockCachedRegistry",
    "NeuronInfo",
    "RefreshableRegistry",
    "Registry",
    "RegistryRefresher",
    "StaticRegistry",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NeuronInfo:
    """What the axon needs to know about a registered caller."""

    hotkey: str  # checksummed address
    uid: int
    stake: int = 0  # in rao (1 TAO = 1e9 rao)
    validator_permit: bool = False


@runtime_checkable
class Registry(Protocol):
    """Maps a hotkey to its neuron, or None when it is not registered."""

    def lookup(self, hotkey: str) -> NeuronInfo | None: ...


@runtime_checkable
class RefreshableRegistry(Registry, Protocol):
    """A registry whose snapshot the axon refreshes periodically in a worker thread."""

    poll_interval_s: float

    def refresh(self) -> bool: ...


class StaticRegistry:
    """A fixed set of neurons, for tests, devnets and the entry points."""

    def __init__(self, neurons: Iterable[NeuronInfo] = ()) -> None:
        self._by_hotkey = {to_checksum_address(n.hotkey): n for n in neurons}

    @classmethod
    def of(cls, *hotkeys: str, stake: int = 0, permit: bool = True) -> StaticRegistry:
        """Register `hotkeys` with uids 0.. and the same stake and permit."""
        return cls(NeuronInfo(h, uid, stake, permit) for uid, h in enumerate(hotkeys))

    def lookup(self, hotkey: str) -> NeuronInfo | None:
        return self._by_hotkey.get(hotkey)

    def add(self, neuron: NeuronInfo) -> None:
        """Register (or replace) one neuron."""
        self._by_hotkey[to_checksum_address(neuron.hotkey)] = neuron


class BlockCachedRegistry:
    """A snapshot of the metagraph, reloaded when the chain has advanced enough blocks."""

    def __init__(
        self,
        block_number: Callable[[], int],
        loader: Callable[[int], Mapping[str, NeuronInfo] | Iterable[NeuronInfo]],
        *,
        refresh_blocks: int = 1,
        poll_interval_s: float = 2.0,
    ) -> None:
        self._block_number = block_number
        self._loader = loader
        self.refresh_blocks = refresh_blocks
        self.poll_interval_s = poll_interval_s
        self._snapshot: dict[str, NeuronInfo] = {}
        self._loaded_block: int | None = None
        self._lock = threading.Lock()

    @property
    def loaded_block(self) -> int | None:
        """The block of the current snapshot (None before the first load)."""
        return self._loaded_block

    def lookup(self, hotkey: str) -> NeuronInfo | None:
        return self._snapshot.get(hotkey)

    def refresh(self) -> bool:
        """Reload if the chain moved `refresh_blocks` past the snapshot; True if reloaded."""
        with self._lock:
            block = self._block_number()
            loaded = self._loaded_block
            if loaded is not None and block < loaded + self.refresh_blocks:
                return False
            raw = self._loader(block)
            neurons = list(raw.values() if isinstance(raw, Mapping) else raw)
            bad = [n for n in neurons if not isinstance(n, NeuronInfo)]
            if bad:
                raise TypeError(f"registry loader returned {type(bad[0]).__name__}, not NeuronInfo")
            self._snapshot = {to_checksum_address(n.hotkey): n for n in neurons}
            self._loaded_block = block
        log.info("registry refreshed at block %s: %s neurons", block, len(self._snapshot))
        return True


class RegistryRefresher:
    """Runs `registry.refresh()` in a worker thread every `poll_interval_s`, surviving anything."""

    def __init__(
        self, registry: RefreshableRegistry, *, refresh_timeout_s: float = 30.0,
        stale_after_s: float = 120.0,
    ) -> None:
        self.registry = registry
        self.refresh_timeout_s = refresh_timeout_s
        self.stale_after_s = stale_after_s
        self.failures = 0  # consecutive
        self.last_success: float | None = None  # time.monotonic()
        self._running: asyncio.Future[bool] | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_warning = -1e9

    async def start(self) -> None:
        """One refresh now (its failure is logged, not raised), then the periodic loop."""
        if not await self.refresh_once():
            log.warning(
                "the first registry refresh failed: this axon refuses every caller (403 "
                "UNKNOWN_CALLER) until one succeeds; retrying every %.1f s",
                self.registry.poll_interval_s,
            )
        self._task = asyncio.create_task(self._loop(), name="registry-refresher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.registry.poll_interval_s)
            await self.refresh_once()

    async def refresh_once(self) -> bool:
        """True if the snapshot is current (refreshed or nothing to do); never raises."""
        if self._running is not None and not self._running.done():
            self._complain("the previous registry refresh is still running; skipped this one")
            return False
        self._running = asyncio.ensure_future(asyncio.to_thread(self.registry.refresh))
        self._running.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved
        try:
            await asyncio.wait_for(asyncio.shield(self._running), self.refresh_timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any chain or loader error: keep the snapshot
            self.failures += 1
            detail = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            self._complain(f"registry refresh failed ({self.failures} in a row), keeping the "
                           f"last snapshot: {detail}")
            return False
        self.failures, self.last_success = 0, time.monotonic()
        return True

    def _complain(self, message: str) -> None:
        now = time.monotonic()
        stale = self.last_success is not None and now - self.last_success > self.stale_after_s
        if now - self._last_warning < 10.0:  # at most one line every 10 s
            return
        self._last_warning = now
        if stale:
            message += f"; the snapshot is {now - self.last_success:.0f} s old"
        log.warning("%s", message)
