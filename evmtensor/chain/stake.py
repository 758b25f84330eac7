"""Stake previews and positions read from the chain: what a stake, unstake or move would do
before it is sent, and where a coldkey's stake lies.

A preview reads the pool reserves and the pools' fee rate and minimum stake from the chain and
prices the swap with the exact integer reference of the contract (:mod:`evmtensor.chain.amm`),
so the amount, the fee and the price after match the contract to the base unit at the block
read. The limit price sent with the transaction comes from ``--limit-price`` or from a
tolerance around the spot price (btcli's "safe staking"): a stake may not lift the price after
the swap above ``spot * (1 + tolerance)``, an unstake may not push it below
``spot * (1 - tolerance)``, a move may not push price(origin)/price(destination) below
``ratio * (1 - tolerance)``. ``min_out`` is the worst output the limit still accepts: what the
same swap would return had the pool moved (along its constant product) just as far as the limit
allows before it lands.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction

from evmtensor.chain.amm import Pool, quote_move, quote_stake, quote_unstake
from evmtensor.chain.client import ChainClient
from evmtensor.chain.metagraph import metagraph_loader
from evmtensor.errors import ChainError
from evmtensor.units import MAX_UINT256, PRICE_SCALE

__all__ = [
    "PoolRules",
    "Position",
    "StakePreview",
    "limit_from_tolerance",
    "pool",
    "pool_rules",
    "positions",
    "preview_move",
    "preview_stake",
    "preview_unstake",
]


@dataclass(frozen=True)
class PoolRules:
    """The pools' fee rate (of 65535) and minimum stake (rao), read from the chain."""

    fee_rate: int
    min_stake: int


@dataclass(frozen=True)
class StakePreview:
    """What a stake (TAO in, alpha out), an unstake (alpha in, TAO out) or a move (alpha in,
    alpha out on the destination) would do, priced at ``block``.

    Prices are 1e18-scaled TAO per alpha (for a move: the ratio origin/destination);
    ``slippage`` is the relative gap between the spot price and the swap's average price.
    """

    kind: str
    netuid: int
    amount_in: int
    amount_out: int
    fee: int
    price_before: int
    price_after: int
    limit_price: int
    min_out: int
    slippage: float
    block: int
    within_limit: bool
    destination_netuid: int | None = None
    tao_moved: int = 0

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Position:
    """``coldkey``'s stake on (hotkey, netuid): alpha, and its value in TAO at the spot price."""

    netuid: int
    hotkey: str
    alpha: int
    price: int

    @property
    def tao_value(self) -> int:
        return self.alpha * self.price // PRICE_SCALE


def pool_rules(client: ChainClient) -> PoolRules:
    """The pools' fee rate and minimum stake (``StakingPools.params()``)."""
    params = client.view("StakingPools", "params")
    return PoolRules(int(params["feeRate"]), int(params["minStake"]))


def pool(client: ChainClient, netuid: int, block="latest") -> Pool:
    """Reserves of ``netuid``'s pool; ChainError if it has none."""
    tao, alpha = client.call(client.contract("StakingPools").functions.reserves(netuid), block=block)
    if alpha == 0:
        raise ChainError(f"subnet {netuid} has no pool on this chain")
    return Pool(int(tao), int(alpha))


