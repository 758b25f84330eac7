"""Plain-language explanation of one UID's outcome in one epoch.

``explain(inputs, result, uid)`` reads the result's intermediate matrices (``detail``) and
tells, for a validator, what it weighted, where consensus clipped it, how its bonds moved
and what share of dividends it got; for a miner, who weighted it, where consensus landed
and what share of incentive it got. Numbers are shown as proportions (4-6 decimals).
"""
from __future__ import annotations

import numpy as np

from .epoch import EpochResult
from .errors import YumaInputError
from .inputs import EpochInputs, YumaVersion

__all__ = ["explain"]


def _pct(x: float) -> str:
    return f"{100.0 * x:.3f}%"


def _f(ops, x) -> np.ndarray:
    return np.asarray(ops.to_float(x), np.float64)


def _header(inputs: EpochInputs, result: EpochResult, uid: int) -> list[str]:
    p = inputs.params
    path = {YumaVersion.YUMA3: "Yuma 3", YumaVersion.YUMA2: "Yuma 2 (original path)", YumaVersion.YUMA1: "Yuma 1"}
    lines = [
        f"UID {uid} at block {inputs.current_block} ({result.mode} mode, {path[p.version]}, "
        f"kappa {p.kappa / 65535:.4f}, bonds penalty {p.bonds_penalty / 65535:.4f}, "
        f"bonds moving average {p.bonds_moving_average / 1e6:.3f}"
        + (", liquid alpha on" if p.liquid_alpha and p.version == YumaVersion.YUMA3 else "") + ")",
        f"- stake weight {_pct(result.stake_weight[uid])} of the subnet; "
        + ("active" if result.active[uid] else "INACTIVE (no weights set within the activity cutoff)")
        + "; " + ("held a validator permit" if result.detail["permits"][uid] else "had no validator permit")
        + "; " + ("keeps/gets a permit next epoch" if result.validator_permits[uid] else "has no permit next epoch"),
    ]
    return lines


def _validator_lines(inputs: EpochInputs, result: EpochResult, uid: int) -> list[str]:
    d = result.detail
    ops = d["ops"]
    rows = list(d["rows"])
    if uid not in rows or not d["w_present"][rows.index(uid)].any():
        return ["- as a validator: no weights counted this epoch "
                "(no permit, only self-weights, or weights set before the targets registered)."]
    k = rows.index(uid)
    w, wc = _f(ops, d["w"][k]), _f(ops, d["wc"][k])
    cons = result.consensus
    a = float(_f(ops, d["active_stake"][uid]))
    out = [f"- as a validator (active stake {_pct(a)}): its weights, normalised to sum 1:"]
    before = inputs.bonds.to_dense()[uid] / (65535.0 if inputs.bonds.is_u16 else 1.0)
    after = result.bonds.to_dense()[uid]
    for j in np.nonzero(d["w_present"][k])[0]:
        clip = (f"clipped to consensus {cons[j]:.6f} (kept {_pct(wc[j] / w[j]) if w[j] else '0%'})"
                if w[j] > wc[j] else f"within consensus {cons[j]:.6f}")
        out.append(f"    -> UID {j}: weight {w[j]:.6f}, {clip}; bond {before[j]:.6f} -> {after[j]:.6f}")
    out.append(f"  validator trust (sum of its clipped weights) {result.validator_trust[uid]:.6f}: "
               + ("it agreed with consensus." if result.validator_trust[uid] > 0.999 else
                  "weight above consensus earns no bonds when the bonds penalty is 1."))
    out.append(f"  dividends: {_pct(result.dividends[uid])} of all dividends "
               f"(= {result.validator_emission[uid]} rao of this epoch's emission). Dividends follow "
               "its bonds in the miners that earned incentive, scaled by its active stake.")
    return out


def _miner_lines(inputs: EpochInputs, result: EpochResult, uid: int) -> list[str]:
    d = result.detail
    ops = d["ops"]
    rows, present = d["rows"], d["w_present"][:, uid]
    if not present.any():
        return ["- as a miner: no validator weight on it counted this epoch, so no incentive."]
    out = [f"- as a miner: weighted by {int(present.sum())} validator(s):"]
    w, wc = _f(ops, d["w"][:, uid]), _f(ops, d["wc"][:, uid])
    for k in np.nonzero(present)[0]:
        v = int(rows[k])
        out.append(f"    <- UID {v} (active stake {_pct(float(_f(ops, d['active_stake'][v])))}): "
                   f"weight {w[k]:.6f}" + (f", clipped to {wc[k]:.6f}" if wc[k] < w[k] else ""))
    kappa = inputs.params.kappa / 65535
    out.append(f"  consensus {result.consensus[uid]:.6f}: the highest weight that validators holding at least "
               f"{_pct(kappa)} of active stake gave it or more; weight above it is clipped.")
    out.append(f"  incentive: {_pct(result.incentive[uid])} of all incentive "
               f"(= {result.server_emission[uid]} rao of this epoch's emission).")
    return out


def explain(inputs: EpochInputs, result: EpochResult, uid: int) -> str:
    """A multi-line explanation of why ``uid`` got what it got in this epoch."""
    if isinstance(uid, bool) or not isinstance(uid, int) or not 0 <= uid < inputs.n:
        raise YumaInputError("uid", f"must be in [0, {inputs.n})")
    lines = _header(inputs, result, uid)
    lines += _validator_lines(inputs, result, uid)
    lines += _miner_lines(inputs, result, uid)
    total = result.server_emission[uid] + result.validator_emission[uid]
    lines.append(f"- total this epoch: {total} rao of {inputs.emission} "
                 f"(incentive {result.incentive[uid]:.6f}, dividends {result.dividends[uid]:.6f}).")
    return "\n".join(lines)
