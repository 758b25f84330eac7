"""The second task type through the same validator: embeddings served by a real miner (MiniLM)
score 1, vectors of the wrong size or for the wrong texts score 0 or less."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from evmtensor.protocol import Axon, CallContext, ServerThread, StaticRegistry
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.service import MinerService
from miner.tasks import EMBED_TASK, EmbedRequest, EmbedResponse
from miner.tiny import build_tiny_gpt2
from neuron_helpers import one_torch_thread, signers, wait_ready
from validator.metagraph import Neuron, StaticMetagraph
from validator.neuron import Validator
from validator.scoring import EmbeddingTask
from validator.settings import ValidatorSettings
from validator.weights import MemoryWeightsSink

GOOD, SHORT, SHIFTED = 1, 2, 3


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


def _short_axon(signer, callers):
    async def handle(request: EmbedRequest, ctx: CallContext) -> EmbedResponse:
        return EmbedResponse(embeddings=[[1.0, 0.0, 0.0] for _ in request.texts])

    return Axon(signer, callers, data_dir=None).attach(EMBED_TASK, handle)


def _shifted_axon(signer, callers, embedder):
    """Embeds each text but answers for the next one (right size, wrong vectors)."""

    async def handle(request: EmbedRequest, ctx: CallContext) -> EmbedResponse:
        vectors = embedder.embed(request.texts)
        return EmbedResponse(embeddings=np.roll(vectors, 1, axis=0).tolist())

    return Axon(signer, callers, data_dir=None).attach(EMBED_TASK, handle)


def test_embedding_task_rewards_agreement_with_the_validators_vectors(tmp_path_factory):
    keys = signers(4)
    callers = StaticRegistry.of(keys[0].address)
    miner_embedder = MiniLMEmbedder()
    miner_embedder.load()
    tiny = build_tiny_gpt2(tmp_path_factory.mktemp("tiny"))
    good = MinerService(keys[GOOD], callers, TransformersBackend(tiny, device="cpu"),
                        data_dir=None, embedder=MiniLMEmbedder())
    servers = ServerThread([good.app(), _short_axon(keys[SHORT], callers).app(),
                            _shifted_axon(keys[SHIFTED], callers, miner_embedder).app()]).start()
    try:
        wait_ready(servers.urls[0])
        neurons = [Neuron(0, keys[0].address, None)] + [
            Neuron(uid, keys[uid].address, servers.urls[uid - 1]) for uid in (1, 2, 3)]
        validator = Validator(keys[0], StaticMetagraph(1, neurons), [EmbeddingTask(MiniLMEmbedder())],
                              MemoryWeightsSink(),
                              ValidatorSettings(data_dir=tmp_path_factory.mktemp("v"), seed=2))

        async def scenario():
            await validator.open()
            try:
                return await validator.run_round()
            finally:
                await validator.close()

        report = asyncio.run(scenario())
    finally:
        servers.stop()
    rewards = dict(zip(report.uids, report.rewards))
    assert report.task == "embed"
    assert rewards[GOOD] == pytest.approx(1.0, abs=1e-5)
    assert rewards[SHORT] == 0.0  # 3-d vectors for a 384-d task are invalid
    assert rewards[SHIFTED] < 0.7  # MiniLM puts unrelated sentences far apart
