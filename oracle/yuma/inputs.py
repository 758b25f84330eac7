"""Epoch inputs: hyper-parameters, sparse u16 matrices and the frozen ``EpochInputs`` record.

Invariants established here (so the engine never re-checks them):
- every per-UID vector has length ``n``; stake is finite and non-negative; blocks are
  non-negative integers;
- matrices are CSR (``indptr``, ``indices``, ``values``) with ``n`` rows, column indices in
  ``[0, n)``, strictly increasing within a row (no duplicates);
- chain storage values are u16 integers; float-valued matrices (research state) are finite,
  non-negative and only accepted by the float mode;
- hyper-parameters are in their chain encodings (u16 proportions, bonds moving average in
  millionths, steepness as i16) and within the chain's ranges.

Every violation raises ``YumaInputError`` naming the field.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Iterable, Optional, Sequence

import numpy as np

from evmtensor import units

from .errors import YumaInputError

__all__ = [
    "YumaMode",
    "YumaVersion",
    "YumaParams",
    "SparseMatrix",
    "EpochInputs",
    "SimQuirks",
    "max_upscale_u16",
]

U16_MAX = units.U16_MAX


class YumaMode(enum.StrEnum):
    """Which arithmetic the epoch runs in (a ``str`` enum: ``YumaMode("exact")`` parses a flag)."""

    EXACT = "exact"  # subtensor's I32F32 fixed point, bit for bit: what validators sign
    FLOAT = "float"  # float64, the same formulas unrounded: research and the simulation's quirks


def parse_mode(mode: "YumaMode | str") -> YumaMode:
    """``mode`` as a ``YumaMode``; ``YumaInputError("mode")`` for anything else."""
    try:
        return YumaMode(mode)
    except ValueError:
        choices = " or ".join(repr(m.value) for m in YumaMode)
        raise YumaInputError("mode", f"must be {choices}, got {mode!r}") from None


class YumaVersion(enum.IntEnum):
    """Which bonds/dividends path runs (``Yuma3On`` selects YUMA3 on chain)."""

    YUMA1 = 1  # original path with alpha = 1: bonds from the current epoch only
    YUMA2 = 2  # subtensor's original path (``Yuma3On = false``)
    YUMA3 = 3  # subtensor's Yuma 3 (``Yuma3On = true``), default for new subnets


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise YumaInputError(name, f"must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise YumaInputError(name, f"must be in [{lo}, {hi}], got {value}")
    return int(value)


@dataclass(frozen=True)
class YumaParams:
    """Subnet hyper-parameters in their chain encodings (defaults: ``init_new_network``)."""

    kappa: int = 32767  # u16, kappa = value / 65535
    bonds_penalty: int = 65535  # u16, beta = value / 65535
    bonds_moving_average: int = 900_000  # millionths; alpha = 1 - value / 1e6
    version: YumaVersion = YumaVersion.YUMA3
    liquid_alpha: bool = False
    alpha_low: int = 45875  # u16
    alpha_high: int = 58982  # u16
    alpha_sigmoid_steepness: int = 1000  # i16, exponent factor = value / -100
    max_allowed_validators: int = 64
    activity_cutoff: int = 5000  # blocks
    tempo: int = 360
    stake_threshold: int = 0  # rao

    def __post_init__(self) -> None:
        _check_int("params.kappa", self.kappa, 0, U16_MAX)
        _check_int("params.bonds_penalty", self.bonds_penalty, 0, U16_MAX)
        _check_int("params.bonds_moving_average", self.bonds_moving_average, 0, 1_000_000)
        _check_int("params.alpha_low", self.alpha_low, 0, U16_MAX)
        _check_int("params.alpha_high", self.alpha_high, 0, U16_MAX)
        if self.alpha_low > self.alpha_high:
            raise YumaInputError("params.alpha_low", "must not exceed alpha_high")
        _check_int("params.alpha_sigmoid_steepness", self.alpha_sigmoid_steepness, -32768, 32767)
        _check_int("params.max_allowed_validators", self.max_allowed_validators, 0, U16_MAX)
        _check_int("params.activity_cutoff", self.activity_cutoff, 0, 2**64 - 1)
        _check_int("params.tempo", self.tempo, 0, U16_MAX)
        _check_int("params.stake_threshold", self.stake_threshold, 0, 2**64 - 1)
        if not isinstance(self.liquid_alpha, bool):
            raise YumaInputError("params.liquid_alpha", "must be a boolean")
        try:
            object.__setattr__(self, "version", YumaVersion(self.version))
        except ValueError:
            raise YumaInputError("params.version", f"unknown Yuma version {self.version!r}") from None

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, eq=False)
class SparseMatrix:
    """An ``n x n`` matrix in CSR form; a stored entry may be an explicit zero (it is "present")."""

    n: int
    indptr: np.ndarray  # (n+1,) int64
    indices: np.ndarray  # (nnz,) int64, sorted per row
    values: np.ndarray  # (nnz,) int64 (u16 storage) or float64 (research state)

    @property
    def is_u16(self) -> bool:
        return self.values.dtype.kind in "iu"

    @classmethod
    def empty(cls, n: int) -> "SparseMatrix":
        return cls(n, np.zeros(n + 1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))

    @classmethod
    def from_rows(cls, rows: Sequence[Iterable[tuple[int, float]]], n: int, name: str = "weights") -> "SparseMatrix":
        """Build from ``rows[i] = [(uid, value), ...]``; integer values are u16 storage."""
        if len(rows) != n:
            raise YumaInputError(name, f"expected {n} rows, got {len(rows)}")
        indptr, idx, val = [0], [], []
        for i, row in enumerate(rows):
            pairs = sorted((int(j), v) for j, v in row)
            idx.extend(j for j, _ in pairs)
            val.extend(v for _, v in pairs)
            indptr.append(len(idx))
        ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in val)
        values = np.array(val, dtype=np.int64 if ints else np.float64)
        return cls.checked(n, np.array(indptr, np.int64), np.array(idx, np.int64), values, name)

    @classmethod
    def from_dense(cls, mat: np.ndarray, present: Optional[np.ndarray] = None, name: str = "weights") -> "SparseMatrix":
        """Build from a dense ``(n, n)`` array; entries are present where ``present`` (default: non-zero)."""
        mat = np.asarray(mat)
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
            raise YumaInputError(name, f"must be a square matrix, got shape {mat.shape}")
        mask = mat != 0 if present is None else np.asarray(present, bool)
        if mask.shape != mat.shape:
            raise YumaInputError(name, "presence mask shape differs from the matrix")
        rows, cols = np.nonzero(mask)
        indptr = np.zeros(mat.shape[0] + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=mat.shape[0]), out=indptr[1:])
        vals = mat[rows, cols]
        vals = vals.astype(np.int64) if mat.dtype.kind in "iub" else vals.astype(np.float64)
        return cls.checked(mat.shape[0], indptr, cols.astype(np.int64), vals, name)

    @classmethod
    def checked(cls, n: int, indptr, indices, values, name: str) -> "SparseMatrix":
        indptr, indices = np.asarray(indptr, np.int64), np.asarray(indices, np.int64)
        values = np.asarray(values)
        if indptr.shape != (n + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
            raise YumaInputError(name, "malformed row pointer")
        if indices.shape != values.shape or indices.size != indptr[-1]:
            raise YumaInputError(name, "indices and values lengths differ")
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            raise YumaInputError(name, f"target uid out of range [0, {n})")
        if indices.size > 1:
            same_row = np.repeat(np.arange(n), np.diff(indptr))
            step = np.diff(indices)
            if np.any((step <= 0) & (np.diff(same_row) == 0)):
                raise YumaInputError(name, "duplicate or unsorted target uid in a row")
        if values.dtype.kind in "iub":
            values = values.astype(np.int64)
            if values.size and (values.min() < 0 or values.max() > U16_MAX):
                raise YumaInputError(name, "u16 values must be in [0, 65535]")
        else:
            values = values.astype(np.float64)
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise YumaInputError(name, "values must be finite and non-negative")
        return cls(n, indptr, indices, values)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.indices[lo:hi], self.values[lo:hi]

    def dense_rows(self, rows: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
        """Dense ``(len(rows), n)`` values and presence for the given rows."""
        rows = np.asarray(rows, np.int64)
        vals = np.zeros((len(rows), self.n), dtype)
        present = np.zeros((len(rows), self.n), bool)
        rowpos = np.full(self.n, -1, np.int64)
        rowpos[rows] = np.arange(len(rows)) * self.n
        base = np.repeat(rowpos, np.diff(self.indptr))  # (nnz,) flat row offset or -1
        sel = base >= 0
        if sel.all():
            flat, v = base + self.indices, self.values
        else:
            flat, v = base[sel] + self.indices[sel], self.values[sel]
        vals.ravel()[flat] = v
        present.ravel()[flat] = True
        return vals, present

    def to_dense(self) -> np.ndarray:
        return self.dense_rows(np.arange(self.n), self.values.dtype)[0]


def _vector(name: str, value, n: int, kind: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise YumaInputError(name, f"expected {n} values, got shape {arr.shape}")
    if kind == "bool":
        if arr.dtype != bool:
            raise YumaInputError(name, "must be booleans")
        return arr.copy()
    if arr.dtype.kind not in "iu" or (arr.size and arr.min() < 0):
        raise YumaInputError(name, "must be non-negative integers (block numbers)")
    return arr.astype(np.int64)


def _stake(value, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise YumaInputError("stake", f"expected {n} values, got shape {arr.shape}")
    if arr.dtype.kind == "O":
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in arr):
            raise YumaInputError("stake", "must be numbers")
        if all(isinstance(x, int) for x in arr):
            if any(x < 0 or x >= 2**64 for x in arr):
                raise YumaInputError("stake", "must be in [0, 2^64)")
            return arr
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "iuf":
        raise YumaInputError("stake", "must be numbers")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise YumaInputError("stake", "must be finite (NaN or infinity found)")
    if arr.size and arr.min() < 0:
        raise YumaInputError("stake", "must be non-negative")
    if arr.dtype.kind == "f" and arr.size and arr.max() >= 2.0**64:
        raise YumaInputError("stake", "must be below 2^64")
    return arr.astype(np.float64) if arr.dtype.kind == "f" else arr.astype(np.int64)


@dataclass(frozen=True, eq=False)
class EpochInputs:
    """Everything one epoch reads (one subnet, one mechanism), UIDs ``0..n-1`` in order.

    ``stake`` is raw stake (rao, ints; floats are accepted and taken exactly in I64F64).
    ``weights`` and ``bonds`` are the stored ``Weights``/``Bonds`` maps (u16; bonds may be a float
    state in float mode). ``validator_permits`` are the permits written by the previous epoch.
    ``commit_blocks[i]`` is the earliest non-expired commit block of UID ``i`` (commit-reveal on),
    or ``None`` for "no active commit"; ``commit_blocks=None`` means commit-reveal is off.
    ``last_tempo`` defaults to ``current_block - tempo``.
    """

    stake: np.ndarray
    weights: SparseMatrix
    registration_block: np.ndarray
    last_update: np.ndarray
    validator_permits: np.ndarray
    bonds: SparseMatrix
    current_block: int
    params: YumaParams = field(default_factory=YumaParams)
    emission: int = 0
    owner_uid: Optional[int] = None
    last_tempo: Optional[int] = None
    commit_blocks: Optional[tuple] = None

    def __post_init__(self) -> None:
        if not isinstance(self.params, YumaParams):
            raise YumaInputError("params", "must be a YumaParams")
        stake = np.asarray(self.stake, dtype=object) if isinstance(self.stake, (list, tuple)) else self.stake
        n = len(stake)
        if n > U16_MAX + 1:
            raise YumaInputError("stake", "at most 65536 UIDs")
        object.__setattr__(self, "stake", _stake(stake, n))
        for name in ("weights", "bonds"):
            m = getattr(self, name)
            if not isinstance(m, SparseMatrix):
                raise YumaInputError(name, "must be a SparseMatrix")
            if m.n != n:
                raise YumaInputError(name, f"has {m.n} rows, stake has {n} UIDs")
        for name in ("registration_block", "last_update"):
            object.__setattr__(self, name, _vector(name, getattr(self, name), n, "int"))
        object.__setattr__(self, "validator_permits", _vector("validator_permits", self.validator_permits, n, "bool"))
        _check_int("current_block", self.current_block, 0, 2**64 - 1)
        _check_int("emission", self.emission, 0, 2**64 - 1)
        if self.owner_uid is not None:
            _check_int("owner_uid", self.owner_uid, 0, max(n - 1, 0))
        if self.last_tempo is not None:
            _check_int("last_tempo", self.last_tempo, 0, 2**64 - 1)
        if self.commit_blocks is not None:
            cb = tuple(self.commit_blocks)
            if len(cb) != n:
                raise YumaInputError("commit_blocks", f"expected {n} values, got {len(cb)}")
            for i, b in enumerate(cb):
                if b is not None:
                    _check_int(f"commit_blocks[{i}]", b, 0, 2**64 - 1)
            object.__setattr__(self, "commit_blocks", cb)

    @property
    def n(self) -> int:
        return int(self.stake.shape[0])

    @property
    def effective_last_tempo(self) -> int:
        if self.last_tempo is not None:
            return int(self.last_tempo)
        return max(0, int(self.current_block) - int(self.params.tempo))


@dataclass(frozen=True)
class SimQuirks:
    """Switches that reproduce ``bactensor/yuma-simulation`` (float mode only; all off = chain).

    The float overrides replace the chain-encoded hyper-parameters by the simulation's exact
    values (e.g. kappa 0.5 instead of 32767/65535).
    """

    epsilon: bool = False  # +1e-6 in the weight, bond and dividend normalisations
    consensus_grid: bool = False  # C normalised to sum 1 and floored to k/65535 before clipping
    median_at_kappa: bool = False  # consensus: smallest x with stake(w > x) <= kappa
    yuma2_unnormalised: bool = False  # Yuma 2: no column normalisation of old bonds / EMA
    # The simulation's first epoch has no previous state: Yuma 3 liquid alpha falls back to the
    # fixed alpha, its Yuma 2 takes the new bonds as they are. Set per epoch by the replay.
    first_epoch: bool = False
    yuma3_raw_weights: bool = False  # Yuma 3 buys bonds with W (ignores the bonds penalty)
    fixed_permits: bool = False  # permits never change (new permits = given permits)
    kappa: Optional[float] = None
    bonds_penalty: Optional[float] = None
    bonds_moving_average: Optional[float] = None
    alpha_low: Optional[float] = None
    alpha_high: Optional[float] = None
    alpha_sigmoid_steepness: Optional[float] = None

    @classmethod
    def simulation(cls, **overrides) -> "SimQuirks":
        """Every switch on (the simulation's behaviour), with the given float overrides."""
        return cls(True, True, True, True, False, True, True, **overrides)


def max_upscale_u16(values: Sequence[int]) -> list[int]:
    """What ``set_weights`` stores: the row rescaled so its max is 65535, rounded (I32F32 exact)."""
    vals = [int(v) for v in values]
    if not vals or max(vals) == 0:
        return vals
    top = max(vals)
    one = 1 << 32
    if top > 32768:
        ratio = (U16_MAX << 32) // top  # I32F32 bits of 65535 / top (floor)
        bits = [v * ratio for v in vals]  # I32F32 (v) * ratio, exact as v is an integer
    else:
        bits = [(v * U16_MAX << 32) // top for v in vals]
    return [min(U16_MAX, (b + one // 2) >> 32) for b in bits]
