"""The relay's durable queue: SQLite in WAL mode with synchronous=FULL.

A message is acknowledged only after its row is committed here, so a crash after the receipt
loses nothing. Each message moves ``queued -> sent -> landed | rejected`` (or back to ``queued``
when its transaction is lost, or ``failed`` after too many attempts). The signed transaction is
committed *before* it is broadcast (``sent`` with its raw bytes), so after a crash the relay
either finds its receipt or broadcasts the very same bytes again; the contract treats a message
it already applied as a no-op, so nothing is applied twice whatever happens in between.

Deduplication: one row per message digest (the EIP-712 hash, or the commit hash of a reveal, or
for an attestation the hash of (epoch, uid, result)), and one per (kind, netuid, hotkey, nonce)
for signed weights and commits.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

__all__ = ["Kind", "Status", "Store", "Submission", "NonceConflict"]


class Kind(str, Enum):
    WEIGHTS = "weights"
    COMMIT = "commit"
    REVEAL = "reveal"
    ATTESTATION = "attestation"  # nonce = the epoch; settled (not batched) once a quorum is in


class Status(str, Enum):
    QUEUED = "queued"
    SENT = "sent"
    LANDED = "landed"
    REJECTED = "rejected"
    FAILED = "failed"


class NonceConflict(Exception):
    """Another message from the same hotkey already holds this nonce."""

    def __init__(self, existing: "Submission"):
        self.existing = existing
        super().__init__(f"nonce {existing.nonce} is already used by {existing.digest}")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    netuid INTEGER NOT NULL,
    hotkey TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,  -- transactions of this message that failed
    tx_hash TEXT,
    block INTEGER,
    reason TEXT,
    received_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
-- One message per signed nonce; reveals carry none and attestations use the epoch (a validator
-- may sign another result of the same epoch). The older index also covered attestations.
DROP INDEX IF EXISTS submissions_nonce;
CREATE UNIQUE INDEX IF NOT EXISTS submissions_signed_nonce ON submissions(kind, netuid, hotkey, nonce)
    WHERE kind IN ('weights', 'commit');
CREATE INDEX IF NOT EXISTS submissions_status ON submissions(status, id);
CREATE INDEX IF NOT EXISTS submissions_hotkey ON submissions(netuid, hotkey, id);
-- An epoch's attestations, for the read API's epoch detail (weights rows far outnumber them).
CREATE INDEX IF NOT EXISTS submissions_epoch ON submissions(netuid, nonce, id) WHERE kind = 'attestation';
CREATE TABLE IF NOT EXISTS transactions (
    tx_hash TEXT PRIMARY KEY,
    account_nonce INTEGER NOT NULL,
    raw TEXT NOT NULL,
    sent_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Submission:
    id: int
    digest: str
    kind: Kind
    netuid: int
    hotkey: str
    nonce: int
    payload: dict
    status: Status
    attempts: int
    tx_hash: str | None
    block: int | None
    reason: str | None
    received_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Submission:
        d = dict(row)
        return cls(**{**d, "kind": Kind(d["kind"]), "status": Status(d["status"]), "payload": json.loads(d["payload"])})


class Store:
    """Thread-safe access to the queue (one connection, serialised by a lock)."""

    def __init__(self, path: Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")  # fsync each commit: an ack survives power loss
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def journal_mode(self) -> str:
        with self._lock:
            return self._conn.execute("PRAGMA journal_mode").fetchone()[0]

    def add(self, digest: str, kind: Kind, netuid: int, hotkey: str, nonce: int, payload: dict) -> tuple[Submission, bool]:
        """Store a new message; returns ``(submission, created)``. The same digest again returns
        the stored one (``created`` False); another message on the same nonce raises NonceConflict."""
        now = time.time()
        with self._lock:
            existing = self._one("SELECT * FROM submissions WHERE digest = ?", (digest,))
            if existing:
                return existing, False
            if kind not in (Kind.REVEAL, Kind.ATTESTATION):
                clash = self._one("SELECT * FROM submissions WHERE kind = ? AND netuid = ? AND hotkey = ? AND nonce = ?",
                                  (kind.value, netuid, hotkey, nonce))
                if clash:
                    raise NonceConflict(clash)
            self._conn.execute(
                "INSERT INTO submissions (digest, kind, netuid, hotkey, nonce, payload, status, received_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (digest, kind.value, netuid, hotkey, nonce, json.dumps(payload), Status.QUEUED.value, now, now),
            )
            return self._one("SELECT * FROM submissions WHERE digest = ?", (digest,)), True

    def get(self, digest: str) -> Submission | None:
        with self._lock:
            return self._one("SELECT * FROM submissions WHERE digest = ?", (digest,))

    def count(self, kind: Kind, netuid: int, hotkey: str, nonce: int) -> int:
        """How many messages of ``kind`` ``hotkey`` has stored on ``netuid`` under ``nonce`` (an
        attestation's nonce is its epoch)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM submissions WHERE kind = ? AND netuid = ? AND hotkey = ? AND nonce = ?",
                (kind.value, netuid, hotkey, nonce)).fetchone()
        return int(row[0])

    def for_hotkey(self, netuid: int, hotkey: str, limit: int = 100) -> list[Submission]:
        with self._lock:
            return self._many("SELECT * FROM submissions WHERE netuid = ? AND hotkey = ? ORDER BY id DESC LIMIT ?",
                              (netuid, hotkey, limit))

    def attestations(self, netuid: int, epoch: int, limit: int = 1000) -> list[Submission]:
        """The attestations held for ``netuid``'s ``epoch`` (their nonce), oldest first, whatever their
        status (the relay stores a few results per validator and epoch, so ``limit`` only bounds a
        store filled by other means)."""
        with self._lock:
            return self._many("SELECT * FROM submissions WHERE kind = 'attestation' AND netuid = ? AND nonce = ?"
                              " ORDER BY id LIMIT ?", (netuid, epoch, limit))

    def queued(self, kind: Kind, limit: int) -> list[Submission]:
        with self._lock:
            return self._many("SELECT * FROM submissions WHERE status = 'queued' AND kind = ? ORDER BY id LIMIT ?",
                              (kind.value, limit))

    def in_flight(self) -> dict[str, list[Submission]]:
        """Sent messages grouped by transaction hash."""
        with self._lock:
            rows = self._many("SELECT * FROM submissions WHERE status = 'sent' ORDER BY id", ())
        groups: dict[str, list[Submission]] = {}
        for s in rows:
            groups.setdefault(s.tx_hash, []).append(s)
        return groups

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT status, COUNT(*) FROM submissions GROUP BY status").fetchall()
        return {status: n for status, n in rows}

    def mark_sent(self, ids: list[int], tx_hash: str, account_nonce: int, raw: str) -> None:
        """Record the signed transaction and its messages in one commit, before broadcasting."""
        now = time.time()
        with self._lock, self._tx():
            self._conn.execute("INSERT OR REPLACE INTO transactions VALUES (?, ?, ?, ?)", (tx_hash, account_nonce, raw, now))
            self._conn.executemany(
                "UPDATE submissions SET status = 'sent', tx_hash = ?, updated_at = ? WHERE id = ?",
                [(tx_hash, now, i) for i in ids],
            )

    def transaction(self, tx_hash: str) -> tuple[int, str, float] | None:
        """``(account nonce, raw signed bytes as hex, sent at)`` of a recorded transaction."""
        with self._lock:
            row = self._conn.execute("SELECT account_nonce, raw, sent_at FROM transactions WHERE tx_hash = ?",
                                     (tx_hash,)).fetchone()
        return tuple(row) if row else None

    def touch_transaction(self, tx_hash: str) -> None:
        with self._lock:
            self._conn.execute("UPDATE transactions SET sent_at = ? WHERE tx_hash = ?", (time.time(), tx_hash))

    def settle(self, outcomes: list[tuple[int, Status, int | None, str | None]]) -> None:
        """Final (or retry) outcomes ``(id, status, block, reason)`` of messages, in one commit."""
        now = time.time()
        with self._lock, self._tx():
            self._conn.executemany(
                "UPDATE submissions SET status = ?, block = ?, reason = ?, updated_at = ?,"
                " tx_hash = CASE WHEN ? = 'queued' THEN NULL ELSE tx_hash END WHERE id = ?",
                [(st.value, block, reason, now, st.value, i) for i, st, block, reason in outcomes],
            )

    def retry(self, outcomes: list[tuple[int, Status, int, str]]) -> None:
        """Messages ``(id, QUEUED or FAILED, failed attempts, reason)`` whose transaction failed, in one commit."""
        now = time.time()
        with self._lock, self._tx():
            self._conn.executemany(
                "UPDATE submissions SET status = ?, attempts = ?, reason = ?, tx_hash = NULL, updated_at = ? WHERE id = ?",
                [(st.value, attempts, reason, now, i) for i, st, attempts, reason in outcomes],
            )

    # ------------------------------------------------------------------ internals

    def _tx(self):
        conn = self._conn

        class _Tx:
            def __enter__(self):
                conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                conn.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()

    def _one(self, sql: str, args: tuple) -> Submission | None:
        row = self._conn.execute(sql, args).fetchone()
        return Submission.from_row(row) if row else None

    def _many(self, sql: str, args: tuple) -> list[Submission]:
        return [Submission.from_row(r) for r in self._conn.execute(sql, args).fetchall()]
