"""A hostile miner cannot freeze, crash or exhaust a validator.

Each attack is a real malicious server on 127.0.0.1 sending the bytes an attacker would, queried
in the same round as a real honest axon: the honest answer must come back, the hostile one must
be a failed `CallResult` (never an exception), within the timeout, in bounded memory.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import time
import tracemalloc

import httpx
import pytest

from evmtensor.protocol import (
    TEXT_TASK,
    AxonTarget,
    AxonUnreachable,
    CallTimeout,
    Dendrite,
    ResponseInvalid,
    ResponseUnverified,
    Signer,
    Task,
    TextRequest,
    TextResponse,
)
from evmtensor.protocol._transport import LeanTransport
from hostile import HostileServer, read_request, request_id, signed_head
from protocol_helpers import Keys, Running

pytestmark = pytest.mark.timeout(60)

EVIL = Signer(os.urandom(32))
BODY = b'{"text":"hi"}'
SMALL = Task("text", TextRequest, TextResponse, max_response_bytes=64 * 1024)
TIMEOUT = 1.0
FOREVER = 30


async def _answer(r, w, body: bytes = BODY, *, extra: str = "", framing: str | None = None):
    route, headers, _ = await read_request(r)
    w.write(signed_head(EVIL, request_id(route, headers), body, extra=extra, framing=framing))
    return route, headers


async def negative_chunk(r, w):
    await _answer(r, w, framing="transfer-encoding: chunked\r\n")
    w.write(b"-5\r\nhello\r\n")
    await asyncio.sleep(FOREVER)


async def gzip_that_is_not(r, w):
    await _answer(r, w, extra="content-encoding: gzip\r\n")
    w.write(BODY)
    await asyncio.sleep(FOREVER)


BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB in ~64 KB


async def gzip_bomb(r, w):
    await _answer(r, w, BOMB[:60_000], extra="content-encoding: gzip\r\n")
    w.write(BOMB[:60_000])
    await asyncio.sleep(FOREVER)


async def huge_declared(r, w):
    route, headers, _ = await read_request(r)
    w.write(signed_head(EVIL, request_id(route, headers), BODY,
                        framing="content-length: 200000000\r\n"))
    for _ in range(1000):
        w.write(b"\0" * 65536)
        await w.drain()


async def endless_chunks(r, w):
    await _answer(r, w, framing="transfer-encoding: chunked\r\n")
    while True:
        w.write(b"10000\r\n" + b"a" * 0x10000 + b"\r\n")
        await w.drain()


async def tiny_chunks(r, w):
    await _answer(r, w, framing="transfer-encoding: chunked\r\n")
    while True:
        w.write(b"1\r\nx\r\n" * 2000)
        await w.drain()
        await asyncio.sleep(0)


async def slow_drip(r, w):
    route, headers, _ = await read_request(r)
    for byte in signed_head(EVIL, request_id(route, headers), BODY) + BODY:
        w.write(bytes((byte,)))
        await w.drain()
        await asyncio.sleep(0.05)


async def header_flood(r, w):
    await read_request(r)
    w.write(b"HTTP/1.1 200 OK\r\n")
    while True:
        w.write(b"x-filler: " + b"a" * 1000 + b"\r\n")
        await w.drain()


async def not_http(r, w):
    await read_request(r)
    w.write(b"\x00\xff\xfe garbage \r\n\r\n" * 10)
    await asyncio.sleep(FOREVER)


async def closes_mid_body(r, w):
    await _answer(r, w, framing="content-length: 100\r\n")
    w.write(b'{"text":')
    await w.drain()


async def silent(r, w):
    await read_request(r)
    await asyncio.sleep(FOREVER)


ATTACKS = {
    "negative chunk size": (negative_chunk, (ResponseInvalid, AxonUnreachable)),
    "content-encoding gzip that is not gzip": (gzip_that_is_not, (ResponseInvalid,)),
    "gzip bomb": (gzip_bomb, (ResponseInvalid,)),
    "200 MB announced": (huge_declared, (ResponseInvalid,)),
    "endless chunked body": (endless_chunks, (ResponseInvalid,)),
    "many tiny chunks": (tiny_chunks, (ResponseInvalid, CallTimeout)),
    "one byte every 50 ms": (slow_drip, (CallTimeout,)),
    "endless headers": (header_flood, (ResponseInvalid, AxonUnreachable)),
    "not HTTP at all": (not_http, (ResponseInvalid, AxonUnreachable)),
    "closes mid-body": (closes_mid_body, (ResponseInvalid, AxonUnreachable)),
    "never answers": (silent, (CallTimeout,)),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_hostile_miner_fails_alone_quickly_in_bounded_memory(
    fresh: Running, keys: Keys, attack: str
):
    serve, expected = ATTACKS[attack]
    honest = AxonTarget(fresh.url, keys.miner.address)

    async def round_trip(evil: AxonTarget):
        async with Dendrite(keys.validator) as d:
            started = time.monotonic()
            results = await d.query([honest, evil, honest], SMALL, TextRequest(text="hi"),
                                    timeout=TIMEOUT)
            return results, time.monotonic() - started

    with HostileServer(serve) as server:
        tracemalloc.start()
        try:
            results, took = asyncio.run(round_trip(AxonTarget(server.url, EVIL.address)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert results[0].ok and results[2].ok, results
    assert not results[1].ok and isinstance(results[1].error, expected), results[1]
    assert took < TIMEOUT + 2.0, f"the round took {took:.2f} s"
    assert peak < 16 * 1024 * 1024, f"peak memory {peak / 2**20:.1f} MiB"


def test_a_garbage_process_time_header_is_ignored_not_raised():
    async def serve(r, w):
        await _answer(r, w, extra="x-evmt-process-ms: " + "9" * 5000 + "e999\r\n")
        w.write(BODY)
        await asyncio.sleep(1)

    async def go(target: AxonTarget):
        async with Dendrite(Signer(os.urandom(32))) as d:
            return await d.call(target, TEXT_TASK, TextRequest(text="hi"), timeout=TIMEOUT)

    with HostileServer(serve) as server:
        result = asyncio.run(go(AxonTarget(server.url, EVIL.address)))
    assert result.ok and result.process_ms is None and result.unwrap().text == "hi"


def test_bytes_on_an_idle_pooled_connection_close_it():
    async def serve(r, w):
        await _answer(r, w)
        w.write(BODY)
        await w.drain()
        await asyncio.sleep(0.05)
        for _ in range(200):  # 200 MiB offered while the validator is not asking
            w.write(b"\0" * (1024 * 1024))
            await w.drain()
            await asyncio.sleep(0.005)

    async def go(target: AxonTarget):
        async with Dendrite(Signer(os.urandom(32))) as d:
            first = await d.call(target, TEXT_TASK, TextRequest(text="hi"), timeout=TIMEOUT)
            await asyncio.sleep(0.5)
            second = await d.call(target, TEXT_TASK, TextRequest(text="hi"), timeout=TIMEOUT)
            return first, second

    with HostileServer(serve) as server:
        tracemalloc.start()
        try:
            first, second = asyncio.run(go(AxonTarget(server.url, EVIL.address)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        time.sleep(0.2)
        connections, dropped = server.connections, server.closed_by_peer
    assert first.ok and second.ok, (first, second)
    assert connections == 2 and dropped >= 1  # the first connection was closed on the miner
    assert peak < 16 * 1024 * 1024, f"peak memory {peak / 2**20:.1f} MiB"


def _replaying_client(replay_from: int) -> httpx.AsyncClient:
    """A man in the middle that answers every request from `replay_from` on with the genuine
    reply the axon gave to the first request."""
    real, recorded, count = LeanTransport(), [], [0]

    async def handle(request: httpx.Request) -> httpx.Response:
        count[0] += 1
        if count[0] <= replay_from:
            reply = await real.handle_async_request(request)
            recorded.append((reply.status_code, dict(reply.headers), await reply.aread()))
        status, headers, content = recorded[0]
        headers = {n: v for n, v in headers.items() if n.lower() != "content-length"}
        return httpx.Response(status, headers=headers, content=content)

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


@pytest.mark.parametrize("caller", ["validator", "stranger"])  # an answer, a bound refusal
def test_a_genuine_old_reply_replayed_for_a_new_request_is_refused(
    fresh: Running, keys: Keys, caller: str
):
    target = AxonTarget(fresh.url, keys.miner.address)

    async def go():
        async with Dendrite(getattr(keys, caller), client=_replaying_client(1)) as d:
            first = await d.call(target, TEXT_TASK, TextRequest(text="a"))
            return first, await d.call(target, TEXT_TASK, TextRequest(text="a"))

    first, second = asyncio.run(go())
    assert first.ok if caller == "validator" else first.error.code == "UNKNOWN_CALLER"
    assert isinstance(second.error, ResponseUnverified), second
