"""Nominator share pools written from DTAO spec 3.8 and 7.1 (not from the contracts), to predict
every stake after a settlement to the rao.

A (hotkey, subnet) pool holds alpha V and shares D; a holder's value is floor(V * s / D). A deposit
of x mints floor(x * D / V) shares (x * 1e9 into an empty pool). Emission credited to a hotkey with
take t: floor(x * t / 65535) is deposited for the hotkey's owner first, at the pre-dividend price,
then the rest raises V with D unchanged (an empty pool's whole credit is the owner's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import floor

INITIAL_SHARES_PER_ALPHA = 10**9


@dataclass
class Pool:
    alpha: int
    shares: int
    holders: dict = field(default_factory=dict)

    def deposit(self, coldkey: str, x: int) -> None:
        minted = x * INITIAL_SHARES_PER_ALPHA if self.shares == 0 or self.alpha == 0 else floor(
            Fraction(x * self.shares, self.alpha))
        self.alpha += x
        self.shares += minted
        self.holders[coldkey] = self.holders.get(coldkey, 0) + minted

    def credit(self, owner: str, x: int, take: int) -> None:
        owner_part = x if self.shares == 0 else floor(Fraction(x * take, 65535))
        if owner_part:
            self.deposit(owner, owner_part)
        self.alpha += x - owner_part

    def value(self, coldkey: str) -> int:
        if self.shares == 0:
            return 0
        return floor(Fraction(self.alpha * self.holders.get(coldkey, 0), self.shares))


def pools_from(state: dict) -> dict:
    """``{hotkey: Pool}`` from EpochNet.pool_state()."""
    return {hk: Pool(alpha, shares, dict(holders)) for hk, (alpha, shares, holders) in state.items()}
