"""SmolLM2-135M-Instruct end to end: dequantized once into the data folder, reloaded from the
float copy, served by a real miner, used by the validator as its reference; the miner that runs
it scores 1 and beats one that echoes."""

from __future__ import annotations

import asyncio
import time

import pytest

from evmtensor.protocol import ServerThread, StaticRegistry
from miner.backend import Prompt, SamplingKey, TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.service import MinerService
from neuron_helpers import echo_axon, one_torch_thread, signers, wait_ready
from validator.metagraph import Neuron, StaticMetagraph
from validator.neuron import Validator
from validator.scoring import TextGenerationTask
from validator.settings import ValidatorSettings
from validator.weights import MemoryWeightsSink

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _one_thread():
    """Under xdist each worker has one core: more threads only slow the other worker down."""
    with one_torch_thread():
        yield


def test_smollm2_miner_answers_coherently_and_scores_highest(tmp_path):
    cache = tmp_path / "models"
    first = TransformersBackend(cache_dir=cache, device="cpu")
    first.load()  # dequantizes the GGUF into cache/
    assert (cache / "SmolLM2-135M-Instruct.Q4_1-float" / "config.json").exists()
    answer = first.generate([Prompt((("user", "What is the capital of France?"),), 16)],
                            SamplingKey(), 0)[0].text
    assert "Paris" in answer

    keys = signers(3)
    callers = StaticRegistry.of(keys[0].address)
    reload_started = time.perf_counter()
    miner_backend = TransformersBackend(cache_dir=cache, device="cpu")
    good = MinerService(keys[1], callers, miner_backend, data_dir=None)
    servers = ServerThread([good.app(), echo_axon(keys[2], callers).app()]).start()
    try:
        wait_ready(servers.urls[0], timeout=120)
        assert good.backend.name == "SmolLM2-135M-Instruct.Q4_1"
        reload_s = time.perf_counter() - reload_started
        neurons = [Neuron(0, keys[0].address, None), Neuron(1, keys[1].address, servers.urls[0]),
                   Neuron(2, keys[2].address, servers.urls[1])]
        task = TextGenerationTask(first, MiniLMEmbedder(), max_tokens=16)
        validator = Validator(keys[0], StaticMetagraph(1, neurons), [task], MemoryWeightsSink(),
                              ValidatorSettings(data_dir=tmp_path / "v", timeout_s=60, seed=0))

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
    assert rewards[1] == pytest.approx(1.0, abs=1e-5)
    assert rewards[1] > rewards[2] + 0.05
    print(f"SmolLM2 reload from the float copy and ready: {reload_s:.1f} s")
