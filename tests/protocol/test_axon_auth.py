"""The axon refuses every tampered, replayed, stale or unauthorised request before any work.

Each test sends raw HTTP to a real uvicorn axon on 127.0.0.1 and checks the status, the
refusal code and that the handler never ran.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from evmtensor.protocol import canonical as c
from evmtensor.protocol.crypto import keccak

from protocol_helpers import Keys, Running, now_ms, sign_request

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _refused(reply, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.json()["error"] == code, reply.text
    assert reply.headers[c.H_SIGNATURE].startswith("0x")


def test_a_good_request_is_served_and_signed(fresh: Running, signed, keys: Keys):
    headers, body = signed()
    reply = fresh.post("text", body, headers)
    assert reply.status_code == 200 and reply.json() == {"text": "hello"}
    assert fresh.calls == ["hello"]
    assert float(reply.headers[c.H_PROCESS_MS]) >= 0


def _flip_hex(value: str) -> str:
    raw = bytearray(bytes.fromhex(value[2:]))
    raw[5] ^= 0x01
    return "0x" + raw.hex()


def _high_s(signature: str) -> str:
    sig = bytes.fromhex(signature[2:])
    s = int.from_bytes(sig[32:64], "big")
    return "0x" + (sig[:32] + (_N - s).to_bytes(32, "big") + bytes((55 - sig[64],))).hex()


TAMPERS: dict[str, tuple[Callable[[dict, bytes, Keys], tuple[str, dict, bytes]], int, str]] = {
    "body": (lambda h, b, k: ("text", h, b'{"text":"HELLO"}'), 401, "BODY_MISMATCH"),
    "body and its hash header": (
        lambda h, b, k: ("text", {**h, c.H_BODY_HASH: "0x" + keccak(b'{"text":"HELLO"}').hex()},
                         b'{"text":"HELLO"}'), 401, "BAD_SIGNATURE"),
    "body hash header": (lambda h, b, k: ("text", {**h, c.H_BODY_HASH: "0x" + "00" * 32}, b),
                         401, "BAD_SIGNATURE"),
    "body hash header missing": (
        lambda h, b, k: ("text", {n: v for n, v in h.items() if n != c.H_BODY_HASH}, b),
        401, "MISSING_HEADER"),
    "route": (lambda h, b, k: ("upper", h, b), 401, "BAD_SIGNATURE"),
    "caller hotkey": (
        lambda h, b, k: ("text", {**h, c.H_CALLER: k.other_validator.address}, b),
        401, "BAD_SIGNATURE"),
    "target hotkey": (
        lambda h, b, k: ("text", {**h, c.H_TARGET: k.stranger.address}, b), 401, "WRONG_TARGET"),
    "nonce": (lambda h, b, k: ("text", {**h, c.H_NONCE: str(int(h[c.H_NONCE]) ^ 1)}, b),
              401, "BAD_SIGNATURE"),
    "timestamp": (
        lambda h, b, k: ("text", {**h, c.H_TIMESTAMP: str(int(h[c.H_TIMESTAMP]) - 1)}, b),
        401, "BAD_SIGNATURE"),
    "timeout": (lambda h, b, k: ("text", {**h, c.H_TIMEOUT: "60000"}, b), 401, "BAD_SIGNATURE"),
    "version": (lambda h, b, k: ("text", {**h, c.H_VERSION: "2"}, b), 426, "UNSUPPORTED_VERSION"),
    "signature bit": (
        lambda h, b, k: ("text", {**h, c.H_SIGNATURE: _flip_hex(h[c.H_SIGNATURE])}, b),
        401, "BAD_SIGNATURE"),
    "signature high-s twin": (
        lambda h, b, k: ("text", {**h, c.H_SIGNATURE: _high_s(h[c.H_SIGNATURE])}, b),
        401, "BAD_SIGNATURE"),
    "empty signature": (lambda h, b, k: ("text", {**h, c.H_SIGNATURE: ""}, b),
                        401, "MISSING_HEADER"),
    "0x signature": (lambda h, b, k: ("text", {**h, c.H_SIGNATURE: "0x"}, b), 401, "BAD_HEADER"),
    "no signature": (
        lambda h, b, k: ("text", {n: v for n, v in h.items() if n != c.H_SIGNATURE}, b),
        401, "MISSING_HEADER"),
    "no headers at all": (lambda h, b, k: ("text", {}, b), 401, "MISSING_HEADER"),
    "garbage nonce": (lambda h, b, k: ("text", {**h, c.H_NONCE: "-1"}, b), 401, "BAD_HEADER"),
    "superscript digit nonce": (lambda h, b, k: ("text", {**h, c.H_NONCE: b"\xb2"}, b),
                                401, "BAD_HEADER"),  # '\xb2'.isdigit() but int() fails
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
def test_tampering_is_refused_before_the_handler(fresh: Running, signed, keys: Keys, what: str):
    tamper, status, code = TAMPERS[what]
    headers, body = signed()
    route, headers, body = tamper(headers, body, keys)
    _refused(fresh.post(route, body, headers), status, code)
    assert fresh.calls == []


def test_a_signature_by_another_key_is_refused(fresh: Running, keys: Keys):
    headers, body = sign_request(keys.stranger, keys.miner)
    headers[c.H_CALLER] = keys.validator.address  # claims to be the validator
    _refused(fresh.post("text", body, headers), 401, "BAD_SIGNATURE")
    assert fresh.calls == []


def test_an_unregistered_caller_is_forbidden(fresh: Running, keys: Keys):
    headers, body = sign_request(keys.stranger, keys.miner)
    reply = fresh.post("text", body, headers)
    _refused(reply, 403, "UNKNOWN_CALLER")
    assert keys.stranger.address in reply.json()["reason"]
    assert fresh.calls == []


def test_the_blacklist_runs_after_verification(fresh: Running, keys: Keys):
    headers, body = sign_request(keys.banned, keys.miner)
    _refused(fresh.post("text", body, headers), 403, "BLACKLISTED")
    headers, body = sign_request(keys.banned, keys.miner, route="upper")  # no blacklist there
    assert fresh.post("upper", body, headers).status_code == 200
    assert fresh.calls == ["upper hello"]


def test_a_replayed_request_is_refused_with_the_reason(fresh: Running, signed):
    headers, body = signed()
    assert fresh.post("text", body, headers).status_code == 200
    reply = fresh.post("text", body, headers)
    _refused(reply, 401, "NONCE_REPLAY")
    assert "already used" in reply.json()["reason"]
    assert fresh.calls == ["hello"]


def test_a_stale_request_is_refused_with_the_server_time(fresh: Running, signed):
    headers, body = signed(timestamp_ms=now_ms() - 60_000)
    reply = fresh.post("text", body, headers)
    _refused(reply, 401, "NONCE_STALE")
    assert abs(reply.json()["server_time_ms"] - now_ms()) < 5_000
    assert "60." in reply.json()["reason"] or "59." in reply.json()["reason"]
    assert fresh.calls == []


def test_a_request_from_the_future_is_refused_with_a_clock_hint(fresh: Running, signed):
    headers, body = signed(timestamp_ms=now_ms() + 30_000)
    reply = fresh.post("text", body, headers)
    _refused(reply, 401, "CLOCK_SKEW")
    assert "NTP" in reply.json()["reason"] and c.H_SERVER_TIME in reply.headers
    assert fresh.calls == []


def test_an_unknown_version_gets_426_and_the_supported_list(fresh: Running, signed):
    headers, body = signed(version=7)
    reply = fresh.post("text", body, headers)
    _refused(reply, 426, "UNSUPPORTED_VERSION")
    assert reply.headers[c.H_SUPPORTED] == "1"


def test_a_well_signed_but_invalid_body_gets_422_with_a_reason(fresh: Running, signed):
    for body in (b'{"txt": "x"}', b"not json", b'{"text": 5}'):
        headers, body = signed(body=body)
        reply = fresh.post("text", body, headers)
        _refused(reply, 422, "INVALID_BODY")
        assert reply.json()["reason"]
    assert fresh.calls == []


def test_unknown_routes_get_404(fresh: Running, signed):
    headers, body = signed(route="nope")
    _refused(fresh.post("nope", body, headers), 404, "UNKNOWN_ROUTE")


def test_oversized_bodies_get_413(fresh: Running, signed):
    body = b'{"text":"' + b"x" * (17 * 1024 * 1024) + b'"}'
    headers, body = signed(body=body)
    _refused(fresh.post("text", body, headers), 413, "BODY_TOO_LARGE")
    assert fresh.calls == []


def test_describe_route_lists_the_tasks(running: Running, keys: Keys):
    info = running.http.get(running.url + "/").json()
    assert info["hotkey"] == keys.miner.address and info["routes"] == ["text", "upper"]


def test_nonces_are_per_caller(fresh: Running, keys: Keys):
    nonce = int.from_bytes(os.urandom(8), "big")
    for caller in (keys.validator, keys.other_validator):
        headers, body = sign_request(caller, keys.miner, nonce=nonce)
        assert fresh.post("text", body, headers).status_code == 200
