"""A hostile caller cannot hurt an axon: every attack gets a 4xx (never a 5xx, a hang or a
traceback), is bounded in time, and the axon keeps serving honest callers right after.

Attacks go over raw sockets to a real uvicorn axon on 127.0.0.1, with tight limits so that
deadlines expire quickly.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from evmtensor.protocol import (
    AxonTarget,
    Dendrite,
    Task,
    TextRequest,
    TextResponse,
    serve_in_thread,
)
from evmtensor.protocol import canonical as c
from evmtensor.protocol._guard import ConnectionLimits
from evmtensor.protocol.crypto import keccak, recover_address
from protocol_helpers import Keys, Running, make_axon, sign_request

pytestmark = pytest.mark.timeout(60)

TINY = Task("tiny", TextRequest, TextResponse, max_request_bytes=1000)
LIMITS = ConnectionLimits(head_timeout_s=0.5, max_connections=24, max_connections_per_ip=16)


@pytest.fixture(scope="module")
def guarded(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    calls: list[str] = []
    axon = make_axon(keys, tmp_path_factory.mktemp("guarded"), calls, body_timeout_s=0.5,
                     connections=LIMITS)
    axon.attach(TINY, lambda request, ctx: TextResponse(text=request.text))
    with serve_in_thread(axon.app()) as server, httpx.Client(trust_env=False) as http:
        yield Running(server, axon, calls, http)


def _still_serves(running: Running, keys: Keys) -> None:
    headers, body = sign_request(keys.validator, keys.miner)
    reply = running.post("text", body, headers)
    assert reply.status_code == 200, reply.text


def _connect(running: Running) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", running.server.ports[0]), timeout=5)
    return sock


def _read_reply(sock: socket.socket) -> bytes:
    """Head and body (by content-length) of one reply, or what came before the socket closed."""
    data = b""
    while b"\r\n\r\n" not in data or len(data) < _reply_size(data):
        part = sock.recv(65536)
        if not part:
            break
        data += part
    return data


def _reply_size(data: bytes) -> int:
    head, _, _ = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(head) + 4 + int(line.split(b":")[1])
    return len(head) + 4


def _head(route: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST /{route} HTTP/1.1", "host: 127.0.0.1", f"content-length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize(
    "header", [c.H_NONCE, c.H_TIMESTAMP, c.H_TIMEOUT, c.H_VERSION, c.H_CALLER, c.H_BODY_HASH,
               c.H_SIGNATURE, "content-length"],
)
def test_a_5000_digit_header_gets_a_4xx(guarded: Running, keys: Keys, header: str):
    headers, body = sign_request(keys.validator, keys.miner)
    headers[header] = "9" * 5000
    raw = _head("text", {k: v for k, v in headers.items()}, len(body))
    if header == "content-length":
        raw = raw.replace(f"content-length: {len(body)}\r\n".encode(), b"", 1)
    with _connect(guarded) as sock:
        sock.sendall(raw + body)
        status = int(_read_reply(sock).split(b" ", 2)[1])
    assert 400 <= status < 500, status
    _still_serves(guarded, keys)


def test_a_request_head_that_trickles_in_is_cut_off(guarded: Running, keys: Keys):
    with _connect(guarded) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /text HTTP/1.1\r\nhost: x\r\n")
        try:
            for _ in range(40):  # a header line every 0.1 s, never finishing
                sock.sendall(b"x-slow: 1\r\n")
                time.sleep(0.1)
        except OSError:
            pass
        reply = _read_reply(sock)
        took = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408") and took < 3, (reply, took)
    _still_serves(guarded, keys)


def test_idle_sockets_cannot_exhaust_the_axon(guarded: Running, keys: Keys):
    idle = [_connect(guarded) for _ in range(3 * LIMITS.max_connections)]
    try:
        async def go():
            async with Dendrite(keys.validator) as d:
                target = AxonTarget(guarded.url, keys.miner.address)
                return await d.query([target] * 4, TINY, TextRequest(text="hi"), timeout=3)

        results = asyncio.run(go())
        assert all(r.ok for r in results), results
    finally:
        for sock in idle:
            sock.close()


def test_the_body_is_not_read_before_the_caller_is_known(guarded: Running, keys: Keys):
    headers, _ = sign_request(keys.stranger, keys.miner, body=b"x" * 10_000_000)
    with _connect(guarded) as sock:
        sock.sendall(_head("text", headers, 10_000_000))  # not one byte of the 10 MB body
        reply = _read_reply(sock)
    assert reply.startswith(b"HTTP/1.1 403"), reply
    assert b"UNKNOWN_CALLER" in reply or b"connection: close" in reply
    _still_serves(guarded, keys)


def test_a_body_that_trickles_in_gets_408(guarded: Running, keys: Keys):
    headers, body = sign_request(keys.validator, keys.miner, route="tiny",
                                 body=b'{"text":"trickle"}')
    with _connect(guarded) as sock:
        started = time.monotonic()
        sock.sendall(_head("tiny", headers, len(body)) + body[:3])
        reply = _read_reply(sock)
        took = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408") and b"connection: close" in reply, reply
    assert took < 3
    assert "trickle" not in guarded.calls
    _still_serves(guarded, keys)


def test_the_body_cap_is_per_route(guarded: Running, keys: Keys):
    small = b'{"text":"' + b"y" * 900 + b'"}'
    big = b'{"text":"' + b"y" * 1000 + b'"}'
    headers, body = sign_request(keys.validator, keys.miner, route="tiny", body=big)
    reply = guarded.post("tiny", body, headers)
    assert reply.status_code == 413 and reply.json()["error"] == "BODY_TOO_LARGE"
    headers, body = sign_request(keys.validator, keys.miner, route="tiny", body=small)
    assert guarded.post("tiny", body, headers).status_code == 200
    headers, body = sign_request(keys.validator, keys.miner, route="text", body=big)
    assert guarded.post("text", body, headers).status_code == 200  # the text route allows more


REFUSALS_AFTER_THE_HEADERS = {
    "wrong target": (lambda k: sign_request(k.validator, k.stranger), 401, "WRONG_TARGET"),
    "stale": (lambda k: sign_request(k.validator, k.miner, timestamp_ms=1), 401, "NONCE_STALE"),
    "unknown caller": (lambda k: sign_request(k.stranger, k.miner), 403, "UNKNOWN_CALLER"),
    "blacklisted": (lambda k: sign_request(k.banned, k.miner), 403, "BLACKLISTED"),
    "bad body": (lambda k: sign_request(k.validator, k.miner, body=b"{}"), 422, "INVALID_BODY"),
}


@pytest.mark.parametrize("what", sorted(REFUSALS_AFTER_THE_HEADERS))
def test_refusals_after_the_headers_are_bound_to_the_request(guarded: Running, keys: Keys,
                                                             what: str):
    build, status, code = REFUSALS_AFTER_THE_HEADERS[what]
    headers, body = build(keys)
    reply = guarded.post("text", body, headers)
    assert (reply.status_code, reply.json()["error"]) == (status, code)
    envelope, _ = c.parse_request_headers(headers, "text")
    assert reply.headers[c.H_REQUEST_ID] == "0x" + envelope.digest().hex()
    digest = c.response_digest(envelope.digest(), status, keccak(reply.content))
    signature = bytes.fromhex(reply.headers[c.H_SIGNATURE][2:])
    assert recover_address(digest, signature) == keys.miner.address_bytes


def test_a_replay_is_refused_before_its_body_is_read(guarded: Running, keys: Keys):
    headers, body = sign_request(keys.validator, keys.miner)
    assert guarded.post("text", body, headers).status_code == 200
    with _connect(guarded) as sock:
        sock.sendall(_head("text", headers, len(body)))  # the body never comes
        reply = _read_reply(sock)
    assert reply.startswith(b"HTTP/1.1 401") and b"NONCE_REPLAY" in reply, reply


@pytest.mark.parametrize("garbage", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64,  # a TLS hello
    b"GET / HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n",
    b"POST /text HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n-5\r\nxx\r\n",
    b"POST /text HTTP/1.1\r\nhost: x\r\n" + b"x-a: " + b"a" * 70_000 + b"\r\n\r\n",
])
def test_garbage_gets_400_and_the_axon_keeps_serving(guarded: Running, keys: Keys, garbage: bytes):
    with _connect(guarded) as sock:
        sock.sendall(garbage)
        reply = _read_reply(sock)
    assert reply == b"" or 400 <= int(reply.split(b" ", 2)[1]) < 500, reply
    _still_serves(guarded, keys)


def test_refusal_logs_are_rate_limited(guarded: Running, keys: Keys, caplog):
    caplog.set_level("INFO", logger="evmtensor.protocol.axon")
    started = time.monotonic()
    for _ in range(200):
        headers, body = sign_request(keys.stranger, keys.miner)
        assert guarded.post("text", body, headers).status_code == 403
    elapsed = time.monotonic() - started
    refused = [r for r in caplog.records if r.getMessage().startswith("refused")]
    # a bucket of 10 lines refilled at 10 a second, however long the 200 refusals took
    assert 1 <= len(refused) <= 10 + 10 * elapsed + 2, (len(refused), elapsed)
    if len(refused) < 200:
        assert any("suppressed" in r.getMessage() for r in refused)
