"""An epoch's payout computed off-chain from the result and the drained buckets (DTAO spec 2.8
without root, the port's cap of spec 6.3.4), written from the spec rather than from the contract.

Used to explain an epoch (what each hotkey received) and by tests as the expected values.
The rules (IEpochSettlement): with ΣI and ΣD the sums of the u16 incentive and dividends,
- both positive: miner h gets floor(S·I_h/ΣI), validator h floor(V·D_h/ΣD);
- only ΣI: miners share T = S + V; only ΣD: validators share T; neither: nothing is drained;
- the owner cut O goes to (owner hotkey, owner coldkey); miner hotkeys of the owner's coldkey
  (and the owner hotkey) are burned; the rest of the floors is dust that stays drained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import floor
from typing import Sequence

__all__ = ["Payout", "compute_payout"]


@dataclass
class Payout:
    """Where one epoch's drained alpha goes (base units)."""

    drained: int
    owner_cut: int
    miners: dict = field(default_factory=dict)  # uid -> alpha staked to (hotkey, coldkey)
    validators: dict = field(default_factory=dict)  # uid -> alpha credited through the take
    burned: int = 0
    carried: int = 0  # not drained: stays pending for the next epoch

    @property
    def paid(self) -> int:
        return self.owner_cut + sum(self.miners.values()) + sum(self.validators.values())

    @property
    def dust(self) -> int:
        return self.drained - self.paid - self.burned


def compute_payout(owner_cut: int, server: int, validator: int, incentive: Sequence[int],
                   dividends: Sequence[int], coldkeys: Sequence[str], hotkeys: Sequence[str],
                   owner_coldkey: str, owner_hotkey: str) -> Payout:
    """The payout of one epoch whose pending buckets are (owner_cut, server, validator)."""
    sum_i, sum_d = sum(incentive), sum(dividends)
    total = server + validator
    if sum_i == 0 and sum_d == 0:
        return Payout(0, 0, carried=owner_cut + total)
    if sum_i and sum_d:
        miner_budget, validator_budget = server, validator
    elif sum_i:
        miner_budget, validator_budget = total, 0
    else:
        miner_budget, validator_budget = 0, total
    out = Payout(owner_cut + total, owner_cut)
    for uid, inc in enumerate(incentive):
        amount = floor(Fraction(miner_budget * inc, sum_i)) if sum_i else 0
        if amount == 0:
            continue
        if coldkeys[uid] == owner_coldkey or hotkeys[uid] == owner_hotkey:
            out.burned += amount  # spec 2.8.3: the owner's own miners earn nothing
        else:
            out.miners[uid] = amount
    for uid, div in enumerate(dividends):
        amount = floor(Fraction(validator_budget * div, sum_d)) if sum_d else 0
        if amount:
            out.validators[uid] = amount
    return out
