"""Properties of the epoch (hypothesis): equivariance, normalisation, fallbacks, determinism."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from hypothesis import HealthCheck, given, settings
from fuzz import examples
from hypothesis import strategies as st
from yuma_helpers import REPO, make_inputs

from oracle.yuma import SparseMatrix, YumaParams, YumaVersion, encode_epoch, epoch_hash, run_epoch

SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def epochs(draw, min_n=2, max_n=7):
    n = draw(st.integers(min_n, max_n))
    stake = draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n, unique=True))
    vals = np.array(draw(st.lists(st.integers(0, 65535), min_size=n * n, max_size=n * n))).reshape(n, n)
    present = np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))).reshape(n, n)
    bonds = np.array(draw(st.lists(st.integers(0, 65535), min_size=n * n, max_size=n * n))).reshape(n, n)
    permits = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    bonds[~permits] = 0
    params = YumaParams(
        kappa=draw(st.integers(1, 65535)), bonds_penalty=draw(st.sampled_from([0, 32768, 65535])),
        bonds_moving_average=draw(st.integers(0, 1_000_000)), version=draw(st.sampled_from(list(YumaVersion))),
        liquid_alpha=draw(st.booleans()), alpha_sigmoid_steepness=draw(st.integers(0, 3000)),
        max_allowed_validators=draw(st.integers(1, n + 1)))
    w = SparseMatrix.from_dense(vals, present)
    b = SparseMatrix.from_dense(bonds)
    return make_inputs(stake, w, permits=permits, bonds=b, params=params)


def _permute(inputs, p):
    n = inputs.n
    inv = np.argsort(p)
    def mat(m):
        dense, pres = m.dense_rows(np.arange(n), m.values.dtype)
        return SparseMatrix.from_dense(dense[np.ix_(inv, inv)], pres[np.ix_(inv, inv)])
    return make_inputs(inputs.stake[inv], mat(inputs.weights), permits=inputs.validator_permits[inv],
                       bonds=mat(inputs.bonds), params=inputs.params)


@SETTINGS
@given(epochs(), st.randoms(use_true_random=False))
def test_relabelling_uids_relabels_outputs_exactly(inputs, rnd):
    p = np.array(rnd.sample(range(inputs.n), inputs.n))  # old uid i becomes p[i]
    a, b = run_epoch(inputs), run_epoch(_permute(inputs, p))
    for key in ("consensus", "incentive", "dividends", "validator_trust", "stake_weight"):
        np.testing.assert_array_equal(getattr(b, key)[p], getattr(a, key))
    np.testing.assert_array_equal(np.array(b.emission)[p], np.array(a.emission))
    np.testing.assert_array_equal(b.bonds_u16.to_dense()[np.ix_(p, p)], a.bonds_u16.to_dense())


@SETTINGS
@given(epochs(), st.sampled_from(["exact", "float"]))
def test_incentive_and_dividends_are_normalised_and_non_negative(inputs, mode):
    res = run_epoch(inputs, mode)
    for vec in (res.incentive, res.dividends):
        assert np.all(vec >= 0)
        total = vec.sum()
        assert total == 0 or abs(total - 1) < 1e-6
    assert sum(res.emission) <= inputs.emission


@SETTINGS
@given(epochs(min_n=3))
def test_validator_without_stake_earns_nothing(inputs):
    stake = inputs.stake.copy()
    stake[0] = 0
    bonds = inputs.bonds.to_dense()
    bonds[0] = 0  # on the original path, old bonds still pay a zero-stake validator (chain behaviour)
    z = make_inputs(stake, inputs.weights, permits=inputs.validator_permits, bonds=SparseMatrix.from_dense(bonds),
                    params=inputs.params)
    res = run_epoch(z)
    assert res.dividends[0] == 0 and res.validator_emission[0] == 0
    assert not res.validator_permits[0]


@SETTINGS
@given(epochs())
def test_yuma3_validator_without_stake_earns_nothing_even_with_bonds(inputs):
    stake = inputs.stake.copy()
    stake[0] = 0
    params = YumaParams(version=YumaVersion.YUMA3, liquid_alpha=inputs.params.liquid_alpha)
    res = run_epoch(make_inputs(stake, inputs.weights, permits=inputs.validator_permits, bonds=inputs.bonds, params=params))
    assert res.dividends[0] == 0 and res.validator_emission[0] == 0


@SETTINGS
@given(epochs())
def test_all_zero_weights_fall_back_to_active_stake(inputs):
    res = run_epoch(make_inputs(inputs.stake, SparseMatrix.empty(inputs.n), permits=inputs.validator_permits,
                                bonds=inputs.bonds, params=inputs.params))
    assert not res.consensus.any() and not res.incentive.any()
    assert sum(res.server_emission) == 0
    active = res.detail["active_stake"]
    share = active if active.any() else np.round(res.stake_weight * 2**32).astype(np.int64)
    assert list(res.validator_emission) == [(int(x) * inputs.emission) >> 32 for x in share]
    assert list(res.emission) == list(res.validator_emission)


def _fixed_inputs():
    rng = np.random.default_rng(3)
    n = 64
    w = np.where(rng.random((n, n)) < 0.5, rng.integers(0, 65536, (n, n)), 0)
    b = rng.integers(0, 65536, (n, n))
    return make_inputs(rng.integers(0, 10**12, n), w, bonds=b,
                       params=YumaParams(liquid_alpha=True, max_allowed_validators=16, bonds_penalty=40000))


def test_exact_mode_same_bytes_on_repeated_and_concurrent_runs():
    inputs = _fixed_inputs()
    first = encode_epoch(inputs, run_epoch(inputs))
    assert encode_epoch(inputs, run_epoch(inputs)) == first
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: encode_epoch(inputs, run_epoch(inputs)), range(8)))
    assert all(o == first for o in outs)


def test_exact_mode_same_hash_across_thread_counts():
    code = ("import sys; sys.path[:0] = ['tests', 'tests/oracle']; from test_yuma_properties import _fixed_inputs;"
            "from oracle.yuma import run_epoch, epoch_hash; i = _fixed_inputs(); print(epoch_hash(i, run_epoch(i)).hex())")
    hashes = set()
    for threads in ("1", "2"):
        env = {"OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env={**os.environ, **env},
                             capture_output=True, text=True, check=True)
        hashes.add(out.stdout.strip())
    inputs = _fixed_inputs()
    hashes.add(epoch_hash(inputs, run_epoch(inputs)).hex())
    assert len(hashes) == 1
