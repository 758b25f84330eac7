"""From moving-average scores to the u16 weights a validator signs, and where they go.

`process_weights` follows what subtensor accepts (and what Bittensor's SDK does before
``set_weights``): non-negative, at least ``min_allowed_weights`` non-zero entries (padding with a
tiny uniform floor when too few miners scored), no weight above ``max_weight_limit`` of the total
(water-filling), then scaled so the largest weight is ``U16_MAX``. `sign_weights` signs the result
as the Weights contract's EIP-712 row (``evmtensor.chain.weights``, the one definition); a
`WeightsSink` receives it (``oracle.relay.client.RelayWeightsSink`` posts it to a relay;
`MemoryWeightsSink` and `FileWeightsSink` serve tests and runs without a relay).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from evmtensor.chain import weights as W
from evmtensor.chain.weights import SignedWeights
from evmtensor.protocol import Signer
from evmtensor.units import U16_MAX
from oracle.relay.client import weights_json
from oracle.relay.models import WeightsIn

__all__ = [
    "U16_MAX",
    "FileWeightsSink",
    "MemoryWeightsSink",
    "WeightRules",
    "WeightsSink",
    "normalize_max_weight",
    "process_weights",
    "sign_weights",
]

_MIN_FLOOR = 1e-5  # the weight given to unscored UIDs when padding up to min_allowed_weights


@dataclass(frozen=True)
class WeightRules:
    """The subnet's rules for a weight vector (its hyperparameters)."""

    min_allowed_weights: int = 1
    max_weight_limit: float = 1.0  # largest share of the total one UID may get
    version_key: int = 0
    rate_limit_blocks: int = 0


def normalize_max_weight(x: np.ndarray, limit: float) -> np.ndarray:
    """`x` (n,) non-negative, normalised to sum 1 with no entry above `limit`.

    The largest entries are capped at `limit` and the remainder shared among the others in
    proportion to `x`, capping as few entries as possible. If ``limit * n <= 1`` (or `x` is all
    zero) the result is uniform.
    """
    x = np.nan_to_num(np.asarray(x, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-d, got shape {x.shape}")
    n = x.shape[0]
    x = np.maximum(x, 0.0)
    if n == 0:
        return x
    total = x.sum()
    if total <= 0 or limit * n <= 1.0:
        return np.full(n, 1.0 / n)
    w = x / total
    if w.max() <= limit:
        return w
    order = np.argsort(-w, kind="stable")
    for k in range(1, n):  # cap the k largest
        rest = w[order[k:]]
        scale = (1.0 - k * limit) / rest.sum() if rest.sum() > 0 else 0.0
        if rest.max() * scale <= limit + 1e-12:
            out = np.empty(n)
            out[order[:k]] = limit
            out[order[k:]] = rest * scale
            return out
    return np.full(n, 1.0 / n)  # pragma: no cover (k = n-1 always fits when limit * n > 1)


def process_weights(
    uids: np.ndarray, scores: np.ndarray, rules: WeightRules
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (n,) of `uids` (n,) -> (uids, u16 weights) to sign, zeros dropped.

    Raises:
        ValueError: the shapes differ, or fewer UIDs exist than ``min_allowed_weights``.
    """
    uids = np.asarray(uids, dtype=np.int64)
    scores = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
    if uids.shape != scores.shape or uids.ndim != 1:
        raise ValueError(f"uids {uids.shape} and scores {scores.shape} must be equal 1-d shapes")
    if len(uids) < rules.min_allowed_weights:
        raise ValueError(f"{len(uids)} uids < min_allowed_weights {rules.min_allowed_weights}")
    scores = np.maximum(scores, 0.0)
    if np.count_nonzero(scores) < rules.min_allowed_weights:
        # Too few miners scored: keep their order but give every UID a floor (as the SDK does).
        scores = scores / scores.sum() if scores.sum() > 0 else scores
        scores = scores + _MIN_FLOOR
    shares = normalize_max_weight(scores, rules.max_weight_limit)
    top = shares.max() if len(shares) else 0.0
    if top <= 0:
        return uids[:0], np.zeros(0, dtype=np.int64)
    u16 = np.rint(shares / top * U16_MAX).astype(np.int64)  # largest weight is exactly U16_MAX
    keep = u16 > 0
    return uids[keep], u16[keep]


def sign_weights(signer: Signer, netuid: int, uids: np.ndarray, weights: np.ndarray, rules: WeightRules,
                 nonce: int, deadline_block: int, chain_id: int, verifying_contract: str) -> SignedWeights:
    """Sign processed weights with the validator's hotkey as the Weights contract verifies them
    (``evmtensor.chain.weights``: typed data ``Weights``, domain = the Weights contract), so the
    relay or anyone can post the row. ``nonce`` must exceed the hotkey's last one on the subnet;
    the row may land up to block ``deadline_block``."""
    row = W.WeightsRow(netuid, tuple(int(u) for u in uids), tuple(int(w) for w in weights), rules.version_key,
                       nonce, deadline_block)
    digest = W.weights_digest(verifying_contract, chain_id, row)
    return SignedWeights(signer.address, row, signer.sign(digest))


@runtime_checkable
class WeightsSink(Protocol):
    """Where signed weights go: the relay's client, or a recorder."""

    def submit(self, weights: SignedWeights) -> None: ...


class MemoryWeightsSink:
    """Keeps every submission in a list (thread-safe)."""

    def __init__(self) -> None:
        self.submitted: list[SignedWeights] = []
        self._lock = threading.Lock()

    def submit(self, weights: SignedWeights) -> None:
        with self._lock:
            self.submitted.append(weights)


class FileWeightsSink:
    """Appends each submission as one JSON line to a file (fsynced), in the relay's
    ``POST /v1/weights`` body format, so a file can be replayed to a relay."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def submit(self, weights: SignedWeights) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(weights_json(weights)) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[SignedWeights]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [WeightsIn.model_validate(json.loads(line)).signed() for line in lines if line.strip()]

