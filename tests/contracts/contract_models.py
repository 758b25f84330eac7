"""The one home of the test-side reference models of the contracts' maths.

Each model mirrors a contract to the rao (same roundings), so the tests can predict on-chain
state over many steps. A model copied from the contract would share its bugs, so every model
here is itself pinned by independently computed answers (fractions, by hand) in the tests:
the halving by tests/contracts/test_halving.py, the burn decay by test_neuron_registry.py, the
split by test_subtensor_parity.py, the share pools by the payouts of tests/epoch.
The runtime's own model (swap quotes, used by the CLI) is evmtensor/chain/amm.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from math import floor

from evmtensor.chain.amm import Pool

WAD = 10**18
TOTAL_SUPPLY = 21 * 10**15


# ------------------------------------------------------------------ emission (TaoToken, Emission)


def emission_for_issuance(issuance: int) -> int:
    """Spec 1.1 halving, exact integers (mirrors contracts/libraries/Halving.sol)."""
    if issuance >= TOTAL_SUPPLY:
        return 0
    q = TOTAL_SUPPLY // (TOTAL_SUPPLY - issuance)
    k = q.bit_length() - 1
    return 10**9 >> k


def split_alpha_out(alpha_out: int, owner_cut: int) -> tuple[int, int, int]:
    """Subtensor's U96F32 split (2^-32 units), each bucket floored: up to 2 units unassigned."""
    cut = (owner_cut << 32) // 65535
    owner_q = alpha_out * cut
    rest = (alpha_out << 32) - owner_q
    server_q = rest >> 1
    return owner_q >> 32, server_q >> 32, (rest - server_q) >> 32


@dataclass
class SubnetRef:
    """One subnet as the per-block reference sees it."""

    netuid: int
    pool: Pool
    ema: int
    alpha_issuance: int
    tao_exact: Decimal = Decimal(0)
    ema_exact: Decimal = Decimal(0)
    alpha_out: int = 0
    pending: list[int] = field(default_factory=lambda: [0, 0, 0])


def reference_accrual(subnets: list[SubnetRef], blocks: int, supply: int, ema_alpha: int, owner_cut: int) -> int:
    """Per-block reference of one `accrue` over `blocks` blocks (no halving crossed by alpha).

    Each block: E from the TAO issuance, shares p̄_i / Σ p̄ (no TAO when Σ p̄ = 0), alpha_out and
    its split from the alpha issuance, then p̄_i ← α·min(spot_i, 1) + (1 − α)·p̄_i. Prices are the
    spot prices at the start (the contract's semantics). Amounts are kept exact (Decimal with
    120 digits); returns the virtual TAO issuance at the end.
    """
    with localcontext() as ctx:  # exact enough, without touching the global context
        ctx.prec = 120
        alpha = Decimal(ema_alpha) / WAD
        prices = [Decimal(min(s.pool.price, WAD)) for s in subnets]
        emas = [Decimal(s.ema) for s in subnets]
        issuance = supply
        for _ in range(blocks):
            e = emission_for_issuance(issuance)
            total = sum(emas)
            if total > 0:
                for s, p in zip(subnets, emas):
                    s.tao_exact += e * p / total
                issuance += e
            for s in subnets:
                a = emission_for_issuance(s.alpha_issuance)
                s.alpha_out += a
                s.alpha_issuance += a
                for j, part in enumerate(split_alpha_out(a, owner_cut)):
                    s.pending[j] += part
            emas = [alpha * p + (1 - alpha) * m for p, m in zip(prices, emas)]
        for s, m in zip(subnets, emas):
            s.ema_exact = m
    return issuance


# ------------------------------------------------------------------ burn price (BurnPrice.sol)


def mul_wad_up(a: int, b: int) -> int:
    p = a * b
    return 0 if p == 0 else (p - 1) // WAD + 1


def pow_wad_up(x: int, n: int) -> int:
    """Mirror of BurnPrice._powWadUp (squaring, each product rounded up)."""
    r = WAD
    while n:
        if n & 1:
            r = mul_wad_up(r, x)
        n >>= 1
        if n:
            x = mul_wad_up(x, x)
    return r


def burn_after(burn: int, elapsed: int, decay: int, lo: int, hi: int) -> int:
    """Mirror of BurnPrice.decayedUp."""
    return min(max(mul_wad_up(burn, pow_wad_up(decay, elapsed)), lo), hi)


# ------------------------------------------------------------------ share pools (SharePool.sol)
# Written from DTAO spec 3.8 and 7.1 (not from the contract). A (hotkey, subnet) pool holds alpha
# V and shares D; a holder's value is floor(V * s / D). A deposit of x mints floor(x * D / V)
# shares (x * 1e9 into an empty pool). Emission credited to a hotkey with take t: floor(x * t /
# 65535) is deposited for the hotkey's owner first, at the pre-dividend price, then the rest
# raises V with D unchanged (an empty pool's whole credit is the owner's).


INITIAL_SHARES_PER_ALPHA = 10**9


@dataclass
class SharePoolModel:
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
    """``{hotkey: SharePoolModel}`` from EpochNet.pool_state()."""
    return {hk: SharePoolModel(alpha, shares, dict(holders)) for hk, (alpha, shares, holders) in state.items()}
