"""Replay of the shared vector files: an epoch sequence in, one ``EpochResult`` per epoch out.

Two formats (see ``yuma_vectors/README.md``):

- subtensor tests: registration of every UID at block 1, a setup epoch at block 2 with no
  weights and no stored permits (not reported), then for epoch ``k`` the listed weights are
  set at block ``b = 2 + k`` (rows max-upscaled to u16, explicit zeros kept), an optional bond
  column reset, and the epoch runs at block ``b + 1`` with ``last_tempo = b``.
- simulation (``--sim``): validators are UIDs ``0..V-1``, servers ``V..V+S-1``; every
  validator holds a permit from the start; weights are the given floats (every server entry
  present); the simulation's quirks are on unless asked otherwise (float mode only).

Bonds (and permits) are carried from epoch to epoch as the chain would carry them: a
subtensor-format replay feeds every epoch the u16 cells the previous one stored, in both
modes (so float mode drifts from exact mode only by float rounding, not by keeping bonds the
chain would have floored); a simulation replay keeps the mode's own state (float mode: the
simulation's unrounded float bonds).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from .epoch import EpochResult, run_epoch
from .errors import YumaInputError
from .inputs import (EpochInputs, SimQuirks, SparseMatrix, YumaMode, YumaParams, YumaVersion, max_upscale_u16,
                     parse_mode)

__all__ = ["Replay", "load_json", "replay_subtensor", "replay_sim", "replay_file"]

EMISSION = 1_000_000_000
_SUBTENSOR_PARAMS = {"kappa", "bonds_moving_average", "bonds_penalty", "yuma3", "liquid_alpha", "alpha_low",
                     "alpha_high", "alpha_sigmoid_steepness", "max_allowed_validators", "activity_cutoff",
                     "yuma1", "stake_threshold"}
_SIM_PARAMS = {"kappa", "bond_penalty", "bond_moving_avg", "liquid_alpha", "alpha_low", "alpha_high",
               "alpha_sigmoid_steepness_sim", "alpha_sigmoid_steepness_chain_equiv", "liquid_alpha_consensus_mode",
               "consensus_impl", "total_epoch_emission", "validator_emission_ratio", "total_subnet_stake"}


@dataclass
class Replay:
    """The epochs of one file: their inputs and results, in order (setup epoch excluded)."""

    inputs: list
    results: list
    n: int


def load_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)  # NaN/Infinity parse, then fail the per-field finiteness checks
    except OSError as exc:
        raise YumaInputError("FILE", f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise YumaInputError("FILE", f"not valid JSON: {exc}") from exc


def _get(d: dict, key: str, where: str = "") -> Any:
    if not isinstance(d, dict) or key not in d:
        raise YumaInputError(f"{where}{key}", "missing")
    return d[key]


def _num(value: Any, name: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise YumaInputError(name, f"must be a finite number, got {value!r}")
    if not lo <= value <= hi:
        raise YumaInputError(name, f"must be in [{lo}, {hi}], got {value}")
    return value


def _u16(value: Any, name: str) -> int:
    return round(_num(value, name, 0.0, 1.0) * 65535)


def _params_subtensor(d: dict) -> YumaParams:
    p = _get(d, "params")
    unknown = set(p) - _SUBTENSOR_PARAMS if isinstance(p, dict) else set()
    if unknown:
        raise YumaInputError(f"params.{sorted(unknown)[0]}", "unknown parameter")
    version = YumaVersion.YUMA3 if p.get("yuma3", True) else (
        YumaVersion.YUMA1 if p.get("yuma1", False) else YumaVersion.YUMA2)
    liquid = p.get("liquid_alpha", False)
    if not isinstance(liquid, bool):
        raise YumaInputError("params.liquid_alpha", "must be true or false")
    return YumaParams(
        kappa=_u16(p.get("kappa", 32767 / 65535), "params.kappa"),
        bonds_penalty=_u16(p.get("bonds_penalty", 1.0), "params.bonds_penalty"),
        bonds_moving_average=round(_num(p.get("bonds_moving_average", 0.9), "params.bonds_moving_average", 0, 1) * 1e6),
        version=version, liquid_alpha=liquid,
        alpha_low=_u16(p.get("alpha_low", 45875 / 65535), "params.alpha_low"),
        alpha_high=_u16(p.get("alpha_high", 58982 / 65535), "params.alpha_high"),
        alpha_sigmoid_steepness=int(_num(p.get("alpha_sigmoid_steepness", 1000), "params.alpha_sigmoid_steepness", -32768, 32767)),
        max_allowed_validators=int(_num(p.get("max_allowed_validators", 64), "params.max_allowed_validators", 0, 65535)),
        activity_cutoff=int(_num(p.get("activity_cutoff", 5000), "params.activity_cutoff", 0)),
        tempo=int(_num(d.get("tempo", 1), "tempo", 0, 65535)),
        stake_threshold=int(_num(p.get("stake_threshold", 0), "params.stake_threshold", 0)),
    )


def _stake(values: Any, n: int, name: str) -> np.ndarray:
    if not isinstance(values, list) or len(values) != n:
        raise YumaInputError(name, f"expected a list of {n} numbers")
    vals = [_num(v, f"{name}[{i}]") for i, v in enumerate(values)]
    if any(v < 0 for v in vals):
        raise YumaInputError(name, "stake must be non-negative")
    if all(float(v).is_integer() and v < 2**63 for v in vals):
        return np.array([int(v) for v in vals], np.int64)
    return np.array(vals, np.float64)


def _set_rows(epoch: dict, k: int, n: int) -> list[tuple[int, list[int], list[int]]]:
    """(uid, targets, u16 values as submitted) of the rows set in this epoch."""
    where = f"epochs[{k}]."
    out = []
    if epoch.get("weights_set") is not None:
        ws = epoch["weights_set"]
        targets = _get(ws, "target_uids", where + "weights_set.")
        for uid, row in enumerate(_get(ws, "rows_u16_input", where + "weights_set.")):
            out.append((uid, targets, row))
    for entry in epoch.get("set_weights") or []:
        out.append((_get(entry, "uid", where + "set_weights."), _get(entry, "targets", where + "set_weights."),
                    _get(entry, "values_u16_input", where + "set_weights.")))
    for uid, targets, row in out:
        name = f"{where}weights[{uid}]"
        if not isinstance(uid, int) or not 0 <= uid < n:
            raise YumaInputError(name, f"uid must be in [0, {n})")
        if not isinstance(targets, list) or not isinstance(row, list) or len(targets) != len(row):
            raise YumaInputError(name, "targets and values must be lists of equal length")
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 65535:
                raise YumaInputError(name, f"weight {v!r} is not a u16")
        for t in targets:
            if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < n:
                raise YumaInputError(name, f"target uid {t!r} out of range [0, {n})")
        if len(set(targets)) != len(targets):
            raise YumaInputError(name, "duplicate target uid")
    return out


def replay_subtensor(doc: dict, mode: YumaMode | str = YumaMode.EXACT) -> Replay:
    """Replay a ``subtensor_tests`` file on its block schedule."""
    n = int(_num(_get(doc, "n"), "n", 1, 65536))
    stake = _stake(_get(doc, "stake_raw"), n, "stake_raw")
    params = _params_subtensor(doc)
    epochs = _get(doc, "epochs")
    if not isinstance(epochs, list):
        raise YumaInputError("epochs", "must be a list")
    weights: list[dict] = [dict() for _ in range(n)]
    last_update = np.ones(n, np.int64)
    reg = np.ones(n, np.int64)
    state = dict(bonds=SparseMatrix.empty(n), permits=np.zeros(n, bool))

    def run(block: int, last_tempo: int) -> EpochResult:
        w = SparseMatrix.from_rows([sorted(r.items()) for r in weights], n)
        inp = EpochInputs(stake, w, reg, last_update.copy(), state["permits"], state["bonds"], block,
                          params, EMISSION, None, last_tempo)
        res = run_epoch(inp, mode)
        state.update(bonds=res.bonds_u16, permits=res.validator_permits)  # the chain stores u16
        return inp, res

    run(2, 1)  # setup epoch: permits only
    inputs, results = [], []
    for k, epoch in enumerate(epochs):
        b = 2 + k
        for uid, targets, row in _set_rows(epoch, k, n):
            weights[uid] = dict(zip(targets, max_upscale_u16(row)))
            last_update[uid] = b
        reset = epoch.get("bonds_reset_column")
        if reset is not None:
            state["bonds"] = _drop_column(state["bonds"], int(_num(reset, f"epochs[{k}].bonds_reset_column", 0, n - 1)))
        inp, res = run(b + 1, b)
        inputs.append(inp)
        results.append(res)
    return Replay(inputs, results, n)


def _drop_column(m: SparseMatrix, col: int) -> SparseMatrix:
    keep = m.indices != col
    rows = np.repeat(np.arange(m.n), np.diff(m.indptr))[keep]
    indptr = np.zeros(m.n + 1, np.int64)
    indptr[1:] = np.cumsum(np.bincount(rows, minlength=m.n))
    return SparseMatrix(m.n, indptr, m.indices[keep], m.values[keep])


def _params_sim(doc: dict) -> tuple[YumaParams, dict, int, int]:
    p = _get(doc, "params")
    unknown = set(p) - _SIM_PARAMS if isinstance(p, dict) else set()
    if unknown:
        raise YumaInputError(f"params.{sorted(unknown)[0]}", "unknown parameter")
    variant = str(doc.get("variant", ""))
    version = {"yuma1": YumaVersion.YUMA1, "yuma2": YumaVersion.YUMA2}.get(variant.split("_")[0], YumaVersion.YUMA3)
    v = len(_get(doc, "validators"))
    s = len(_get(doc, "servers"))
    kappa = _num(p.get("kappa", 0.5), "params.kappa", 0, 1)
    bp = _num(p.get("bond_penalty", 1.0), "params.bond_penalty", 0, 1)
    bma = _num(p.get("bond_moving_avg", 0.9), "params.bond_moving_avg", 0, 1)
    lo = _num(p.get("alpha_low", 0.1), "params.alpha_low", 0, 1)
    hi = _num(p.get("alpha_high", 0.3), "params.alpha_high", 0, 1)
    steep = _num(p.get("alpha_sigmoid_steepness_sim", 10.0), "params.alpha_sigmoid_steepness_sim", -327, 327)
    params = YumaParams(
        kappa=round(kappa * 65535), bonds_penalty=round(bp * 65535), bonds_moving_average=round(bma * 1e6),
        version=version, liquid_alpha=bool(p.get("liquid_alpha", False)), alpha_low=round(lo * 65535),
        alpha_high=round(hi * 65535), alpha_sigmoid_steepness=round(steep * 100), max_allowed_validators=v,
        activity_cutoff=10**9, tempo=1)
    exact = dict(kappa=kappa, bonds_penalty=bp, bonds_moving_average=bma, alpha_low=lo, alpha_high=hi,
                 alpha_sigmoid_steepness=steep)
    return params, exact, v, s


def _sim_weights(rows: Any, v: int, s: int, k: int, as_u16: bool) -> SparseMatrix:
    name = f"epochs[{k}].weights"
    if not isinstance(rows, list) or len(rows) != v:
        raise YumaInputError(name, f"expected {v} rows of {s} weights")
    dense = np.zeros((v + s, v + s), np.float64)
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != s:
            raise YumaInputError(f"{name}[{i}]", f"expected {s} weights")
        vals = [_num(x, f"{name}[{i}]", 0.0) for x in row]
        dense[i, v:] = vals
    present = np.zeros_like(dense, bool)
    present[:v, v:] = True
    if as_u16:
        top = np.maximum(dense.max(axis=1, keepdims=True), 1e-300)
        dense = np.where(dense > 0, np.round(dense / top * 65535), 0).astype(np.int64)
    return SparseMatrix.from_dense(dense, present, name)


def replay_sim(doc: dict, mode: Optional[YumaMode | str] = None, quirks: bool = True) -> Replay:
    """Replay a ``sim/`` file; quirks (float mode only) reproduce the simulation's numbers."""
    mode = parse_mode(mode or (YumaMode.FLOAT if quirks else YumaMode.EXACT))
    if quirks and mode is not YumaMode.FLOAT:
        raise YumaInputError("mode", "the simulation's quirks need --mode float")
    params, exact, v, s = _params_sim(doc)
    n = v + s
    base = SimQuirks.simulation(**exact) if quirks else SimQuirks()
    epochs = _get(doc, "epochs")
    state = dict(bonds=SparseMatrix.empty(n), permits=np.arange(n) < v)
    inputs, results = [], []
    for k, epoch in enumerate(epochs):
        st = _stake(_get(epoch, "stakes", f"epochs[{k}]."), v, f"epochs[{k}].stakes")
        stake = np.concatenate([st, np.zeros(s, st.dtype)])
        w = _sim_weights(_get(epoch, "weights", f"epochs[{k}]."), v, s, k, mode is YumaMode.EXACT)
        reset = epoch.get("bonds_reset_column")
        if reset is not None:
            state["bonds"] = _drop_column(state["bonds"], v + int(_num(reset, f"epochs[{k}].bonds_reset_column", 0, s - 1)))
        inp = EpochInputs(stake, w, np.zeros(n, np.int64), np.full(n, k + 1, np.int64), state["permits"],
                          state["bonds"], k + 2, params, EMISSION, None, k + 1)
        q = dataclasses.replace(base, first_epoch=(k == 0)) if quirks else base
        res = run_epoch(inp, mode, q if quirks else None)
        state.update(bonds=res.next_bonds, permits=res.validator_permits)
        inputs.append(inp)
        results.append(res)
    return Replay(inputs, results, n)


def replay_file(path: str, mode: Optional[YumaMode | str] = None, sim: bool = False, quirks: bool = True) -> Replay:
    doc = load_json(path)
    if not isinstance(doc, dict):
        raise YumaInputError("FILE", "top level must be an object")
    if sim:
        return replay_sim(doc, mode, quirks)
    return replay_subtensor(doc, mode or YumaMode.EXACT)