def limit_from_tolerance(price: int, tolerance: float | str, *, upward: bool) -> int:
    """The limit ``tolerance`` (a fraction, 0.05 = 5%) away from ``price``: above it for a
    stake (rounded down: never looser than asked), below it for an unstake or a move (rounded up)."""
    t = Fraction(Decimal(str(tolerance)))
    if t < 0 or (not upward and t >= 1):
        raise ValueError(f"tolerance {tolerance} is out of range")
    if upward:
        return int(price * (1 + t))
    return -(-price * (1 - t).numerator // (1 - t).denominator)


def _slippage(spot: int, amount_in: int, amount_out: int, *, buying: bool) -> float:
    """1 - (what you got) / (what the spot price promised), as a float for display."""
    if amount_out == 0 or spot == 0:
        return 1.0
    promised = Fraction(amount_in * PRICE_SCALE, spot) if buying else Fraction(amount_in * spot, PRICE_SCALE)
    return float(1 - Fraction(amount_out) / promised)


def _worst_pool(p: Pool, accepts, *, upward: bool) -> Pool | None:
    """The pool on ``p``'s constant product furthest from ``p`` (price up for a stake, down for an
    unstake) at which the swap still passes ``accepts`` (binary search on the TAO reserve)."""
    if not accepts(p):
        return None
    k = p.k
    lo, hi = (p.tao, p.tao * 2 + 1) if upward else (1, p.tao)
    if upward:
        while accepts(Pool(hi, k // hi)) and hi < p.tao * 2**64:
            lo, hi = hi, hi * 2
    best = p
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = Pool(mid, max(k // mid, 1))
        if accepts(candidate):
            best = candidate
            lo, hi = (mid + 1, hi) if upward else (lo, mid - 1)
        else:
            lo, hi = (lo, mid - 1) if upward else (mid + 1, hi)
    return best


def preview_stake(client: ChainClient, netuid: int, tao: int, *, limit_price: int | None = None,
                  tolerance: float | str = "0.05") -> StakePreview:
    """Preview staking ``tao`` rao on ``netuid`` (limit: ``limit_price``, else the tolerance)."""
    block = client.block_number()
    p, rules = pool(client, netuid, block), pool_rules(client)
    q = quote_stake(p, tao, rules.fee_rate)
    limit = limit_price if limit_price is not None else limit_from_tolerance(p.price, tolerance, upward=True)
    accepts = lambda s: limit == MAX_UINT256 or quote_stake(s, tao, rules.fee_rate).price_after_up <= limit  # noqa: E731
    worst = _worst_pool(p, accepts, upward=True)
    min_out = quote_stake(worst, tao, rules.fee_rate).amount_out if worst else 0
    return StakePreview("stake", netuid, tao, q.amount_out, q.fee, p.price, q.price_after_up, limit, min_out,
                        _slippage(p.price, tao, q.amount_out, buying=True), block, accepts(p))


def preview_unstake(client: ChainClient, netuid: int, alpha: int, *, limit_price: int | None = None,
                    tolerance: float | str = "0.05") -> StakePreview:
    """Preview unstaking ``alpha`` from ``netuid`` (limit: ``limit_price``, else the tolerance)."""
    block = client.block_number()
    p, rules = pool(client, netuid, block), pool_rules(client)
    q = quote_unstake(p, alpha, rules.fee_rate)
    limit = limit_price if limit_price is not None else limit_from_tolerance(p.price, tolerance, upward=False)
    accepts = lambda s: limit == 0 or quote_unstake(s, alpha, rules.fee_rate).price_after_down >= limit  # noqa: E731
    worst = _worst_pool(p, accepts, upward=False)
    min_out = quote_unstake(worst, alpha, rules.fee_rate).amount_out if worst else 0
    return StakePreview("unstake", netuid, alpha, q.amount_out, q.fee, p.price, q.price_after_down, limit, min_out,
                        _slippage(p.price, alpha, q.amount_out, buying=False), block, accepts(p))


def preview_move(client: ChainClient, origin_netuid: int, destination_netuid: int, alpha: int, *,
                 limit_price: int | None = None, tolerance: float | str = "0.05") -> StakePreview:
    """Preview moving ``alpha`` from ``origin_netuid`` to ``destination_netuid``. Within one
    subnet it is a share transfer (no swap, no fee, no price limit); across subnets the origin
    sale pays the one fee, and the limit bounds price(origin)/price(destination) after both swaps.
    ``min_out`` is the destination alpha if the ratio lands exactly on the limit (estimated)."""
    block = client.block_number()
    if origin_netuid == destination_netuid:
        pool(client, origin_netuid, block)  # the subnet must have a pool
        return StakePreview("move", origin_netuid, alpha, alpha, 0, PRICE_SCALE, PRICE_SCALE, 0, alpha, 0.0,
                            block, True, destination_netuid, 0)
    o, d, rules = pool(client, origin_netuid, block), pool(client, destination_netuid, block), pool_rules(client)
    sell, buy, ratio_after = quote_move(o, d, alpha, rules.min_stake, rules.fee_rate)
    ratio_before = o.tao * d.alpha * PRICE_SCALE // (o.alpha * d.tao)
    limit = limit_price if limit_price is not None else limit_from_tolerance(ratio_before, tolerance, upward=False)
    out = buy.amount_out if buy else 0
    # Through both pools, the spot rate is ratio_before alpha-for-alpha.
    promised = Fraction(alpha * ratio_before, PRICE_SCALE)
    slippage = float(1 - Fraction(out) / promised) if out and promised else 1.0
    min_out = out * limit // ratio_after if ratio_after and out else 0
    return StakePreview("move", origin_netuid, alpha, out, sell.fee, ratio_before, ratio_after, limit,
                        min(min_out, out), slippage, block, limit == 0 or ratio_after >= limit,
                        destination_netuid, sell.amount_out)


def positions(client: ChainClient, coldkey: str, hotkeys: list[str] = ()) -> list[Position]:
    """``coldkey``'s non-zero stake on every subnet, over each subnet's registered hotkeys, the
    hotkeys it ever staked or was moved stake to (``Staked``/``StakeMoved`` events) and ``hotkeys``."""
    pools = client.contract("StakingPools")
    block = client.block_number()
    known = set(hotkeys)
    for log in pools.events.Staked().get_logs(from_block=client.deployment.deploy_block, to_block=block,
                                             argument_filters={"coldkey": coldkey}):
        known.add(log["args"]["hotkey"])
    for log in pools.events.StakeMoved().get_logs(from_block=client.deployment.deploy_block, to_block=block,
                                                 argument_filters={"destinationColdkey": coldkey}):
        known.add(log["args"]["destinationHotkey"])
    found: list[Position] = []
    for netuid in client.view("SubnetRegistry", "activeNetuids", block=block):
        registered = {n.hotkey for n in metagraph_loader(client, netuid)(block)}
        candidates = sorted(known | registered)
        price = client.call(pools.functions.spotPrice(netuid), block=block)
        for hotkey in candidates:
            alpha = client.call(pools.functions.stakeOf(coldkey, hotkey, netuid), block=block)
            if alpha:
                found.append(Position(int(netuid), hotkey, int(alpha), int(price)))
    return found
