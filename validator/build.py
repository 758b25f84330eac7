"""Assemble a validator from settings: its models, its tasks, its metagraph source and sink.

``python -m validator --deployment ... --netuid N`` runs `build_validator` and serves
`Validator.app()` (rounds, weights and the gateway). The generator is the settings' model
(SmolLM2 by default, its float copy kept under ``data_dir/models``); both tasks share one
all-MiniLM-L6-v2 embedder.

With a relay (``--relay-url`` / ``VALIDATOR_RELAY_URL``) the weights go to it
(``RelayWeightsSink``) and `epoch_job` attests every epoch through it; without one they are
appended to a JSON-lines file and no epoch is attested.
"""

from __future__ import annotations

from pathlib import Path

from typing import Any

from evmtensor.chain.client import ChainClient
from evmtensor.protocol import Signer
from oracle.epoch.job import EpochJob
from oracle.relay.client import RelayClient, RelayWeightsSink
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from validator.metagraph import ChainMetagraph, MetagraphSource
from validator.neuron import Validator
from validator.scoring import EmbeddingTask, TextGenerationTask, ValidatorTask
from validator.settings import ValidatorSettings
from validator.weights import FileWeightsSink, WeightsSink

__all__ = ["build_validator", "chain_metagraph", "default_tasks", "epoch_job", "weights_sink"]


def default_tasks(settings: ValidatorSettings) -> list[ValidatorTask]:
    """Text generation (scored against our own answer) and, if enabled, embeddings."""
    embedder = MiniLMEmbedder()
    generator = TransformersBackend(settings.model, cache_dir=settings.data_dir / "models",
                                    device=settings.device)
    tasks: list[ValidatorTask] = [TextGenerationTask(generator, embedder)]
    if settings.embedding_task:
        tasks.append(EmbeddingTask(embedder))
    return tasks


def chain_metagraph(client: ChainClient, settings: ValidatorSettings) -> ChainMetagraph:
    """The subnet of `settings.netuid` on `client`'s chain (``ChainClient.connect`` raises a
    ChainError if the deployment is not there)."""
    return ChainMetagraph(client, settings.netuid, max_weight_limit=settings.max_weight_limit)


def weights_sink(settings: ValidatorSettings, relay: RelayClient | None = None) -> WeightsSink:
    """The relay's sink when there is a relay, else a JSON-lines file in the data folder."""
    if relay is not None:
        return RelayWeightsSink(relay)
    return FileWeightsSink(settings.data_dir / f"weights-netuid{settings.netuid}.jsonl")


def epoch_job(client: ChainClient, settings: ValidatorSettings, hotkey: Any, relay: RelayClient) -> EpochJob:
    """The validator's epoch duty: open the epoch when due, sign its result, post the attestation
    to the relay (which settles once a quorum signed).

    ``hotkey`` (a LocalAccount) signs and also pays ``openEpoch``'s gas: it is the one key a
    running validator holds (its coldkey stays offline), so on a devnet fund the hotkey; anyone
    may open an epoch, and when another validator opened it first the job only attests."""
    return EpochJob(client, settings.netuid, hotkey, hotkey,
                    post=lambda result, _snap, att: relay.post_attestation(result, att))


def build_validator(signer: Signer, source: MetagraphSource, settings: ValidatorSettings,
                    sink: WeightsSink | None = None) -> Validator:
    """A validator with the default tasks; weights go to `sink` (default: `weights_sink`)."""
    sink = sink or weights_sink(settings)
    return Validator(signer, source, default_tasks(settings), sink, settings)
