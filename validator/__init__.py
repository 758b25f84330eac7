"""The validator neuron: a dendrite querying axons with the simple text task.

`query_axons` is what ``python -m validator --axon ...`` runs once. The running validator lives
in the modules: `neuron` (rounds, scores, weights on apscheduler), `scoring` (task types and
their rewards), `rewards` (pure numpy), `scores` (persisted moving average), `weights` (u16
weights, EIP-712 signing, sinks), `metagraph` (sources), `gateway` (OpenAI-compatible API),
`build` (assembly from settings).
"""

from __future__ import annotations

import logging

from evmtensor.protocol import TEXT_TASK, AxonTarget, CallResult, Dendrite, Signer, TextRequest

__all__ = ["parse_target", "query_axons"]

log = logging.getLogger(__name__)


def parse_target(spec: str) -> AxonTarget:
    """``http://host:port@0xHotkey`` -> AxonTarget (the hotkey must sign the axon's replies)."""
    url, sep, hotkey = spec.rpartition("@")
    if not sep or not url.startswith("http") or not hotkey.startswith("0x") or len(hotkey) != 42:
        raise ValueError(f"expected URL@0xHOTKEY, got {spec!r}")
    return AxonTarget(url.rstrip("/"), hotkey)


async def query_axons(
    signer: Signer, targets: list[AxonTarget], text: str, timeout: float
) -> list[CallResult]:
    """Send `text` to every target at once; verified results in target order."""
    async with Dendrite(signer, timeout=timeout) as dendrite:
        return await dendrite.query(targets, TEXT_TASK, TextRequest(text=text))
