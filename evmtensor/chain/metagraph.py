"""A subnet's neurons read from the chain: MetagraphViews pages pinned to one block.

``metagraph_loader(client, netuid)`` returns ``load(block) -> list[NeuronInfo]``, paging through
``MetagraphViews.metagraph(netuid, start, count)`` at that block (so a snapshot is never a mix
of two blocks). ``chain_registry(client, netuid)`` wraps it in the protocol's block-cached
registry, which stays chain-agnostic: it only gets the loader and a block source injected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from evmtensor.chain.client import ChainClient
from evmtensor.protocol.registry import BlockCachedRegistry, NeuronInfo

__all__ = ["chain_registry", "metagraph_loader", "metagraph_page"]

log = logging.getLogger(__name__)


def metagraph_page(client: ChainClient, netuid: int, start: int, count: int, block="latest"):
    """One ``MetagraphViews.metagraph`` page as a Record (fields named by the ABI)."""
    return client.view("MetagraphViews", "metagraph", netuid, start, count, block=block)


def metagraph_loader(client: ChainClient, netuid: int, *, page_size: int = 256
                     ) -> Callable[[int], list[NeuronInfo]]:
    """A loader reading every UID of ``netuid`` at a given block."""

    def load(block: int) -> list[NeuronInfo]:
        neurons: list[NeuronInfo] = []
        start, total = 0, None
        while total is None or start < total:
            page = metagraph_page(client, netuid, start, page_size, block)
            total = int(page.n)
            for i, hotkey in enumerate(page.hotkeys):
                neurons.append(NeuronInfo(hotkey=hotkey, uid=start + i, stake=int(page.alphaStake[i]),
                                          validator_permit=bool(page.validatorPermit[i])))
            if not page.hotkeys:
                break
            start += len(page.hotkeys)
        log.debug("metagraph of subnet %s at block %s: %s neurons", netuid, block, len(neurons))
        return neurons

    return load


def chain_registry(client: ChainClient, netuid: int, *, refresh_blocks: int = 1,
                   poll_interval_s: float = 2.0) -> BlockCachedRegistry:
    """A registry of ``netuid``'s neurons from the chain, reloaded when blocks advance."""
    return BlockCachedRegistry(client.block_number, metagraph_loader(client, netuid),
                               refresh_blocks=refresh_blocks, poll_interval_s=poll_interval_s)
