"""Units and constants shared by every component: one definition each.

TAO has 9 decimals (1 TAO = 1e9 rao, as in subtensor); prices are 1e18-scaled TAO per alpha;
Yuma's u16 values run 0..65535.
"""

from __future__ import annotations

__all__ = [
    "MAX_UINT256",
    "PRICE_SCALE",
    "RAO_PER_TAO",
    "U16_MAX",
    "ZERO_ADDRESS",
    "rao_to_tao",
    "tao_to_rao",
]

RAO_PER_TAO = 10**9
PRICE_SCALE = 10**18
U16_MAX = 2**16 - 1
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x" + "00" * 20


def tao_to_rao(tao: float | int | str) -> int:
    """``tao`` (a number or decimal string) in rao, rounded down to the rao."""
    from decimal import Decimal

    return int(Decimal(str(tao)) * RAO_PER_TAO)


def rao_to_tao(rao: int) -> float:
    """``rao`` in TAO, for display only (floats lose rao beyond 2**53)."""
    return rao / RAO_PER_TAO
