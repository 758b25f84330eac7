"""Helpers for miner, validator and neuron integration tests: keys, the miners we do not
control (echo, garbage, slow, copier) as real axons, and a model miner as a subprocess that a
test can kill.

Run as a script (``python tests/neuron_helpers.py KEYHEX CALLER_HOTKEY MODE``) it serves one such
miner on an ephemeral port and prints ``listening on 127.0.0.1:PORT`` on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from evmtensor.protocol import (
    Axon,
    AxonSettings,
    AxonTarget,
    CallContext,
    Dendrite,
    Signer,
    StaticRegistry,
)
from miner.tasks import GENERATE_TASK, GenerateRequest, GenerateResponse

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread; two threads on two busy cores thrash (20x)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def signers(n: int) -> list[Signer]:
    return [Signer(os.urandom(32)) for _ in range(n)]


def wait_ready(url: str, timeout: float = 60.0) -> None:
    """Poll ``GET /health`` until it says ready."""
    deadline = time.monotonic() + timeout
    with httpx.Client(trust_env=False) as http:
        while time.monotonic() < deadline:
            try:
                reply = http.get(f"{url}/health", timeout=2)
                if reply.status_code == 200 and reply.json()["status"] == "ready":
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise AssertionError(f"{url} never became ready")


def echo_axon(signer: Signer, callers: StaticRegistry) -> Axon:
    """Answers with the last message: no work done."""

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        return GenerateResponse(text=request.messages[-1].content)

    return Axon(signer, callers, data_dir=None).attach(GENERATE_TASK, handle)


def garbage_axon(signer: Signer, callers: StaticRegistry, seed: int = 7) -> Axon:
    """Answers with random letters."""
    rng = random.Random(seed)

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        words = ("".join(rng.choices(string.ascii_letters, k=rng.randint(3, 9)))
                 for _ in range(12))
        return GenerateResponse(text=" ".join(words))

    return Axon(signer, callers, data_dir=None).attach(GENERATE_TASK, handle)


def slow_axon(signer: Signer, callers: StaticRegistry, delay: float) -> Axon:
    """Answers well but after `delay` seconds (past the validator's timeout)."""

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        await asyncio.sleep(delay)
        return GenerateResponse(text="a late but fine answer")

    settings = AxonSettings(max_timeout_s=600)
    return Axon(signer, callers, data_dir=None, settings=settings).attach(GENERATE_TASK, handle)


def copier_axon(signer: Signer, callers: StaticRegistry, victim: AxonTarget) -> Axon:
    """Forwards the validator's request to `victim` (it is registered, so the victim answers it)
    and returns the victim's answer as its own."""

    async def handle(request: GenerateRequest, ctx: CallContext) -> GenerateResponse:
        async with Dendrite(signer) as dendrite:
            result = await dendrite.call(victim, GENERATE_TASK, request,
                                         timeout=max(0.1, ctx.remaining() - 0.2))
        # a relay costs at least a hop; make it larger than a loaded machine's scheduling noise,
        # which can delay the victim's answer to the validator behind its answer to us
        await asyncio.sleep(0.3)
        return GenerateResponse(text=result.unwrap().text)

    return Axon(signer, callers, data_dir=None).attach(GENERATE_TASK, handle)


def spawn_miner_process(signer_key: bytes, caller: str, mode: str, env: dict[str, str] | None = None
                        ) -> subprocess.Popen:
    """A miner in its own process (``mode``: ``slow``), for kill -9 tests."""
    return subprocess.Popen(
        [sys.executable, str(Path(__file__)), signer_key.hex(), caller, mode],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, **(env or {})},
    )


def _main() -> None:
    import logging

    from evmtensor.protocol import run_forever

    logging.basicConfig(level=logging.INFO)
    key, caller, mode = bytes.fromhex(sys.argv[1]), sys.argv[2], sys.argv[3]
    if mode != "slow":
        raise SystemExit(f"unknown mode {mode}")
    axon = slow_axon(Signer(key), StaticRegistry.of(caller), delay=30.0)
    run_forever(axon.app(), host="127.0.0.1", port=0, log_level="warning")


if __name__ == "__main__":
    _main()
