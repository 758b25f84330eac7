"""Assemble a validator from settings: its models, its tasks, its metagraph source and sink.

``python -m validator --deployment ... --netuid N`` runs `build_validator` and serves
`Validator.app()` (rounds, weights and the gateway). The generator is the settings' model
(SmolLM2 by default, its float copy kept under ``data_dir/models``); both tasks share one
all-MiniLM-L6-v2 embedder.
"""

from __future__ import annotations

from pathlib import Path

from evmtensor.chain.client import ChainClient
from evmtensor.protocol import Signer
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from validator.metagraph import ChainMetagraph, MetagraphSource
from validator.neuron import Validator
from validator.scoring import EmbeddingTask, TextGenerationTask, ValidatorTask
from validator.settings import ValidatorSettings
from validator.weights import FileWeightsSink, WeightsSink

__all__ = ["build_validator", "chain_metagraph", "default_tasks"]


def default_tasks(settings: ValidatorSettings) -> list[ValidatorTask]:
    """Text generation (scored against our own answer) and, if enabled, embeddings."""
    embedder = MiniLMEmbedder()
    generator = TransformersBackend(settings.model, cache_dir=settings.data_dir / "models",
                                    device=settings.device)
    tasks: list[ValidatorTask] = [TextGenerationTask(generator, embedder)]
    if settings.embedding_task:
        tasks.append(EmbeddingTask(embedder))
    return tasks


def chain_metagraph(rpc_url: str, deployment: Path, settings: ValidatorSettings) -> ChainMetagraph:
    """The subnet of `settings.netuid` on the chain at `rpc_url` (raises a ChainError if the
    deployment is not there)."""
    client = ChainClient.connect(rpc_url, deployment)
    return ChainMetagraph(client, settings.netuid, max_weight_limit=settings.max_weight_limit)


def build_validator(signer: Signer, source: MetagraphSource, settings: ValidatorSettings,
                    sink: WeightsSink | None = None) -> Validator:
    """A validator with the default tasks; weights go to `sink` (default: a JSON-lines file in
    the data folder, until the relay's client exists)."""
    sink = sink or FileWeightsSink(settings.data_dir / f"weights-netuid{settings.netuid}.jsonl")
    return Validator(signer, source, default_tasks(settings), sink, settings)
