"""From moving-average scores to the u16 weights a validator signs, and where they go.

`process_weights` follows what subtensor accepts (and what Bittensor's SDK does before
``set_weights``): non-negative, at least ``min_allowed_weights`` non-zero entries (padding with a
tiny uniform floor when too few miners scored), no weight above ``max_weight_limit`` of the total
(water-filling), then scaled so the largest weight is ``U16_MAX``. `sign_weights` signs the result
as EIP-712 typed data by the hotkey; a `WeightsSink` receives it (the relay's client implements
the same interface; `MemoryWeightsSink` and `FileWeightsSink` serve tests and devnets).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from evmtensor.chain import typed_data
from evmtensor.protocol import Signer, recover_address
from evmtensor.units import U16_MAX

__all__ = [
    "U16_MAX",
    "WEIGHTS_TYPE",
    "FileWeightsSink",
    "MemoryWeightsSink",
    "SignedWeights",
    "WeightRules",
    "WeightsSink",
    "normalize_max_weight",
    "process_weights",
    "sign_weights",
    "weights_digest",
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


@dataclass(frozen=True)
class SignedWeights:
    """One weight vector signed by a validator hotkey."""

    netuid: int
    hotkey: str
    uids: list[int]
    weights: list[int]
    version_key: int
    nonce: int  # strictly increasing per hotkey (we use the block or a millisecond clock)
    chain_id: int
    verifying_contract: str
    signature: str  # 0x-hex, 65 bytes

    def digest(self) -> bytes:
        return weights_digest(self.netuid, self.uids, self.weights, self.version_key, self.nonce,
                              self.chain_id, self.verifying_contract)

    def signer(self) -> str:
        """The checksummed address that signed it (raises SignatureInvalid if none did)."""
        raw = recover_address(self.digest(), bytes.fromhex(self.signature.removeprefix("0x")))
        return to_checksum_address(raw)


# The signed type; it joins evmtensor.chain.typed_data.TYPES (and TypedData.sol) when a contract
# verifies weights. The domain is the protocol's one domain.
WEIGHTS_TYPE = [
    {"name": "netuid", "type": "uint16"},
    {"name": "uids", "type": "uint16[]"},
    {"name": "weights", "type": "uint16[]"},
    {"name": "versionKey", "type": "uint64"},
    {"name": "nonce", "type": "uint64"},
]
_DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def weights_digest(netuid: int, uids: list[int], weights: list[int], version_key: int,
                   nonce: int, chain_id: int, verifying_contract: str) -> bytes:
    """The EIP-712 digest of a weight vector (the protocol's domain: "EVMTensor", "1")."""
    signable = encode_typed_data(full_message={
        "types": {"EIP712Domain": _DOMAIN_FIELDS, "Weights": WEIGHTS_TYPE},
        "primaryType": "Weights",
        "domain": typed_data.domain(chain_id, verifying_contract),
        "message": {"netuid": netuid, "uids": list(uids), "weights": list(weights),
                    "versionKey": version_key, "nonce": nonce},
    })
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def sign_weights(signer: Signer, netuid: int, uids: np.ndarray, weights: np.ndarray,
                 rules: WeightRules, nonce: int, chain_id: int,
                 verifying_contract: str) -> SignedWeights:
    """Sign processed weights with the validator's hotkey."""
    uid_list = [int(u) for u in uids]
    weight_list = [int(w) for w in weights]
    digest = weights_digest(netuid, uid_list, weight_list, rules.version_key, nonce, chain_id,
                            verifying_contract)
    return SignedWeights(netuid, signer.address, uid_list, weight_list, rules.version_key, nonce,
                         chain_id, verifying_contract, "0x" + signer.sign(digest).hex())


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
    """Appends each submission as one JSON line to a file (fsynced)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def submit(self, weights: SignedWeights) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(weights)) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self) -> list[SignedWeights]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [SignedWeights(**json.loads(line)) for line in lines if line.strip()]
