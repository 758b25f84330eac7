"""Replay protection across restarts, abandoned slow handlers, and a loop that never blocks."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from evmtensor.protocol import (
    TEXT_TASK,
    Axon,
    BlockCachedRegistry,
    NeuronInfo,
    AxonTarget,
    CallContext,
    CallTimeout,
    Dendrite,
    Task,
    TextRequest,
    TextResponse,
    serve_in_thread,
)
from protocol_helpers import UPPER_TASK, Keys, make_axon, sign_request


def test_a_replay_after_the_axon_restarts_is_refused(keys: Keys, tmp_path):
    headers, body = sign_request(keys.validator, keys.miner)
    first_calls: list[str] = []
    with serve_in_thread(make_axon(keys, tmp_path, first_calls).app()) as server:
        assert httpx.post(f"{server.url}/text", content=body, headers=headers).status_code == 200
    assert first_calls == ["hello"]

    calls: list[str] = []
    with serve_in_thread(make_axon(keys, tmp_path, calls).app()) as server:
        replay = httpx.post(f"{server.url}/text", content=body, headers=headers)
        fresh_headers, _ = sign_request(keys.validator, keys.miner)
        fresh = httpx.post(f"{server.url}/text", content=body, headers=fresh_headers)
    assert replay.status_code == 401 and replay.json()["error"] == "NONCE_REPLAY"
    assert fresh.status_code == 200
    assert calls == ["hello"]  # only the fresh request ran


def test_a_slow_handler_is_abandoned_and_its_result_discarded(keys: Keys, tmp_path):
    calls: list[str] = []
    with serve_in_thread(make_axon(keys, tmp_path, calls).app()) as server:
        target = AxonTarget(server.url, keys.miner.address)

        async def go():
            async with Dendrite(keys.validator) as d:
                started = time.monotonic()
                result = await d.call(target, TEXT_TASK, TextRequest(text="sleep:0.8"), timeout=0.3)
                return result, time.monotonic() - started

        result, waited = asyncio.run(go())
        time.sleep(0.7)  # let the abandoned thread finish: its result must go nowhere
    assert isinstance(result.error, CallTimeout) and result.status == 504
    assert result.error.code == "TIMEOUT"
    assert waited < 0.6
    assert calls == ["sleep:0.8", "finished sleep:0.8"]


def test_an_async_handler_past_its_timeout_is_cancelled(keys: Keys, tmp_path):
    axon = make_axon(keys, None, [])
    seen: dict[str, object] = {}

    async def slow(request: TextRequest, ctx: CallContext) -> TextResponse:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            seen["cancelled"] = True
            raise
        return TextResponse(text="too late")

    axon.attach(Task("slow", TextRequest, TextResponse), slow)
    with serve_in_thread(axon.app()) as server:
        headers, body = sign_request(keys.validator, keys.miner, route="slow", timeout_ms=200)
        reply = httpx.post(f"{server.url}/slow", content=body, headers=headers, timeout=5)
    assert reply.status_code == 504 and seen == {"cancelled": True}


def test_a_sync_handler_sees_cancellation_through_its_context(keys: Keys):
    axon = make_axon(keys, None, [])
    flags: list[bool] = []

    def cooperative(request: TextRequest, ctx: CallContext) -> TextResponse:
        flags.append(ctx.cancelled.wait(2.0))  # returns True as soon as the axon gives up
        return TextResponse(text="x")

    axon.attach(Task("coop", TextRequest, TextResponse), cooperative)
    with serve_in_thread(axon.app()) as server:
        headers, body = sign_request(keys.validator, keys.miner, route="coop", timeout_ms=200)
        started = time.monotonic()
        reply = httpx.post(f"{server.url}/coop", content=body, headers=headers, timeout=5)
        while not flags and time.monotonic() - started < 3:
            time.sleep(0.01)
    assert reply.status_code == 504 and flags == [True]


def test_the_event_loop_serves_others_while_a_sync_handler_works(keys: Keys):
    calls: list[str] = []
    with serve_in_thread(make_axon(keys, None, calls).app()) as server:
        target = AxonTarget(server.url, keys.miner.address)

        async def go():
            async with Dendrite(keys.validator) as d:
                slow = asyncio.create_task(
                    d.call(target, TEXT_TASK, TextRequest(text="sleep:0.6"), timeout=3)
                )
                await asyncio.sleep(0.1)
                started = time.monotonic()
                quick = await d.call(target, UPPER_TASK, TextRequest(text="q"))
                return quick, time.monotonic() - started, await slow

        quick, quick_s, slow = asyncio.run(go())
    assert quick.ok and slow.ok
    assert quick_s < 0.3, f"the quick call waited {quick_s:.2f} s behind the slow handler"
    assert threading.active_count() < 40


def test_the_axon_refreshes_a_block_cached_registry(keys: Keys):
    block = [1]

    def loader(at: int) -> list[NeuronInfo]:
        return [NeuronInfo(keys.validator.address, 0, stake=1)] if at >= 2 else []

    registry = BlockCachedRegistry(lambda: block[0], loader, poll_interval_s=0.02)
    axon = Axon(keys.miner, registry, data_dir=None)
    axon.attach(UPPER_TASK, lambda request, ctx: TextResponse(text=request.text.upper()))
    with serve_in_thread(axon.app()) as server:
        headers, body = sign_request(keys.validator, keys.miner, route="upper")
        time.sleep(0.1)
        before = httpx.post(f"{server.url}/upper", content=body, headers=headers)
        block[0] = 2  # the validator registers on chain
        deadline = time.monotonic() + 3
        while registry.loaded_block != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        headers, body = sign_request(keys.validator, keys.miner, route="upper")
        after = httpx.post(f"{server.url}/upper", content=body, headers=headers)
    assert before.status_code == 403 and after.status_code == 200
