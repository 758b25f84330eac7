"""The axon's registry backed by the chain: MetagraphViews pages, cached and refreshed by block.

``chain_registry(w3, views, netuid)`` returns a `BlockCachedRegistry` whose loader pages through
``MetagraphViews.metagraph(netuid, start, count)`` pinned to one block (so a snapshot is never a
mix of two blocks), and whose block source is ``w3.eth.block_number``. The axon refreshes it in
a worker thread; lookups stay in memory on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from evmtensor.protocol.registry import BlockCachedRegistry, NeuronInfo

__all__ = ["PAGE_FIELDS", "chain_registry", "metagraph_loader"]

log = logging.getLogger(__name__)

# IMetagraphViews.MetagraphPage, in declaration order.
PAGE_FIELDS = (
    "netuid", "n", "start", "blockNumber", "hotkeys", "coldkeys", "alphaStake", "registeredAt",
    "lastUpdate", "validatorPermit", "incentive", "dividends", "emission", "axons",
)


def metagraph_loader(
    views: Any, netuid: int, *, page_size: int = 256
) -> Callable[[int], list[NeuronInfo]]:
    """A loader reading every UID of `netuid` at a given block from a MetagraphViews contract
    (a web3 contract object)."""

    def load(block: int) -> list[NeuronInfo]:
        neurons: list[NeuronInfo] = []
        start, total = 0, None
        while total is None or start < total:
            raw = views.functions.metagraph(netuid, start, page_size).call(block_identifier=block)
            page = dict(zip(PAGE_FIELDS, raw))
            total = int(page["n"])
            for i, hotkey in enumerate(page["hotkeys"]):
                neurons.append(
                    NeuronInfo(
                        hotkey=hotkey,
                        uid=start + i,
                        stake=int(page["alphaStake"][i]),
                        validator_permit=bool(page["validatorPermit"][i]),
                    )
                )
            if not page["hotkeys"]:
                break
            start += len(page["hotkeys"])
        log.debug("metagraph of subnet %s at block %s: %s neurons", netuid, block, len(neurons))
        return neurons

    return load


def chain_registry(
    w3: Any,
    views: Any,
    netuid: int,
    *,
    refresh_blocks: int = 1,
    poll_interval_s: float = 2.0,
) -> BlockCachedRegistry:
    """A registry of `netuid`'s neurons from the chain, reloaded when blocks advance."""
    return BlockCachedRegistry(
        lambda: int(w3.eth.block_number),
        metagraph_loader(views, netuid),
        refresh_blocks=refresh_blocks,
        poll_interval_s=poll_interval_s,
    )
