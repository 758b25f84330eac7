"""A model miner on a real uvicorn server: health before and after loading, signed generation,
dynamic batching of concurrent calls, expired requests dropped, Prometheus metrics."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from evmtensor.protocol import (
    TEXT_TASK,
    AxonTarget,
    Dendrite,
    ServerThread,
    StaticRegistry,
    TextRequest,
)
from evmtensor.protocol.registry import NeuronInfo
from miner.backend import Prompt, SamplingKey, TransformersBackend
from miner.service import MinerService
from miner.tasks import GENERATE_TASK, GenerateRequest
from neuron_helpers import signers, wait_ready


class GatedBackend(TransformersBackend):
    """The tiny model, whose load waits for the test to open a gate; records batch sizes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gate = threading.Event()
        self.batches: list[int] = []

    def load(self) -> None:
        self.gate.wait(30)
        super().load()

    def generate(self, prompts, key, seed):
        self.batches.append(len(prompts))
        return super().generate(prompts, key, seed)


@pytest.fixture(scope="module")
def miner(tiny_folder, tmp_path_factory):
    miner_key, validator = signers(2)
    backend = GatedBackend(tiny_folder, device="cpu")
    service = MinerService(miner_key, StaticRegistry.of(validator.address), backend,
                           data_dir=tmp_path_factory.mktemp("miner"), max_batch=8,
                           max_wait_s=0.05)
    server = ServerThread([service.app()]).start()
    yield server.url, AxonTarget(server.url, miner_key.address), validator, backend, service
    server.stop()


def _request(text: str, tokens: int = 8) -> GenerateRequest:
    return GenerateRequest(messages=[{"role": "user", "content": text}], max_tokens=tokens)


def _metrics(url: str) -> dict[str, float]:
    text = httpx.get(f"{url}/metrics", trust_env=False).text
    return {f"{s.name}{sorted(s.labels.items())}": s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_health_and_calls_wait_for_the_model(miner):
    url, target, validator, backend, _ = miner
    reply = httpx.get(f"{url}/health", trust_env=False)
    assert reply.status_code == 503 and reply.json() == {"status": "loading"}

    async def early():
        async with Dendrite(validator) as d:
            return await d.call(target, GENERATE_TASK, _request("hi"), timeout=5)

    result = asyncio.run(early())
    assert result.status == 429 and result.error.code == "OVERLOADED"
    assert "still loading" in str(result.error)
    backend.gate.set()
    wait_ready(url)
    assert httpx.get(f"{url}/health", trust_env=False).json()["status"] == "ready"


def test_signed_generation_equals_the_model_answer(miner):
    url, target, validator, backend, _ = miner
    wait_ready(url)

    async def go():
        async with Dendrite(validator) as d:
            gen = await d.call(target, GENERATE_TASK, _request("The quick brown fox", 6), timeout=10)
            txt = await d.call(target, TEXT_TASK, TextRequest(text="Hello"), timeout=10)
            return gen, txt

    gen, txt = asyncio.run(go())
    expected = backend.generate([Prompt((("user", "The quick brown fox"),), 6)], SamplingKey(), 0)
    assert gen.ok and gen.response.text == expected[0].text
    assert gen.response.completion_tokens == 6 and gen.response.model == backend.name
    assert txt.ok and txt.response.text


def test_concurrent_calls_share_one_generate(miner):
    url, target, validator, backend, _ = miner
    wait_ready(url)
    backend.batches.clear()
    prompts = [f"prompt number {i} about stake" for i in range(8)]

    async def go():
        async with Dendrite(validator) as d:
            return await asyncio.gather(*(d.call(target, GENERATE_TASK, _request(p), timeout=20)
                                          for p in prompts))

    results = asyncio.run(go())
    assert all(r.ok for r in results)
    assert sum(backend.batches) == 8 and max(backend.batches) > 1  # batched, nothing lost
    singles = backend.generate([Prompt((("user", prompts[3]),), 8)], SamplingKey(), 0)
    assert results[3].response.text == singles[0].text  # left padding changed nothing
    m = _metrics(url)
    assert m["miner_batch_size_count[]"] >= 1
    assert m["miner_requests_total[('outcome', 'ok'), ('route', 'generate')]"] >= 8
    assert m["miner_generated_tokens_total[]"] >= 64
    assert m["miner_queue_depth[]"] == 0 and m["miner_model_ready[]"] == 1


def test_a_request_past_its_timeout_is_dropped_from_the_batch(miner):
    url, target, validator, backend, service = miner
    wait_ready(url)
    backend.batches.clear()
    release = threading.Event()
    original = backend.generate

    def stalled(prompts, key, seed):  # hold the model thread so the next request must queue
        release.wait(10)
        return original(prompts, key, seed)

    backend.generate = stalled
    try:
        async def go():
            async with Dendrite(validator) as d:
                first = asyncio.create_task(d.call(target, GENERATE_TASK, _request("a"), timeout=20))
                await asyncio.sleep(0.3)
                late = await d.call(target, GENERATE_TASK, _request("b"), timeout=0.5)
                release.set()
                return await first, late

        first, late = asyncio.run(go())
    finally:
        backend.generate = original
    assert first.ok
    assert late.status == 504 and late.error.code == "TIMEOUT"
    assert backend.batches == [1]  # "b" never reached the model


def test_validators_only_refuses_registered_callers_without_a_permit(tiny_folder):
    """The proxy path of a copier: a registered miner (no permit) forwarding a validator's query
    gets 403 from a validators-only miner; the validator itself (permit) is answered."""
    miner_key, validator, copier = signers(3)
    registry = StaticRegistry.of(validator.address)
    registry.add(NeuronInfo(copier.address, 1, 0, False))
    service = MinerService(miner_key, registry, TransformersBackend(tiny_folder, device="cpu"),
                           data_dir=None, validators_only=True)
    server = ServerThread([service.app()]).start()
    try:
        wait_ready(server.url)
        target = AxonTarget(server.url, miner_key.address)

        async def call(signer):
            async with Dendrite(signer) as d:
                return await d.call(target, GENERATE_TASK, _request("hi", 2), timeout=10)

        refused, answered = asyncio.run(call(copier)), asyncio.run(call(validator))
    finally:
        server.stop()
    assert refused.status == 403 and refused.error.code == "BLACKLISTED"
    assert "no validator permit" in str(refused.error)
    assert answered.ok and answered.response.text
