"""Settlement credits as StakingPools logs them: one `Credited(netuid, bytes)` event per batch,
65 packed bytes a credit (contracts/libraries/CreditLog.sol):

    hotkey 20 | coldkey 20 | alpha u96 | take u96 | dividend u8

A stake credit (dividend 0) staked ``alpha`` for (hotkey, coldkey); a dividend credited ``alpha``
to the hotkey, ``take`` of it staked for its owner ``coldkey`` and the rest raising the share
value of its nominators. Packed bytes instead of an indexed event per credit save ~1,600 gas a
credit, so readers decode them here (the read API, the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import to_checksum_address
from web3.logs import DISCARD

__all__ = ["CREDIT_BYTES", "Credit", "credits_in_receipt", "decode_credits"]

CREDIT_BYTES = 65  # CreditLog.ENTRY


@dataclass(frozen=True)
class Credit:
    netuid: int
    hotkey: str
    coldkey: str
    alpha: int
    take: int
    dividend: bool


def decode_credits(netuid: int, data: bytes) -> list[Credit]:
    """The credits packed in one `Credited` event's bytes, in order (ValueError if torn)."""
    if len(data) % CREDIT_BYTES:
        raise ValueError(f"Credited data of {len(data)} bytes is not a whole number of {CREDIT_BYTES}-byte credits")
    out = []
    for p in range(0, len(data), CREDIT_BYTES):
        e = data[p:p + CREDIT_BYTES]
        out.append(Credit(netuid, to_checksum_address(e[:20]), to_checksum_address(e[20:40]),
                          int.from_bytes(e[40:52], "big"), int.from_bytes(e[52:64], "big"), bool(e[64])))
    return out


def credits_in_receipt(pools_contract, receipt) -> list[Credit]:
    """Every settlement credit logged by ``pools_contract`` (StakingPools) in ``receipt``."""
    out: list[Credit] = []
    for ev in pools_contract.events.Credited().process_receipt(receipt, errors=DISCARD):
        out.extend(decode_credits(int(ev["args"]["netuid"]), bytes(ev["args"]["credits"])))
    return out
