"""The independent payout computation of a settled epoch (spec 2.8 and the port's cap of 6.3.4,
IEpochSettlement) with fractions, and the check of every stake of an EpochNet against it.

Shared by the direct settlement test and the relay's end-to-end test, so both hold the chain to
the same independently computed answer.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from contracts.core_helpers import events
from contracts.contract_models import pools_from


def drained_of(net, receipt):
    (ev,) = events(net.client.contract("Emission").events.PendingDrained, receipt)
    return ev.args


def settled_of(net, receipt):
    (ev,) = events(net.settlement.events.EpochSettled, receipt)
    return ev.args


def check_payout(net, before: dict, takes: dict, result, receipt) -> tuple[dict, dict]:
    """Assert every (coldkey, hotkey) stake after ``receipt`` equals the spec's payout of
    ``result`` applied to the pools ``before``; returns the (miner, validator) amounts per UID."""
    d = drained_of(net, receipt)
    o, s, v = d.ownerCut, d.serverAlpha, d.validatorAlpha
    assert o > 0 and s > 0 and v > 0
    sum_i, sum_d = sum(result.incentive), sum(result.dividends)
    n = len(net.hotkeys)
    miner = {u: floor(Fraction(s * result.incentive[u], sum_i)) for u in range(n)}
    validator = {u: floor(Fraction(v * result.dividends[u], sum_d)) for u in range(n)}
    expected = pools_from(before)
    hk, ck = [h.address for h in net.hotkeys], [c.address for c in net.coldkeys]
    expected[hk[0]].deposit(ck[0], o)  # owner cut first
    for u in range(n):
        if miner[u]:
            expected[hk[u]].deposit(ck[u], miner[u])
    for u in range(n):
        if validator[u]:
            expected[hk[u]].credit(ck[u], validator[u], takes[hk[u]])
    for h in hk:
        for c in [*ck, net.nominator.address]:
            assert net.stake_of(c, h) == expected[h].value(c), (h, c)
    args = settled_of(net, receipt)
    assert (args.ownerCut, args.minerAlpha, args.validatorAlpha, args.burned) == (
        o, sum(miner.values()), sum(validator.values()), 0)
    return miner, validator
