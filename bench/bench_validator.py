"""Benchmark the validator: a round over 16 and 64 miners, and the gateway's added latency.

    .venv/bin/python bench/bench_validator.py [--rounds 5]

Rounds: real uvicorn axons (one server thread per 16) answering the generate task with a canned
sentence each, so the figure is the validator's own cost: signing and sending the queries,
verifying the answers, its reference generation (the tiny GPT-2) and the MiniLM embeddings of
every answer, the rewards and the persisted score update. Prints p50 round time and answers
scored per second.

Gateway: a tiny-GPT-2 miner called directly through the dendrite, then through the validator's
OpenAI-compatible gateway with the `openai` client (top 1 miner): p50 of each and the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import openai

from evmtensor.protocol import (
    Axon,
    AxonTarget,
    CallContext,
    Dendrite,
    ServerThread,
    Signer,
    StaticRegistry,
)
from miner.backend import TransformersBackend
from miner.embedding import MiniLMEmbedder
from miner.service import MinerService
from miner.tasks import GENERATE_TASK, GenerateRequest, GenerateResponse
from miner.tiny import build_tiny_gpt2
from validator.metagraph import Neuron, StaticMetagraph
from validator.neuron import Validator
from validator.scoring import TextGenerationTask
from validator.settings import ValidatorSettings
from validator.weights import MemoryWeightsSink

SENTENCES = ["Validators score miners by comparing answers.", "The sky is blue because of "
             "Rayleigh scattering.", "Hash functions index tables, sign messages and check "
             "files.", "Plants turn sunlight into sugar."]


def _canned_axon(signer: Signer, callers: StaticRegistry, i: int) -> Axon:
    text = f"{SENTENCES[i % len(SENTENCES)]} (miner {i})"

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        return GenerateResponse(text=text, completion_tokens=12)

    return Axon(signer, callers, data_dir=None).attach(GENERATE_TASK, handle)


def _validator(key: Signer, neurons: list[Neuron], task: TextGenerationTask, data: Path,
               **extra) -> Validator:
    settings = ValidatorSettings(data_dir=data, sample_size=len(neurons), timeout_s=30, seed=0,
                                 **extra)
    return Validator(key, StaticMetagraph(1, neurons), [task], MemoryWeightsSink(), settings)


def bench_rounds(task: TextGenerationTask, n: int, rounds: int, data: Path) -> tuple[float, float]:
    key = Signer(os.urandom(32))
    callers = StaticRegistry.of(key.address)
    miners = [Signer(os.urandom(32)) for _ in range(n)]
    groups = [list(range(i, min(i + 16, n))) for i in range(0, n, 16)]
    servers = [ServerThread([_canned_axon(miners[i], callers, i).app() for i in g]).start()
               for g in groups]
    urls = [u for s in servers for u in s.urls]
    neurons = [Neuron(i + 1, m.address, urls[i]) for i, m in enumerate(miners)]
    validator = _validator(key, neurons, task, data)

    async def run() -> list[float]:
        await validator.open()
        try:
            await validator.run_round()  # warm-up: connections, first embedding
            return [(await validator.run_round()).seconds for _ in range(rounds)]
        finally:
            await validator.close()

    try:
        times = asyncio.run(run())
    finally:
        for s in servers:
            s.stop()
    p50 = statistics.median(times)
    return p50, n / p50


def bench_gateway(task: TextGenerationTask, tiny: Path, calls: int, data: Path) -> tuple[float, float]:
    key, miner_key = Signer(os.urandom(32)), Signer(os.urandom(32))
    callers = StaticRegistry.of(key.address)
    good = MinerService(miner_key, callers, TransformersBackend(tiny, device="cpu"), data_dir=None)
    miner = ServerThread([good.app()]).start()
    while not good.ready.is_set():
        time.sleep(0.05)
    neurons = [Neuron(1, miner_key.address, miner.url)]
    validator = _validator(key, neurons, task, data, gateway_top_k=1, round_interval_s=3600,
                           weights_interval_s=3600)
    gateway = ServerThread([validator.app(schedule=False)]).start(timeout=120)
    messages = [{"role": "user", "content": "Hello there"}]
    request = GenerateRequest(messages=messages, max_tokens=16)

    async def direct() -> list[float]:
        async with Dendrite(key) as d:
            out = []
            for _ in range(calls + 1):
                started = time.perf_counter()
                (await d.call(AxonTarget(miner.url, miner_key.address), GENERATE_TASK,
                              request)).unwrap()
                out.append(time.perf_counter() - started)
            return out[1:]

    try:
        direct_s = asyncio.run(direct())
        client = openai.OpenAI(base_url=f"{gateway.url}/v1", api_key="x", max_retries=0,
                               http_client=httpx.Client(trust_env=False))
        via = []
        for _ in range(calls + 1):
            started = time.perf_counter()
            client.chat.completions.create(model="m", messages=messages, max_tokens=16)
            via.append(time.perf_counter() - started)
        client.close()
    finally:
        gateway.stop()
        miner.stop()
    return statistics.median(direct_s), statistics.median(via[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(1)  # tiny models: one thread is fastest on shared cores
    with tempfile.TemporaryDirectory() as tmp:
        tiny = build_tiny_gpt2(Path(tmp) / "tiny")
        task = TextGenerationTask(TransformersBackend(tiny, device="cpu"), MiniLMEmbedder(),
                                  max_tokens=16)
        task.load()
        print(f"{'miners':>6} {'p50 round s':>12} {'answers scored/s':>17}")
        for n in (16, 64):
            p50, rate = bench_rounds(task, n, args.rounds, Path(tmp) / f"v{n}")
            print(f"{n:>6} {p50:>12.3f} {rate:>17.1f}")
        direct, via = bench_gateway(task, tiny, args.calls, Path(tmp) / "gw")
    load = os.getloadavg()
    print(f"\ngateway: direct miner call p50 {direct * 1000:.1f} ms, through the gateway "
          f"(openai client) p50 {via * 1000:.1f} ms, added {(via - direct) * 1000:.1f} ms")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
