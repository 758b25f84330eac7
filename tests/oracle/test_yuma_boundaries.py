"""Exact boundaries of the epoch: kappa (consensus threshold) and the activity cutoff.

Expected values are worked out by hand from subtensor's rules (run_epoch.rs / math.rs):
- consensus of a column is the smallest weight ``x`` whose cumulative active stake
  ``sum(s_i : W_ij <= x)`` is *strictly* above ``sum(s) - kappa``, so validators holding
  exactly ``kappa`` of the stake still lift consensus to their weight;
- a UID is inactive iff ``last_update + activity_cutoff < current_block``, so one updated
  exactly ``activity_cutoff`` blocks ago is still active.
"""
from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest
from yuma_helpers import make_inputs

from oracle.yuma import YumaParams, run_epoch

ONE = 2**32

# UIDs 0 (A) and 1 (B) validate with raw stake 1 : 2, so A holds exactly one third; 2 and 3 mine.
# A puts all its weight on 2; B splits 32768 : 32767 between 2 and 3.
_KAPPA_WEIGHTS = [[0, 0, 65535, 0], [0, 0, 32768, 32767], [0, 0, 0, 0], [0, 0, 0, 0]]
_B_ON_2 = math.floor(Fraction(32768 * ONE, 65535))  # B's row-normalised weight on 2: 2147516416
_B_ON_3 = math.floor(Fraction(32767 * ONE, 65535))  # 2147450879


def _kappa_epoch(kappa: int):
    inputs = make_inputs([1, 2, 0, 0], np.array(_KAPPA_WEIGHTS, np.int64), permits=[True, True, False, False],
                         params=YumaParams(kappa=kappa))
    return run_epoch(inputs)


def test_stake_shares_of_the_kappa_case_are_what_the_hand_computation_assumes():
    # I64F64 normalisation truncated to I32F32: floor(2^32/3) and floor(2^33/3), sum 2^32 - 1.
    res = _kappa_epoch(21845)
    assert (res.detail["active_stake"][:2]).tolist() == [1431655765, 2863311530]
    # kappa 21845 is 1/3 exactly as a fraction of 65535; in I32F32 it is floor(2^32/3) too.
    assert math.floor(Fraction(21845 * ONE, 65535)) == 1431655765


@pytest.mark.parametrize(("kappa", "consensus_on_2"), [
    (21844, ONE),      # A holds more than kappa: consensus rises to A's weight 1.0
    (21845, ONE),      # A holds exactly kappa: still A's weight (the rule is strict: >)
    (21846, _B_ON_2),  # kappa one u16 step above A's stake: B's weight is the consensus
])
def test_kappa_boundary(kappa, consensus_on_2):
    res = _kappa_epoch(kappa)
    assert res.consensus[2] == consensus_on_2 / ONE
    assert res.consensus[3] == _B_ON_3 / ONE  # only B weighs 3 and it holds two thirds
    # A's weight above consensus is clipped to it; B's weights sit at consensus, untouched.
    assert res.validator_trust[0] == min(ONE, consensus_on_2) / ONE
    assert res.validator_trust[1] == (_B_ON_2 + _B_ON_3) / ONE
    assert res.u16["consensus"][2] == math.floor(Fraction(consensus_on_2 * 65535, ONE))


def test_kappa_at_the_threshold_is_not_the_simulations_rule():
    # The simulation's ">=" rule (median_at_kappa) would already stop at B's weight here.
    res = _kappa_epoch(21845)
    assert res.consensus[2] == 1.0 and res.consensus[2] != _B_ON_2 / ONE


# ------------------------------------------------------------------ activity cutoff


CUTOFF, BLOCK = 100, 1000


def _activity_epoch(validator_last_update: int):
    # Validators 0 (stake 1) and 1 (stake 3); 1 alone weighs miner 3, 0 alone weighs miner 2.
    w = np.zeros((4, 4), np.int64)
    w[0, 2] = w[1, 3] = 65535
    inputs = make_inputs([1, 3, 0, 0], w, permits=[True, True, False, False], block=BLOCK,
                         params=YumaParams(activity_cutoff=CUTOFF))
    last = inputs.last_update.copy()
    last[1] = validator_last_update
    return run_epoch(dataclasses.replace(inputs, last_update=last))


def test_updated_exactly_activity_cutoff_blocks_ago_is_active():
    res = _activity_epoch(BLOCK - CUTOFF)
    assert res.active.tolist() == [True, True, True, True]
    # Active stake 1/4 : 3/4; validator 1 holds more than kappa, so miner 3 gets consensus 1.
    assert res.consensus[3] == 1.0 and res.consensus[2] == 0.0
    assert res.incentive[3] == 1.0
    assert res.dividends[1] > 0 and res.validator_emission[1] > 0


def test_one_block_later_the_validator_is_inactive():
    res = _activity_epoch(BLOCK - CUTOFF - 1)
    assert res.active.tolist() == [True, False, True, True]
    # Its stake no longer counts: validator 0 alone sets consensus, and validator 1 earns nothing.
    assert res.detail["active_stake"][1] == 0
    assert res.consensus[3] == 0.0 and res.consensus[2] == 1.0
    assert res.incentive[2] == 1.0 and res.incentive[3] == 0.0
    assert res.dividends[1] == 0 and res.validator_emission[1] == 0
    # The permit follows stake, not activity: it keeps it.
    assert res.validator_permits[1]
