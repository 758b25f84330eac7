"""A real dendrite against real axons: success, fan-out, and refusal of forged responses."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from evmtensor.protocol import (
    TEXT_TASK,
    AxonRefused,
    AxonTarget,
    AxonUnreachable,
    Dendrite,
    ResponseUnverified,
    Signer,
    TextRequest,
    serve_in_thread,
)
from evmtensor.protocol import canonical as c
from evmtensor.protocol._transport import LeanTransport
from evmtensor.protocol.crypto import keccak
from protocol_helpers import UPPER_TASK, Keys, Running, make_axon


def _target(running: Running, keys: Keys) -> AxonTarget:
    return AxonTarget(running.url, keys.miner.address)


async def _call(keys: Keys, target: AxonTarget, task=TEXT_TASK, text="hi", **kw):
    async with Dendrite(keys.validator, **kw) as d:
        return await d.call(target, task, TextRequest(text=text))


def test_a_verified_response_comes_back(fresh: Running, keys: Keys):
    result = asyncio.run(_call(keys, _target(fresh, keys), UPPER_TASK, "shout"))
    assert result.ok and result.unwrap().text == "SHOUT" and result.status == 200
    assert result.process_ms is not None and result.elapsed_ms > 0


def test_refusals_arrive_verified_with_their_code(fresh: Running, keys: Keys):
    async def go():
        async with Dendrite(keys.stranger) as d:
            return await d.call(_target(fresh, keys), TEXT_TASK, TextRequest(text="x"))

    result = asyncio.run(go())
    assert isinstance(result.error, AxonRefused)
    assert (result.status, result.error.code) == (403, "UNKNOWN_CALLER")
    with pytest.raises(AxonRefused):
        result.unwrap()
    assert fresh.calls == []


def test_fan_out_keeps_order_and_isolates_failures(fresh: Running, keys: Keys):
    dead = AxonTarget("http://127.0.0.1:9", keys.miner.address)  # discard port: nobody listens
    targets = [_target(fresh, keys), dead, _target(fresh, keys)]

    async def go():
        async with Dendrite(keys.validator) as d:
            return await d.query(targets, TEXT_TASK, TextRequest(text="fan"), timeout=2)

    results = asyncio.run(go())
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, AxonUnreachable)
    assert fresh.calls == ["fan", "fan"]


def test_an_axon_with_another_hotkey_is_not_trusted(fresh: Running, keys: Keys):
    impostor = AxonTarget(fresh.url, keys.stranger.address)  # we expect a different miner
    result = asyncio.run(_call(keys, impostor))
    assert isinstance(result.error, ResponseUnverified)  # its WRONG_TARGET reply is not signed by the expected key
    assert fresh.calls == []


def _resign(reply: httpx.Response, request: httpx.Request, signer: Signer) -> str:
    rid = bytes.fromhex(reply.headers[c.H_REQUEST_ID][2:])
    digest = c.response_digest(rid, reply.status_code, keccak(reply.content))
    return "0x" + signer.sign(digest).hex()


FORGERIES = {
    "body changed": lambda r, q, k: (b'{"text":"forged"}', dict(r.headers)),
    "signature removed": lambda r, q, k: (
        r.content, {n: v for n, v in r.headers.items() if n != c.H_SIGNATURE}),
    "signature empty": lambda r, q, k: (r.content, {**r.headers, c.H_SIGNATURE: ""}),
    "signature flipped": lambda r, q, k: (r.content, {
        **r.headers, c.H_SIGNATURE: r.headers[c.H_SIGNATURE][:-4] + "0000"}),
    "signed by another key": lambda r, q, k: (
        r.content, {**r.headers, c.H_SIGNATURE: _resign(r, q, k.stranger)}),
    "status changed": lambda r, q, k: (r.content, dict(r.headers), 201),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_responses_are_failures(fresh: Running, keys: Keys, forgery: str):
    real = LeanTransport()

    async def man_in_the_middle(request: httpx.Request) -> httpx.Response:
        reply = await real.handle_async_request(request)
        await reply.aread()
        forged = FORGERIES[forgery](reply, request, keys)
        content, headers = forged[0], forged[1]
        status = forged[2] if len(forged) > 2 else reply.status_code
        headers = {n: v for n, v in headers.items() if n.lower() != "content-length"}
        return httpx.Response(status, headers=headers, content=content)

    client = httpx.AsyncClient(transport=httpx.MockTransport(man_in_the_middle))
    result = asyncio.run(_call(keys, _target(fresh, keys), client=client))
    assert isinstance(result.error, ResponseUnverified), result
    assert result.response is None
    assert fresh.calls == ["hi"]  # the miner did the work; the validator refused the answer


def test_the_dendrite_never_skips_a_signature_check_on_success(keys: Keys, tmp_path):
    # a server that answers 200 with a valid body but no signature at all
    async def plain(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"text": "hi"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(plain))
    target = AxonTarget("http://127.0.0.1:1", keys.miner.address)
    result = asyncio.run(_call(keys, target, client=client))
    assert isinstance(result.error, ResponseUnverified)


def test_keep_alive_survives_the_axon_closing_idle_connections(keys: Keys, tmp_path):
    axon = make_axon(keys, tmp_path, [])
    server = serve_in_thread(axon.app(), timeout_keep_alive=0.1)
    target = AxonTarget(server.url, keys.miner.address)

    async def go():
        async with Dendrite(keys.validator) as d:
            first = await d.call(target, TEXT_TASK, TextRequest(text="a"))
            await asyncio.sleep(0.4)  # the axon closes the idle keep-alive connection
            return first, await d.call(target, TEXT_TASK, TextRequest(text="b"))

    try:
        first, second = asyncio.run(go())
    finally:
        server.stop()
    assert first.ok and second.ok, second.error


def test_a_call_timeout_longer_than_the_default_is_honoured(fresh: Running, keys: Keys):
    async def go():
        async with Dendrite(keys.validator, timeout=0.3) as d:  # default shorter than the work
            return await d.call(_target(fresh, keys), TEXT_TASK, TextRequest(text="sleep:0.8"),
                                timeout=5)

    result = asyncio.run(go())
    assert result.ok, result.error
