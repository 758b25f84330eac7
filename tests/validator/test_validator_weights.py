"""Weights: max-weight water-filling, u16 conversion under the subnet's rules, EIP-712 signing."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os

import numpy as np
import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from evmtensor.chain import weights as W
from evmtensor.protocol import Signer
from fuzz import examples
from oracle.relay.client import RelayError
from validator.neuron import Validator
from validator.weights import (
    U16_MAX,
    FileWeightsSink,
    MemoryWeightsSink,
    WeightRules,
    normalize_max_weight,
    process_weights,
    sign_weights,
)


def test_normalize_max_weight_caps_and_shares_the_rest():
    # [4,1,1,1,1]/8 = [.5,.125..]: cap .4, the other .6 shared equally.
    np.testing.assert_allclose(normalize_max_weight(np.array([4.0, 1, 1, 1, 1]), 0.4),
                               [0.4, 0.15, 0.15, 0.15, 0.15])
    # Capping only the largest would push the second over .3: both capped, .4 shared.
    np.testing.assert_allclose(normalize_max_weight(np.array([10.0, 10, 1, 1]), 0.3),
                               [0.3, 0.3, 0.2, 0.2])
    np.testing.assert_allclose(normalize_max_weight(np.array([3.0, 1]), 1.0), [0.75, 0.25])


def test_normalize_max_weight_uniform_when_impossible_or_empty():
    np.testing.assert_allclose(normalize_max_weight(np.array([5.0, 1, 0]), 0.3), [1 / 3] * 3)
    np.testing.assert_allclose(normalize_max_weight(np.zeros(4), 0.5), [0.25] * 4)
    np.testing.assert_allclose(normalize_max_weight(np.array([np.nan, 1.0]), 1.0), [0.0, 1.0])


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=20), st.floats(0.01, 1.0),
       st.randoms(use_true_random=False))
def test_normalize_max_weight_properties(values, limit, rnd):
    x = np.array(values)
    w = normalize_max_weight(x, limit)
    assert w.min() >= 0 and abs(w.sum() - 1) < 1e-9
    if limit * len(x) > 1 and x.sum() > 0:
        assert w.max() <= limit + 1e-9
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    np.testing.assert_allclose(normalize_max_weight(x[perm], limit), w[perm], atol=1e-12)


def test_process_weights_scales_max_to_u16_and_drops_zeros():
    uids, u16 = process_weights(np.array([0, 1, 2, 3]), np.array([0.5, 0.25, 0.25, 0.0]),
                                WeightRules())
    assert uids.tolist() == [0, 1, 2]
    # 0.25 / 0.5 * 65535 = 32767.5: rounds to the nearest even integer.
    assert u16.tolist() == [U16_MAX, 32768, 32768]


def test_process_weights_pads_to_min_allowed_weights():
    uids, u16 = process_weights(np.arange(4), np.array([1.0, 0, 0, 0]),
                                WeightRules(min_allowed_weights=3))
    # floor 1e-5 each: shares [1.00001, 1e-5, 1e-5, 1e-5] / sum; 1e-5/1.00001 * 65535 = 0.655 -> 1
    assert uids.tolist() == [0, 1, 2, 3]
    assert u16.tolist() == [U16_MAX, 1, 1, 1]
    with pytest.raises(ValueError, match="min_allowed_weights 5"):
        process_weights(np.arange(4), np.ones(4), WeightRules(min_allowed_weights=5))


def test_process_weights_respects_max_weight_limit():
    uids, u16 = process_weights(np.arange(3), np.array([9.0, 1, 0]),
                                WeightRules(max_weight_limit=0.5))
    # shares [.5, .5*1/1... ] : cap .5, rest .5 to uid 1 (uid 2 has 0) -> equal weights
    assert uids.tolist() == [0, 1]
    assert u16.tolist() == [U16_MAX, U16_MAX]


def test_signed_weights_are_the_weights_contracts_typed_data():
    key = os.urandom(32)
    signer = Signer(key)
    rules = WeightRules(version_key=7)
    contract = "0x00000000000000000000000000000000000000aa"
    signed = sign_weights(signer, 3, np.array([1, 4]), np.array([U16_MAX, 100]), rules, 42, 900,
                          31337, contract)
    assert signed.hotkey == signer.address
    assert signed.row == W.WeightsRow(3, (1, 4), (U16_MAX, 100), 7, 42, 900)
    # The same bytes eth_account signs for TYPES["Weights"] (an independent EIP-712 encoder).
    expected = W.sign_weights(Account.from_key(key), contract, 31337, signed.row)
    assert signed.signature == expected.signature
    assert W.recover_weights_signer(contract, 31337, signed.row, signed.signature) == signer.address
    tampered = dataclasses.replace(signed.row, values=(U16_MAX, 101))
    assert W.recover_weights_signer(contract, 31337, tampered, signed.signature) != signer.address
    other_contract = "0x00000000000000000000000000000000000000bb"
    assert W.recover_weights_signer(other_contract, 31337, signed.row, signed.signature) != signer.address


def test_sinks_record_submissions(tmp_path):
    signer = Signer(os.urandom(32))
    signed = sign_weights(signer, 1, np.array([0]), np.array([U16_MAX]), WeightRules(), 1, 50, 1,
                          "0x" + "00" * 20)
    memory = MemoryWeightsSink()
    memory.submit(signed)
    assert memory.submitted == [signed]
    sink = FileWeightsSink(tmp_path / "w" / "weights.jsonl")
    sink.submit(signed)
    sink.submit(signed)
    assert sink.read() == [signed, signed]


def test_a_refused_job_logs_one_line_and_an_unknown_failure_its_traceback(caplog):
    """A relay's refusal (rate limit after a restart, say) is expected: a warning without a
    traceback; anything else is a bug and keeps its traceback. Neither stops the loop."""
    async def set_weights_async():
        raise RelayError(409, "WeightsRateLimited", "wait until block 120")

    async def run_round():
        raise KeyError("a bug")

    with caplog.at_level(logging.WARNING, logger="validator.neuron"):
        asyncio.run(Validator._guarded(set_weights_async))
        asyncio.run(Validator._guarded(run_round))
    refusal, bug = caplog.records
    assert refusal.levelno == logging.WARNING and refusal.exc_info is None
    assert "set_weights_async" in refusal.getMessage() and "WeightsRateLimited" in refusal.getMessage()
    assert bug.levelno == logging.ERROR and bug.exc_info is not None and "run_round" in bug.getMessage()
