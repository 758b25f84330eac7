"""A durable, bounded window of the nonces each caller has used: replay protection that
survives a restart of the axon, a crash mid-write, a full disk and a damaged log.

Rules (the axon applies the clock checks first, so every request reaching the store has a
timestamp within ``window_ms`` of the axon's clock):

1. A ``(caller, nonce)`` pair already in the window is a replay (``NONCE_REPLAY``).
2. Each caller keeps at most ``per_caller`` entries. When full, the oldest entry is evicted and
   the caller's *floor* rises to its timestamp; from then on a request with a timestamp at or
   below the floor is refused (``NONCE_STALE``). An evicted nonce can therefore never be replayed,
   and memory stays bounded however fast a caller sends.
3. Entries older than ``window_ms`` are forgotten: the clock check refuses them anyway.

Storage: an 8-byte magic, then fixed 41-byte records (kind, caller, nonce, timestamp, crc32),
appended with one ``write(2)`` per accepted request *before* the request is handled; a request
whose record cannot be written (disk full, I/O error) is refused (``STORAGE_UNAVAILABLE``) and
the log is cut back to its last whole record, so it never holds a torn record mid-file.
A record survives the axon process crashing as soon as `write` returns; ``fsync=True`` also
survives power loss, at a cost per request.

Loading: a torn tail (a crash mid-write) is cut off. Anything else that does not parse (a bad
magic, a bad checksum, an unknown kind) means records may be lost, so the file is moved aside
as ``<name>.corrupt-<unix ms>``, the records before the damage are kept, and every caller gets a
floor of the load time plus ``skew_ms``: no request signed before the restart can be accepted
again, at the cost of refusing, for a moment, the ones in flight. Either way a warning says so.
When the log holds four times more records than are live it is rewritten (temporary file,
fsync, rename) with only the live window. All methods run on the event-loop thread.
"""

from __future__ import annotations

import logging
import os
import struct
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from evmtensor.protocol.errors import RefusalCode

__all__ = ["NonceStore"]

log = logging.getLogger(__name__)

MAGIC = b"EVMTNL2\n"
_BODY = struct.Struct(">c20sQq")  # kind, caller, nonce (uint64), timestamp ms
_RECORD_SIZE = _BODY.size + 4  # + crc32 of the body
_SEEN, _FLOOR = b"S", b"F"
_ANY_CALLER = b"\xff" * 20  # a floor record for this "caller" applies to every caller
_MIN_COMPACT_RECORDS = 8192
Verdict = tuple[RefusalCode, str] | None


