"""Canonical encoding, keccak hash, the public API and input validation."""
from __future__ import annotations

import numpy as np
import pytest
from yuma_helpers import make_inputs

import oracle.yuma as yuma
from evmtensor.errors import EvmTensorError
from oracle.yuma import (SparseMatrix, YumaError, YumaInputError, YumaParams, encode_epoch, epoch_hash, replay_file,
                         run_epoch)


def test_public_api_is_pinned():
    assert sorted(yuma.__all__) == sorted([
        "EpochInputs", "EpochResult", "Replay", "SimQuirks", "SparseMatrix", "YumaError", "YumaInputError",
        "YumaMode", "YumaParams", "YumaVersion", "encode_epoch", "epoch_hash", "max_upscale_u16", "replay_file",
        "replay_sim", "replay_subtensor", "run_epoch"])


def _small():
    w = [[0, 0, 65535, 30000], [0, 0, 65535, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    return make_inputs([3 * 10**9, 10**9, 0, 0], w, permits=[True, True, False, False])


def test_encoding_layout_and_hash():
    inputs = _small()
    res = run_epoch(inputs)
    raw = encode_epoch(inputs, res)
    n, nnz_w, nnz_b = 4, 3, res.bonds_u16.indices.size
    header, params, context, per_uid, out_uid = 10, 36, 33, 33, 36
    expected = header + params + context + n * per_uid + (4 * n + 6 * nnz_w) + 4 * n + n * out_uid + (4 * n + 6 * nnz_b)
    assert raw[:10] == b"EVMT-YUMA\x01" and len(raw) == expected
    digest = epoch_hash(inputs, res)
    assert isinstance(digest, bytes) and len(digest) == 32
    other = make_inputs([3 * 10**9, 10**9 + 1, 0, 0], inputs.weights, permits=inputs.validator_permits)
    assert epoch_hash(other, run_epoch(other)) != digest


def test_pinned_hash_of_test_bonds_last_epoch(vectors):
    replay = replay_file(str(vectors / "subtensor_tests" / "test_bonds.json"))
    digest = epoch_hash(replay.inputs[-1], replay.results[-1]).hex()
    assert digest == PINNED_TEST_BONDS_HASH


def test_float_results_are_not_encodable():
    inputs = _small()
    with pytest.raises(YumaInputError, match="result.mode"):
        encode_epoch(inputs, run_epoch(inputs, "float"))


@pytest.mark.parametrize(("field", "build"), [
    ("stake", lambda: make_inputs([1.0, float("nan")], np.zeros((2, 2), np.int64))),
    ("stake", lambda: make_inputs([1, -1], np.zeros((2, 2), np.int64))),
    ("weights", lambda: make_inputs([1, 1], np.full((2, 2), 70000))),
    ("weights", lambda: make_inputs([1, 1, 1], np.zeros((2, 2), np.int64))),
    ("validator_permits", lambda: make_inputs([1, 1], np.zeros((2, 2), np.int64), permits=[True])),
    ("params.kappa", lambda: YumaParams(kappa=70000)),
    ("params.alpha_low", lambda: YumaParams(alpha_low=60000, alpha_high=50000)),
    ("mode", lambda: run_epoch(_small(), "fast")),
])
def test_bad_inputs_name_the_field(field, build):
    with pytest.raises(YumaInputError) as info:
        build()
    assert info.value.field == field and isinstance(info.value, ValueError)
    assert isinstance(info.value, YumaError) and isinstance(info.value, EvmTensorError)  # one exception root


def test_sparse_rows_reject_duplicates_and_out_of_range():
    with pytest.raises(YumaInputError, match="duplicate"):
        SparseMatrix.from_rows([[(1, 5), (1, 6)], []], 2)
    with pytest.raises(YumaInputError, match="out of range"):
        SparseMatrix.from_rows([[(2, 5)], []], 2)


# Regression pin: changing it means validators running different versions disagree.
PINNED_TEST_BONDS_HASH = "2716d89420aa2202bc99ed4d1d88d84dc87efdb13bd9b0564de0cb71a35a288d"
