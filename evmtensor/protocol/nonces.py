"""A durable, bounded window of the nonces each caller has used: replay protection that
survives a restart of the axon.

Rules (the axon applies the clock checks first, so every request reaching the store has a
timestamp within ``window_ms`` of the axon's clock):

1. A ``(caller, nonce)`` pair already in the window is a replay (``NONCE_REPLAY``).
2. Each caller keeps at most ``per_caller`` entries. When full, the oldest entry is evicted and
   the caller's *floor* rises to its timestamp; from then on a request with a timestamp at or
   below the floor is refused (``NONCE_STALE``). An evicted nonce can therefore never be replayed,
   and memory stays bounded however fast a caller sends.
3. Entries older than ``window_ms`` are forgotten: the clock check refuses them anyway.

Storage is an append-only log of fixed 37-byte records (kind, caller, nonce, timestamp), one
``write(2)`` per accepted request, made before the request is handled. A record survives the
axon process crashing or restarting as soon as `write` returns (the kernel holds it);
``fsync=True`` also survives power loss, at a cost per request. A torn last record is ignored.
When the log holds four times more records than are live, it is rewritten (to a temporary file,
fsynced, renamed over the old one) with only the live window, so its size stays bounded.
All methods run on the axon's event-loop thread and cost microseconds.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from evmtensor.protocol.errors import RefusalCode

__all__ = ["NonceStore"]

log = logging.getLogger(__name__)

_RECORD = struct.Struct(">c20sQq")  # kind, caller, nonce (uint64), timestamp ms
_SEEN, _FLOOR = b"S", b"F"
_MIN_COMPACT_RECORDS = 8192


@dataclass
class _Window:
    seen: dict[int, int] = field(default_factory=dict)  # nonce -> timestamp, insertion order
    floor: int = -1


class NonceStore:
    """Seen nonces per caller: a dict in memory, an append-only log on disk."""

    def __init__(
        self,
        path: Path | None,
        *,
        window_ms: int,
        per_caller: int = 4096,
        fsync: bool = False,
    ) -> None:
        self.window_ms = window_ms
        self.per_caller = per_caller
        self._path = path
        self._fsync = fsync
        self._windows: dict[bytes, _Window] = {}
        self._records = 0  # records in the log file
        self._live = 0  # entries in memory
        self._fd: int | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._load(path)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _load(self, path: Path) -> None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        usable = len(data) - len(data) % _RECORD.size  # a torn tail from a crash is dropped
        for kind, caller, nonce, ts in _RECORD.iter_unpack(data[:usable]):
            window = self._windows.setdefault(caller, _Window())
            if kind == _FLOOR:
                window.floor = max(window.floor, ts)
            elif nonce not in window.seen:
                window.seen[nonce] = ts
        for window in self._windows.values():
            while len(window.seen) > self.per_caller:  # evicted entries stay in the log
                nonce = next(iter(window.seen))
                window.floor = max(window.floor, window.seen.pop(nonce))
        self._records = usable // _RECORD.size
        self._live = len(self)
        log.info("nonce store %s: %s nonces of %s callers", path, self._live, len(self._windows))

    def check_and_add(
        self, caller: bytes, nonce: int, timestamp_ms: int, now_ms: int
    ) -> tuple[RefusalCode, str] | None:
        """Record the nonce and return None, or return why the request must be refused."""
        window = self._windows.get(caller)
        if window is None:
            window = self._windows[caller] = _Window()
        if nonce in window.seen:
            return RefusalCode.NONCE_REPLAY, f"nonce {nonce} was already used by this caller"
        if timestamp_ms <= window.floor:
            return RefusalCode.NONCE_STALE, (
                f"timestamp {timestamp_ms} is at or below this caller's replay floor "
                f"{window.floor} (more than {self.per_caller} requests in the window)"
            )
        window.seen[nonce] = timestamp_ms
        self._live += 1
        record = _RECORD.pack(_SEEN, caller, nonce, timestamp_ms)
        if len(window.seen) > self.per_caller:
            record += self._evict_oldest(caller, window)
        self._append(record)
        if self._records >= _MIN_COMPACT_RECORDS and self._records > 4 * self._live:
            self.compact(now_ms)
        return None

    def _evict_oldest(self, caller: bytes, window: _Window) -> bytes:
        nonce = next(iter(window.seen))
        window.floor = max(window.floor, window.seen.pop(nonce))
        self._live -= 1
        return _RECORD.pack(_FLOOR, caller, 0, window.floor)

    def _append(self, record: bytes) -> None:
        if self._fd is None:
            return
        os.write(self._fd, record)
        if self._fsync:
            os.fsync(self._fd)
        self._records += len(record) // _RECORD.size

    def prune(self, now_ms: int) -> None:
        """Forget entries older than the window (the clock check refuses those anyway)."""
        cutoff = now_ms - self.window_ms
        for caller, window in list(self._windows.items()):
            seen = window.seen
            while seen:
                nonce = next(iter(seen))
                if seen[nonce] >= cutoff:
                    break
                del seen[nonce]
            if not seen and window.floor < cutoff:
                del self._windows[caller]
        self._live = len(self)

    def compact(self, now_ms: int) -> None:
        """Prune, then atomically rewrite the log with only the live window."""
        self.prune(now_ms)
        if self._path is None or self._fd is None:
            return
        records = bytearray()
        for caller, window in self._windows.items():
            if window.floor >= 0:
                records += _RECORD.pack(_FLOOR, caller, 0, window.floor)
            for nonce, ts in window.seen.items():
                records += _RECORD.pack(_SEEN, caller, nonce, ts)
        tmp = self._path.with_suffix(".compact")
        with open(tmp, "wb") as fh:
            fh.write(records)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)
        os.close(self._fd)
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND, 0o600)
        self._records = len(records) // _RECORD.size
        log.debug("nonce log compacted to %s records", self._records)

    def __len__(self) -> int:
        return sum(len(w.seen) for w in self._windows.values())

    def close(self) -> None:
        """Flush to disk and close the log (idempotent)."""
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