def _record(kind: bytes, caller: bytes, nonce: int, ts: int) -> bytes:
    body = _BODY.pack(kind, caller, nonce, ts)
    return body + zlib.crc32(body).to_bytes(4, "big")


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
        skew_ms: int = 0,
    ) -> None:
        self.window_ms = window_ms
        self.per_caller = per_caller
        self.skew_ms = skew_ms
        self._path = path
        self._fsync = fsync
        self._windows: dict[bytes, _Window] = {}
        self._records = 0  # records in the log file
        self._size = 0  # bytes of the log known to be whole
        self._live = 0  # entries in memory
        self._fd: int | None = None
        self._global_floor = -1  # every caller's floor after a damaged log was loaded
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._open(path)

    # -- loading ----------------------------------------------------------------------------

    def _open(self, path: Path) -> None:
        data = path.read_bytes() if path.exists() else b""
        good, damaged = self._parse(data)
        if damaged:
            quarantine = path.with_name(f"{path.name}.corrupt-{time.time_ns() // 1_000_000}")
            os.replace(path, quarantine)
            floor = time.time_ns() // 1_000_000 + self.skew_ms
            self._global_floor = max(self._global_floor, floor)
            log.warning(
                "nonce log %s is damaged (%s); moved it to %s, kept %s records, and refuse every "
                "request signed before %s ms so no lost nonce can be replayed",
                path, damaged, quarantine.name, good, floor,
            )
            data = b""
        self._settle()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        if damaged or not data:
            self._rewrite_all()
        else:
            self._size = len(MAGIC) + good * _RECORD_SIZE
            if self._size < len(data):
                log.warning("nonce log %s: cut a torn last record (crash mid-write)", path)
                os.ftruncate(self._fd, self._size)
            self._records = good
        self._live = len(self)
        log.info("nonce store %s: %s nonces of %s callers", path, self._live, len(self._windows))

    def _parse(self, data: bytes) -> tuple[int, str | None]:
        """Load the records of `data`; (whole records loaded, what is damaged or None)."""
        if not data:
            return 0, None
        if not data.startswith(MAGIC):
            return 0, "no EVMTensor nonce log header"
        body = memoryview(data)[len(MAGIC) :]
        whole = len(body) // _RECORD_SIZE
        for i in range(whole):
            raw = bytes(body[i * _RECORD_SIZE : (i + 1) * _RECORD_SIZE])
            kind, caller, nonce, ts = _BODY.unpack(raw[: _BODY.size])
            if zlib.crc32(raw[: _BODY.size]).to_bytes(4, "big") != raw[_BODY.size :]:
                return i, f"bad checksum in record {i}"
            if kind not in (_SEEN, _FLOOR):
                return i, f"unknown record kind in record {i}"
            self._load_record(kind, caller, nonce, ts)
        return whole, None

    def _settle(self) -> None:
        """Apply the global floor and the per-caller bound to freshly loaded windows."""
        for window in self._windows.values():
            window.floor = max(window.floor, self._global_floor)
            while len(window.seen) > self.per_caller:  # evicted entries stay in the log
                nonce = next(iter(window.seen))
                window.floor = max(window.floor, window.seen.pop(nonce))

    def _load_record(self, kind: bytes, caller: bytes, nonce: int, ts: int) -> None:
        if caller == _ANY_CALLER:
            self._global_floor = max(self._global_floor, ts)
            return
        window = self._windows.setdefault(caller, _Window())
        if kind == _FLOOR:
            window.floor = max(window.floor, ts)
        elif nonce not in window.seen:
            window.seen[nonce] = ts

    # -- the request path -------------------------------------------------------------------

    def seen(self, caller: bytes, nonce: int) -> bool:
        """Whether `nonce` is already in `caller`'s window (a cheap early replay check)."""
        window = self._windows.get(caller)
        return window is not None and nonce in window.seen

    def check_and_add(self, caller: bytes, nonce: int, timestamp_ms: int, now_ms: int) -> Verdict:
        """Record the nonce and return None, or return why the request must be refused."""
        window = self._windows.get(caller)
        if window is None:
            window = _Window(floor=self._global_floor)
        if nonce in window.seen:
            return RefusalCode.NONCE_REPLAY, f"nonce {nonce} was already used by this caller"
        if timestamp_ms <= window.floor:
            return RefusalCode.NONCE_STALE, (
                f"timestamp {timestamp_ms} is at or below this caller's replay floor "
                f"{window.floor} (too many requests in the window, or the axon restarted "
                "after damage to its replay log): sign a new request"
            )
        record = _record(_SEEN, caller, nonce, timestamp_ms)
        evict = len(window.seen) >= self.per_caller
        if evict:
            oldest = next(iter(window.seen))
            record += _record(_FLOOR, caller, 0, max(window.floor, window.seen[oldest]))
        problem = self._append(record)
        if problem is not None:
            return RefusalCode.STORAGE_UNAVAILABLE, problem
        self._windows[caller] = window
        window.seen[nonce] = timestamp_ms
        self._live += 1
        if evict:
            window.floor = max(window.floor, window.seen.pop(oldest))
            self._live -= 1
        if self._records >= _MIN_COMPACT_RECORDS and self._records > 4 * self._live:
            self.compact(now_ms)
        return None

    def _append(self, record: bytes) -> str | None:
        """Write `record` whole, or cut the log back to its last whole record and say why."""
        if self._fd is None:
            return None if self._path is None else "the replay log is closed"
        try:
            written = 0
            while written < len(record):  # a short write (e.g. the disk filling) continues
                written += os.pwrite(self._fd, record[written:], self._size + written)
            if self._fsync:
                os.fsync(self._fd)
        except OSError as exc:
            self._cut_back()
            log.warning("cannot write the nonce log %s: %s", self._path, exc)
            return f"this axon cannot record nonces right now ({exc.strerror}); retry later"
        self._size += len(record)
        self._records += len(record) // _RECORD_SIZE
        return None

    def _cut_back(self) -> None:
        try:
            assert self._fd is not None
            os.ftruncate(self._fd, self._size)
        except OSError as exc:  # the next successful write overwrites the tail anyway
            log.warning("cannot cut the nonce log %s back: %s", self._path, exc)

    # -- maintenance ------------------------------------------------------------------------

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
        if self._global_floor < cutoff:
            self._global_floor = -1
        self._live = len(self)

    def compact(self, now_ms: int) -> None:
        """Prune, then atomically rewrite the log with only the live window."""
        self.prune(now_ms)
        if self._path is None or self._fd is None:
            return
        try:
            self._rewrite_all()
        except OSError as exc:  # e.g. disk full: keep appending to the old log
            log.warning("cannot compact the nonce log %s: %s", self._path, exc)
            return
        log.debug("nonce log compacted to %s records", self._records)

    def _rewrite_all(self) -> None:
        assert self._path is not None and self._fd is not None
        records = bytearray(MAGIC)
        if self._global_floor >= 0:
            records += _record(_FLOOR, _ANY_CALLER, 0, self._global_floor)
        for caller, window in self._windows.items():
            if window.floor >= 0:
                records += _record(_FLOOR, caller, 0, window.floor)
            for nonce, ts in window.seen.items():
                records += _record(_SEEN, caller, nonce, ts)
        tmp = self._path.with_suffix(".compact")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(records)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self._path)
        finally:
            tmp.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = os.open(self._path, os.O_WRONLY, 0o600)
        self._size = len(records)
        self._records = (len(records) - len(MAGIC)) // _RECORD_SIZE

    def __len__(self) -> int:
        return sum(len(w.seen) for w in self._windows.values())

    def close(self) -> None:
        """Flush to disk and close the log (idempotent)."""
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                log.warning("cannot flush the nonce log %s: %s", self._path, exc)
            os.close(self._fd)
            self._fd = None
