"""A man in the middle replays a genuine, correctly signed old answer to a new request.

The interceptor is a real uvicorn server between the dendrite and a real axon: it relays the
first request and records the axon's signed answer, then answers every later request with that
recording instead of asking the axon. The answer is genuine (the miner's hotkey signed it), so
only its binding to the request it answered can make the dendrite refuse it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evmtensor.protocol import (
    TEXT_TASK,
    AxonTarget,
    CallTimeout,
    Dendrite,
    ResponseUnverified,
    TextRequest,
    serve_in_thread,
)
from protocol_helpers import Keys, Running

_HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "date", "server"}


@dataclass
class Recorder:
    """Relays to `upstream` until it holds one answer, then replays that answer forever."""

    upstream: str
    recorded: tuple[int, list[tuple[str, str]], bytes] | None = None
    relayed: list[bytes] = field(default_factory=list)
    replayed: int = 0

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        if self.recorded is None:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
                reply = await client.post(f"{self.upstream}{request.url.path}", content=body, headers=headers)
            kept = [(k, v) for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP]
            self.recorded = (reply.status_code, kept, reply.content)
            self.relayed.append(body)
        else:
            self.replayed += 1
        status, headers, content = self.recorded
        return Response(content=content, status_code=status, headers=dict(headers))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{route:path}", self.handle, methods=["POST"])])


@pytest.fixture
def interceptor(fresh: Running):
    recorder = Recorder(fresh.url)
    server = serve_in_thread(recorder.app())
    try:
        yield recorder, server.url
    finally:
        server.stop()


async def _two_calls(keys: Keys, url: str, first: str, second: str, timeout: float | None = None):
    target = AxonTarget(url, keys.miner.address)
    async with Dendrite(keys.validator, grace=3.0) as d:  # room for the extra hop on a busy machine
        a = await d.call(target, TEXT_TASK, TextRequest(text=first), timeout=timeout)
        b = await d.call(target, TEXT_TASK, TextRequest(text=second))
    return a, b


@pytest.mark.parametrize("second", ["hello", "something else"])
def test_an_old_signed_answer_replayed_for_a_new_request_is_refused(fresh: Running, keys: Keys, interceptor, second):
    recorder, url = interceptor
    first, replayed = asyncio.run(_two_calls(keys, url, "hello", second))
    # The relayed answer is genuine and accepted: the interceptor itself changes nothing.
    assert first.ok and first.unwrap().text == "hello"
    # The same bytes, signed by the right hotkey, now answer a request they were not made for.
    assert recorder.replayed == 1
    assert isinstance(replayed.error, ResponseUnverified), replayed
    assert replayed.response is None and replayed.status == 200
    assert fresh.calls == ["hello"]  # the miner only ever answered the first request


def test_an_old_signed_timeout_replayed_for_a_new_request_is_not_a_timeout(fresh: Running, keys: Keys, interceptor):
    """A recorded 504 must not let an interceptor make a miner look slow on later requests."""
    recorder, url = interceptor
    first, replayed = asyncio.run(_two_calls(keys, url, "sleep:0.6", "quick", timeout=0.2))
    assert isinstance(first.error, CallTimeout) and first.status == 504  # genuine and signed
    assert recorder.replayed == 1
    assert isinstance(replayed.error, ResponseUnverified), replayed
    assert "quick" not in fresh.calls
