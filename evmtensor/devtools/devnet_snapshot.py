"""``devnet snapshot`` and ``devnet revert``: the chain (Anvil's ``evm_snapshot``/``evm_revert``)
and the relay's SQLite store go back together, so the relay never holds rows for a reverted future
(a message marked landed in a block that no longer exists would never be sent again).

- snapshot: the relay's store is copied first (sqlite3's backup API: a consistent copy while the
  relay writes), then the chain is snapshotted. The copy is thus at most a moment older than the
  chain, which the relay already survives: a message the chain holds but the copy shows queued is
  sent again and the contract treats it as the no-op it is. The other order could leave a row
  "landed" in a block the revert removes.
- revert: under the relay lock (``<data-dir>/relay.lock``, an flock: the supervisor does not
  restart the relay while another process holds it, and a revert that dies releases it) the
  relay is stopped, the chain reverted, the store restored from the copy (or removed, if the
  relay held none then); once the lock is released the supervisor of ``devnet up`` starts the
  relay again, on the restored store and with empty caches.

Each copy lives in ``<data-dir>/snapshots/<id>.relay.sqlite``; a revert uses up its snapshot and
every later one (as Anvil does), copies included.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from web3 import Web3

from evmtensor.devtools.devnet import DevnetConfig
from evmtensor.devtools.supervisor import StateFile, alive, stop_pid
from evmtensor.errors import ConfigError

__all__ = ["mark_stopped_by_revert", "relay_held", "revert", "stopped_by_revert", "take"]

RELAY_STOP_TIMEOUT_S = 30.0  # the relay's worker finishes its pass and closes the store


def _index(cfg: DevnetConfig) -> tuple[Path, dict]:
    path = cfg.data_dir / "snapshots.json"
    try:
        return path, json.loads(path.read_text())
    except (OSError, ValueError):
        return path, {}


def _copy_db(source: Path, target: Path) -> None:
    """``source`` into ``target`` page by page, as one consistent state (sqlite3's backup API)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


@contextmanager
def relay_held(cfg: DevnetConfig, *, wait: bool = True):
    """Hold the relay lock; yields whether it is held (False at once when another process holds
    it and ``wait`` is False: the supervisor then leaves the relay as it is for this round)."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.data_dir / "relay.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            held = True
        except BlockingIOError:
            held = False
        try:
            yield held
        finally:
            if held:
                fcntl.flock(handle, fcntl.LOCK_UN)


def take(cfg: DevnetConfig, w3: Web3, name: str) -> dict:
    """Snapshot the chain as ``name``, with a copy of the relay's store; returns its entry."""
    path, known = _index(cfg)
    folder = cfg.data_dir / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    pending = folder / f"pending-{os.getpid()}.relay.sqlite"
    if cfg.relay_db.exists():
        _copy_db(cfg.relay_db, pending)
    snap_id = w3.provider.make_request("evm_snapshot", [])["result"]
    copy = None
    if pending.exists():
        copy = folder / f"{snap_id}.relay.sqlite"
        os.replace(pending, copy)
    known[name] = {"id": snap_id, "block": w3.eth.block_number,
                   "relay_db": None if copy is None else str(copy.relative_to(cfg.data_dir))}
    path.write_text(json.dumps(known, indent=2))
    return known[name]


def _revert_mark(cfg: DevnetConfig) -> Path:
    return cfg.data_dir / "relay.stopped-by-revert"


def mark_stopped_by_revert(cfg: DevnetConfig, pid: int) -> None:
    """Note that a revert stops relay ``pid`` (the supervisor then says so, not "exited")."""
    _revert_mark(cfg).write_text(str(pid))


def stopped_by_revert(cfg: DevnetConfig, pid: int | None) -> bool:
    """Whether relay ``pid`` was stopped by a revert; the mark is used up."""
    mark = _revert_mark(cfg)
    try:
        ours = pid is not None and mark.read_text().strip() == str(pid)
    except OSError:
        return False
    mark.unlink(missing_ok=True)
    return ours


def _stop_relay(cfg: DevnetConfig) -> bool:
    """Stop the relay the state file names, if it runs; True if one was stopped."""
    relay = (StateFile(cfg.data_dir).read().get("processes") or {}).get("relay") or {}
    if not alive(relay.get("pid"), relay.get("started")):
        return False
    mark_stopped_by_revert(cfg, relay["pid"])
    stop_pid(relay["pid"], relay["started"], timeout=RELAY_STOP_TIMEOUT_S)
    return True


def revert(cfg: DevnetConfig, w3: Web3, name: str) -> dict:
    """Return the chain and the relay's store to snapshot ``name``. Returns what was done:
    ``block`` (the head now), ``relay_stopped``, ``store`` ("restored", "removed" or "kept" for a
    snapshot taken before stores were copied)."""
    path, known = _index(cfg)
    if name not in known:
        raise ConfigError(f"no snapshot named {name!r} (known: {', '.join(known) or 'none'})")
    entry = known[name]
    with relay_held(cfg):
        stopped = _stop_relay(cfg)
        if not w3.provider.make_request("evm_revert", [entry["id"]]).get("result"):
            # Nothing changed: the relay starts again on its own store, which matches the chain.
            raise ConfigError(f"the chain no longer has snapshot {name!r} (was the devnet restarted since?)")
        if "relay_db" not in entry:
            store = "kept"
        elif entry["relay_db"] is None:
            _remove_db(cfg.relay_db)
            store = "removed"
        else:
            _copy_db(cfg.data_dir / entry["relay_db"], cfg.relay_db)
            store = "restored"
        later = {k: v for k, v in known.items() if int(v["id"], 16) < int(entry["id"], 16)}
        path.write_text(json.dumps(later, indent=2))
        for k, v in known.items():
            if k not in later and v.get("relay_db"):
                (cfg.data_dir / v["relay_db"]).unlink(missing_ok=True)
    return {"block": w3.eth.block_number, "relay_stopped": stopped, "store": store}
