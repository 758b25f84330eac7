"""Helpers for the Yuma engine tests: where the shared vectors are, and input builders."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from oracle.yuma import EpochInputs, SparseMatrix, YumaParams

REPO = Path(__file__).resolve().parents[2]


VECTORS = REPO / "tests" / "data" / "yuma_vectors"


def vectors_dir() -> Path:
    """``$EVMTENSOR_SHARED/yuma_vectors`` if set (to check another copy), else the repository's
    copy of the shared vectors, ``tests/data/yuma_vectors`` (so that a bare clone tests itself)."""
    base = os.environ.get("EVMTENSOR_SHARED")
    return Path(base) / "yuma_vectors" if base else VECTORS


def make_inputs(stake, weights, *, permits=None, bonds=None, params=None, block=100, emission=10**9, **kw) -> EpochInputs:
    """Inputs where every UID registered at block 0 and set weights at ``block - 1``."""
    n = len(stake)
    w = weights if isinstance(weights, SparseMatrix) else SparseMatrix.from_dense(np.asarray(weights, np.int64))
    b = bonds if isinstance(bonds, SparseMatrix) else (
        SparseMatrix.empty(n) if bonds is None else SparseMatrix.from_dense(np.asarray(bonds, np.int64)))
    return EpochInputs(
        stake=np.asarray(stake), weights=w, registration_block=np.zeros(n, np.int64),
        last_update=np.full(n, block - 1, np.int64),
        validator_permits=np.ones(n, bool) if permits is None else np.asarray(permits, bool),
        bonds=b, current_block=block, params=params or YumaParams(), emission=emission, **kw)
