"""The miner neuron: an axon serving the simple text task (a subnet swaps in its own tasks).

`build_axon` is what ``python -m miner`` runs without ``--model``; tests and devnets call it
directly. The model miner lives in the modules: `service` (axon + model loading, health,
metrics), `backend` (transformers, GGUF, 4-bit on CUDA), `batcher` (dynamic batching), `tasks`
(the generate and embed tasks), `embedding` (MiniLM), `onchain` (register and serve), `tiny`
(a tiny GPT-2 for tests and devnets).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from evmtensor.chain.client import ChainClient
from evmtensor.chain.metagraph import chain_registry
from evmtensor.protocol import (
    TEXT_TASK,
    Axon,
    AxonSettings,
    CallContext,
    NeuronInfo,
    Signer,
    StaticRegistry,
    TextRequest,
    TextResponse,
)
from evmtensor.protocol.registry import Registry

__all__ = ["build_axon", "chain_registry_for", "echo", "load_registry"]

log = logging.getLogger(__name__)


def echo(request: TextRequest, ctx: CallContext) -> TextResponse:
    """The simple task's reference handler: text in, the same text out."""
    return TextResponse(text=request.text)


def load_registry(allow: tuple[str, ...], registry_file: Path | None) -> StaticRegistry:
    """Callers from ``--allow`` hotkeys (uids in order, permit, no stake) and a JSON file of
    ``[{"hotkey", "uid", "stake", "validator_permit"}]``. The chain metagraph replaces this."""
    registry = StaticRegistry.of(*allow, permit=True)
    if registry_file is not None:
        for entry in json.loads(registry_file.read_text(encoding="utf-8")):
            registry.add(NeuronInfo(**entry))
    return registry


def chain_registry_for(deployment_file: Path, rpc_url: str, netuid: int) -> Registry:
    """The registered neurons of ``netuid`` read from the chain's MetagraphViews, refreshed as
    blocks advance.

    Raises:
        EvmTensorError: the endpoint is unreachable or the deployment is not on it.
    """
    return chain_registry(ChainClient.connect(rpc_url, deployment_file), netuid)


def build_axon(
    signer: Signer,
    registry: Registry,
    data_dir: Path,
    settings: AxonSettings | None = None,
) -> Axon:
    """An axon for `signer`'s hotkey serving `TEXT_TASK` with `echo`."""
    return Axon(signer, registry, data_dir=data_dir, settings=settings).attach(TEXT_TASK, echo)
