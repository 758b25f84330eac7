"""The validator's moving-average score per UID, persisted atomically, reset when a UID changes
hands.

Invariants:
- The file is only ever replaced whole (write to a temporary file, fsync, ``os.replace``), so a
  crash leaves the previous or the new state, never a torn one.
- Start-up reads the file and never writes it: a validator restarted with a bad configuration
  cannot wipe what it learnt. The first write happens after the first update.
- A score belongs to a (UID, hotkey) pair: when the metagraph shows another hotkey at a UID (a
  re-registration), that UID starts again from zero.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

__all__ = ["ScoreStore", "ema_update"]

log = logging.getLogger(__name__)
_FORMAT = 1


def ema_update(scores: np.ndarray, uids: np.ndarray, rewards: np.ndarray, alpha: float) -> np.ndarray:
    """``scores[uid] = alpha * reward + (1 - alpha) * scores[uid]`` for the rewarded UIDs.

    Args:
        scores: (n,) current scores.
        uids: (k,) distinct UIDs < n that were scored this round.
        rewards: (k,) their rewards (NaN counts as 0).
        alpha: weight of the new reward, in (0, 1].

    Returns:
        (n,) new scores (a copy).
    """
    scores = np.asarray(scores, dtype=np.float64)
    uids = np.asarray(uids, dtype=np.int64)
    rewards = np.nan_to_num(np.asarray(rewards, dtype=np.float64), nan=0.0)
    if uids.shape != rewards.shape or uids.ndim != 1:
        raise ValueError(f"uids {uids.shape} and rewards {rewards.shape} must be equal 1-d shapes")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha {alpha} outside (0, 1]")
    if len(np.unique(uids)) != len(uids):
        raise ValueError("uids must be distinct")
    if len(uids) and (uids.min() < 0 or uids.max() >= len(scores)):
        raise ValueError(f"uids outside [0, {len(scores)})")
    out = scores.copy()
    out[uids] = alpha * rewards + (1.0 - alpha) * out[uids]
    return out


class ScoreStore:
    """Scores by UID plus the hotkey each score belongs to, saved in ``path`` (JSON)."""

    def __init__(self, path: Path, *, alpha: float = 0.1) -> None:
        self.path = path
        self.alpha = alpha
        self._lock = threading.Lock()
        self.scores = np.zeros(0)
        self.hotkeys: list[str | None] = []
        if path.exists():
            self._load()

    def _load(self) -> None:
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("format") != _FORMAT:
            raise ValueError(f"{self.path}: unknown score file format {data.get('format')!r}")
        self.scores = np.asarray(data["scores"], dtype=np.float64)
        self.hotkeys = list(data["hotkeys"])
        log.info("loaded scores of %s uids from %s", len(self.scores), self.path)

    def sync(self, hotkeys: dict[int, str]) -> list[int]:
        """Follow the metagraph (UID -> hotkey): grow to fit, zero every UID whose hotkey changed.

        Returns the UIDs that were reset.
        """
        with self._lock:
            n = max([len(self.scores), *(uid + 1 for uid in hotkeys)])
            if n > len(self.scores):
                self.scores = np.concatenate([self.scores, np.zeros(n - len(self.scores))])
                self.hotkeys += [None] * (n - len(self.hotkeys))
            reset = [uid for uid, hk in hotkeys.items()
                     if self.hotkeys[uid] is not None and self.hotkeys[uid] != hk]
            for uid in reset:
                self.scores[uid] = 0.0
            for uid, hk in hotkeys.items():
                self.hotkeys[uid] = hk
        if reset:
            log.info("uids %s changed hotkey: their scores start again from zero", reset)
        return reset

    def update(self, uids: np.ndarray, rewards: np.ndarray) -> None:
        """Fold one round's rewards into the moving average and save."""
        with self._lock:
            self.scores = ema_update(self.scores, uids, rewards, self.alpha)
            self._save()

    def score_of(self, uid: int) -> float:
        return float(self.scores[uid]) if uid < len(self.scores) else 0.0

    def snapshot(self) -> tuple[np.ndarray, list[str | None]]:
        with self._lock:
            return self.scores.copy(), list(self.hotkeys)

    def _save(self) -> None:
        payload = json.dumps({"format": _FORMAT, "scores": self.scores.tolist(),
                              "hotkeys": self.hotkeys})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
