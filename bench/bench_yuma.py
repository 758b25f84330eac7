"""Benchmark of the Yuma epoch: exact and float modes against a plain dense numpy reference.

Run: ``.venv/bin/python bench/bench_yuma.py [--repeat N] [--quick]``. Prints one table row per
(mode, n, validators, density): median epoch time, peak traced memory (tracemalloc, MiB),
and the ratio of the median time to the reference's (a dense float64 numpy transcription of
the spec written below, Yuma 3 with fixed alpha, no masks beyond the permit rows).

Scenarios: n = 256 / 1,024 / 4,096 UIDs with 64 / 128 / 256 validators (UIDs ``0..V-1``
hold stake and permits, every UID registered before the weights were set), weights from
every validator to every UID (dense) or to about 10% of UIDs (sparse: a shared pool of 10% of the miners picked
with probability 0.7, the rest at random), random previous bonds on the weighted pairs.
Times are wall-clock medians and process CPU-time medians (the machine may be shared).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np


from oracle.yuma import EpochInputs, SparseMatrix, YumaParams, run_epoch

SCENARIOS = [(256, 64), (1024, 128), (4096, 256)]
DENSITIES = [1.0, 0.1]


def make_inputs(n: int, v: int, density: float, seed: int = 7, liquid: bool = False) -> EpochInputs:
    rng = np.random.default_rng(seed)
    stake = np.zeros(n, np.int64)
    stake[:v] = rng.integers(10**9, 10**13, v)
    w = np.zeros((n, n), np.int64)
    if density >= 1.0:
        mask = np.ones((v, n), bool)
    else:  # a shared pool of good miners (so consensus is not all zero) plus random picks
        pool = rng.random(n) < density
        p_other = (density - 0.7 * density) / (1.0 - density)
        mask = rng.random((v, n)) < np.where(pool, 0.7, p_other)[None, :]
    w[:v] = np.where(mask, rng.integers(1, 65536, (v, n)), 0)
    w[np.arange(v), np.arange(v)] = 0
    b = np.zeros((n, n), np.int64)
    b[:v] = np.where(mask, rng.integers(0, 65536, (v, n)), 0)
    permits = np.arange(n) < v
    params = YumaParams(max_allowed_validators=v, liquid_alpha=liquid)
    return EpochInputs(stake, SparseMatrix.from_dense(w), np.zeros(n, np.int64), np.full(n, 99, np.int64),
                       permits, SparseMatrix.from_dense(b), 100, params, 10**9)


def reference_epoch(stake, w, b, v: int, kappa=32767 / 65535, alpha=0.1):
    """Plain dense float64 transcription of spec 4.2-4.11 (Yuma 3, fixed alpha, all active)."""
    s = stake / stake.sum()
    a = s.copy()
    a[v:] = 0
    a /= a.sum()
    w = w.astype(np.float64)
    rs = w.sum(axis=1, keepdims=True)
    w = np.divide(w, rs, out=np.zeros_like(w), where=rs > 0)
    n = w.shape[0]
    c = np.zeros(n)
    sel = a > 0
    order = np.argsort(w[sel], axis=0)
    cum = np.cumsum(a[sel][order], axis=0)
    first = np.argmax(cum > a[sel].sum() - kappa, axis=0)
    c = np.take_along_axis(w[sel], order, axis=0)[first, np.arange(n)]
    wc = np.minimum(w, c[None, :])
    trust = wc.sum(axis=1)
    r = a @ wc
    inc = r / r.sum() if r.sum() else r
    wb = wc
    bn = b / 65535.0
    bonds = alpha * wb + (1 - alpha) * bn
    cs = bonds.sum(axis=0, keepdims=True)
    bnorm = np.divide(bonds, cs, out=np.zeros_like(bonds), where=cs != 0)
    d = (bnorm @ inc) * a
    d = d / d.sum() if d.sum() else d
    tot = inc + d
    return c, inc, d, trust, tot / tot.sum() if tot.sum() else a


def _time(fn, repeat: int) -> tuple[float, float, float]:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(wall) * 1e3, statistics.median(cpu) * 1e3, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="only the smallest scenario")
    parser.add_argument("--liquid", action="store_true", help="Yuma 3 with liquid alpha on (engine only)")
    args = parser.parse_args()
    print(f"{'mode':<10}{'n':>6}{'vals':>6}{'density':>9}{'ms p50':>10}{'cpu ms':>9}{'peak MiB':>10}{'x numpy':>9}")
    for n, v in SCENARIOS[:1] if args.quick else SCENARIOS:
        for density in DENSITIES:
            inputs = make_inputs(n, v, density, liquid=args.liquid)
            w, b = inputs.weights.to_dense(), inputs.bonds.to_dense()
            stake = inputs.stake.astype(np.float64)
            ref = _time(lambda: reference_epoch(stake, w, b, v), args.repeat)
            rows = [("numpy-ref", *ref)]
            for mode in ("exact", "float"):
                rows.append((mode, *_time(lambda: run_epoch(inputs, mode), args.repeat)))
            for mode, ms, cpu, mib in rows:
                print(f"{mode:<10}{n:>6}{v:>6}{density:>9.0%}{ms:>10.1f}{cpu:>9.1f}{mib:>10.1f}{ms / ref[0]:>9.2f}")
            sys.stdout.flush()

if __name__ == "__main__":
    main()
