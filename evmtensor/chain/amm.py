"""Exact integer reference of the StakingPools swap math (contracts/libraries/PoolMath.sol).

Every function mirrors the contract to the rao: the fee is rounded up and taken off the input
before the curve, outputs are rounded down. The fee never joins the reserves: a stake's TAO fee
goes to the fee recipient; an unstake's alpha fee is sold fee-free right after and that TAO goes
to the recipient (``Quote.fee`` is the recipient's TAO in both cases). The pool product never
decreases.
Prices are TAO per alpha scaled by 1e18; a stake's limit bounds the price after the swap from
above (``MAX_LIMIT`` = no limit), an unstake's from below (0 = no limit).

Used by the tests (differential: contract vs reference) and by the CLI for previews. The
test-only models of the other contract maths (emission, burn price, share pools) live in
tests/contracts/contract_models.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from evmtensor import units

__all__ = [
    "FEE_DENOMINATOR",
    "FEE_RATE",
    "MAX_LIMIT",
    "PRICE_SCALE",
    "Pool",
    "Quote",
    "fee_up",
    "amount_out_down",
    "price_down",
    "price_up",
    "quote_stake",
    "quote_unstake",
    "quote_move",
    "max_stake_for_limit",
    "MIN_PRICE",
    "MAX_PRICE",
]

FEE_DENOMINATOR = 65535
FEE_RATE = 33
PRICE_SCALE = units.PRICE_SCALE
MAX_LIMIT = units.MAX_UINT256
MIN_PRICE = 10**12  # 1e-6 TAO per alpha, 1e18-scaled (the contract's price band)
MAX_PRICE = 10**24  # 1e6 TAO per alpha


@dataclass(frozen=True)
class Pool:
    """Reserves of one subnet pool: ``tao`` (y) and ``alpha`` (x), in base units."""

    tao: int
    alpha: int

    @property
    def price(self) -> int:
        """Spot price, 1e18-scaled, rounded down (the contract's ``spotPrice``)."""
        return price_down(self.tao, self.alpha)

    @property
    def k(self) -> int:
        return self.tao * self.alpha


@dataclass(frozen=True)
class Quote:
    """Result of a swap: what comes out, the fee (TAO to the recipient), the pool after, its price after."""

    amount_in: int
    amount_out: int
    fee: int
    pool_after: Pool

    @property
    def price_after_up(self) -> int:
        return price_up(self.pool_after.tao, self.pool_after.alpha)

    @property
    def price_after_down(self) -> int:
        return price_down(self.pool_after.tao, self.pool_after.alpha)


def fee_up(amount_in: int, fee_rate: int = FEE_RATE) -> int:
    """ceil(amount_in * fee_rate / 65535)."""
    return -(-amount_in * fee_rate // FEE_DENOMINATOR)


def amount_out_down(net_in: int, reserve_in: int, reserve_out: int) -> int:
    """floor(reserve_out * net_in / (reserve_in + net_in))."""
    return reserve_out * net_in // (reserve_in + net_in)


def price_down(tao: int, alpha: int) -> int:
    return 0 if alpha == 0 else tao * PRICE_SCALE // alpha


def price_up(tao: int, alpha: int) -> int:
    return MAX_LIMIT if alpha == 0 else -(-tao * PRICE_SCALE // alpha)


def quote_stake(pool: Pool, tao_in: int, fee_rate: int = FEE_RATE) -> Quote:
    """TAO -> alpha (a stake). The contract reverts if ``amount_out`` is 0."""
    fee = fee_up(tao_in, fee_rate)
    out = amount_out_down(tao_in - fee, pool.tao, pool.alpha)
    return Quote(tao_in, out, fee, Pool(pool.tao + tao_in - fee, pool.alpha - out))


def quote_unstake(pool: Pool, alpha_in: int, fee_rate: int = FEE_RATE) -> Quote:
    """alpha -> TAO (an unstake). The contract reverts if ``amount_out`` is 0."""
    fee = fee_up(alpha_in, fee_rate)
    net = alpha_in - fee
    out = amount_out_down(net, pool.alpha, pool.tao)
    tao, alpha = pool.tao - out, pool.alpha + net
    fee_tao = amount_out_down(fee, alpha, tao) if fee else 0  # the alpha fee, sold fee-free
    return Quote(alpha_in, out, fee_tao, Pool(tao - fee_tao, alpha + fee))


def quote_move(origin: Pool, destination: Pool, alpha_in: int, min_stake: int, fee_rate: int = FEE_RATE):
    """Cross-subnet move: sell on origin (fee), buy on destination without fee.

    Returns ``(sell, buy_or_None, ratio_after)``; ``buy`` is None when the TAO is below the
    minimum stake (it is paid out liquid). ``ratio_after`` is the contract's
    price(origin)/price(destination) check value, 1e18-scaled, rounded down.
    """
    sell = quote_unstake(origin, alpha_in, fee_rate)
    buy = quote_stake(destination, sell.amount_out, 0) if sell.amount_out >= min_stake else None
    o = sell.pool_after
    d = buy.pool_after if buy else destination
    ratio = o.tao * d.alpha * PRICE_SCALE // (o.alpha * d.tao)
    return sell, buy, ratio


def max_stake_for_limit(pool: Pool, limit_price: int, fee_rate: int = FEE_RATE) -> int:
    """Largest TAO input whose post-swap price (rounded up) stays <= ``limit_price`` (binary search)."""
    lo, hi = 0, 1
    while _stake_ok(pool, hi, limit_price, fee_rate):
        lo, hi = hi, hi * 2
        if hi > 10**30:
            return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _stake_ok(pool, mid, limit_price, fee_rate):
            lo = mid
        else:
            hi = mid
    return lo


def _stake_ok(pool: Pool, tao_in: int, limit_price: int, fee_rate: int) -> bool:
    # Monotone in tao_in: the post-swap price only rises with the input.
    return quote_stake(pool, tao_in, fee_rate).price_after_up <= limit_price
