"""Who may call an axon: the registry interface, a static registry and a block-cached one.

The axon asks `Registry.lookup(hotkey)` (a checksummed address) on every request, on its event
loop, so lookups must be in-memory. `BlockCachedRegistry` keeps a snapshot loaded by an injected
`loader(block)` (e.g. the chain core's metagraph views) and reloads it when `block_number()` has
advanced by `refresh_blocks`; `refresh()` does the (blocking) chain calls and the axon runs it
in a worker thread every `poll_interval_s` seconds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from eth_utils import to_checksum_address

__all__ = [
    "BlockCachedRegistry",
    "NeuronInfo",
    "RefreshableRegistry",
    "Registry",
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
            neurons = raw.values() if isinstance(raw, Mapping) else raw
            self._snapshot = {to_checksum_address(n.hotkey): n for n in neurons}
            self._loaded_block = block
        log.info("registry refreshed at block %s: %s neurons", block, len(self._snapshot))
        return True
