"""A hostile relay against the validator's RelayClient: whatever it answers (a flood, a trickle,
gzip, JSON of the wrong shape, a huge message), the call ends within its timeout as a RelayError
with bounded memory, never another exception or a hang."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oracle.relay.client import MAX_RESPONSE_BYTES, RelayClient, RelayError


def _send(handler, status: int, body: bytes, **headers) -> None:
    handler.send_response(status)
    for k, v in {"content-type": "application/json", "content-length": str(len(body)), **headers}.items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


def _flood(h):  # no length, then more bytes than the cap
    h.send_response(200)
    h.end_headers()
    chunk = b"[" + b"1," * 32_768
    for _ in range(MAX_RESPONSE_BYTES // len(chunk) + 4):
        h.wfile.write(chunk)


def _trickle(h):
    h.send_response(200)
    h.send_header("content-length", "1000")
    h.end_headers()
    for _ in range(1000):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def _gzip_bomb(h):
    _send(h, 200, gzip.compress(b"[" + b"0," * 5_000_000 + b"0]"), **{"content-encoding": "gzip"})


BEHAVIOURS = {
    "flood": (_flood, "RelayResponseTooLarge"),
    "trickle": (_trickle, "RelayTooSlow"),
    "gzip bomb": (_gzip_bomb, "RelayBadResponse"),
    "not json": (lambda h: _send(h, 200, b"\xff\xfe<html>"), "RelayBadResponse"),
    "a list as a refusal": (lambda h: _send(h, 400, b"[1, 2]"), "HTTP400"),
    "detail of another type": (lambda h: _send(h, 409, b'{"detail": 7}'), "RelayBadRequest"),
    "error names of other types": (lambda h: _send(h, 403, b'{"detail": {"error": [1], "message": {"a": 1}}}'), "[1]"),
    "a huge message": (lambda h: _send(h, 429, json.dumps({"detail": {"error": "E" * 10_000,
                                                                      "message": "m" * 500_000}}).encode()), "E" * 100),
}


@pytest.fixture(scope="module")
def hostile():
    """A relay at the URL yielded that answers every request as ``Handler.behaviour`` says."""

    class Handler(BaseHTTPRequestHandler):
        behaviour = "flood"

        def do_GET(self):
            BEHAVIOURS[self.behaviour][0](self)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # the client hanging up on a flood or a trickle is the point

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler
    server.shutdown()


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_hostile_answer_is_a_relay_error_within_the_timeout(hostile, behaviour):
    url, handler = hostile
    handler.behaviour = behaviour
    with RelayClient(url, timeout=2.0, connect_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(RelayError) as exc:
            client.health()
        elapsed = time.monotonic() - started
    assert exc.value.error == BEHAVIOURS[behaviour][1], exc.value
    assert len(exc.value.error) <= 100 and len(exc.value.message) <= 500
    assert elapsed < 2.0 + 1.0  # the whole call, not each read, is bounded
