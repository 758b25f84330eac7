"""The signed messages: EIP-712 compatible, one encoding per signature, both crypto backends."""

from __future__ import annotations

import os

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from evmtensor.protocol import Signer, SignatureInvalid, recover_address
from evmtensor.protocol import canonical as c
from evmtensor.protocol import crypto
from evmtensor.protocol.crypto import keccak

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DOMAIN = {"name": c.DOMAIN_NAME, "version": c.DOMAIN_VERSION}
REQUEST_TYPES = {
    "Request": [
        {"name": "version", "type": "uint16"},
        {"name": "route", "type": "string"},
        {"name": "caller", "type": "address"},
        {"name": "target", "type": "address"},
        {"name": "nonce", "type": "uint64"},
        {"name": "timestampMs", "type": "uint64"},
        {"name": "timeoutMs", "type": "uint32"},
        {"name": "bodyHash", "type": "bytes32"},
    ]
}


def _envelope(caller: Signer, target: Signer) -> c.SignedRequest:
    return c.SignedRequest(1, "text", caller.address_bytes, target.address_bytes,
                           2**64 - 1, 1_700_000_000_000, 12_000, keccak(b'{"text":"hi"}'))


def test_request_digest_is_standard_eip712_and_eth_account_signatures_verify():
    account = Account.create()
    caller, target = Signer(bytes(account.key)), Signer(os.urandom(32))
    env = _envelope(caller, target)
    message = {
        "version": env.version, "route": env.route, "caller": caller.address,
        "target": target.address, "nonce": env.nonce, "timestampMs": env.timestamp_ms,
        "timeoutMs": env.timeout_ms, "bodyHash": env.body_hash,
    }
    signed = Account.sign_typed_data(account.key, DOMAIN, REQUEST_TYPES, message)
    assert bytes(signed.message_hash) == env.digest()
    assert recover_address(env.digest(), bytes(signed.signature)) == caller.address_bytes


def test_response_digest_is_standard_eip712():
    types = {"Response": [{"name": "requestId", "type": "bytes32"},
                          {"name": "status", "type": "uint16"},
                          {"name": "bodyHash", "type": "bytes32"}]}
    rid, body_hash = os.urandom(32), os.urandom(32)
    encoded = encode_typed_data(DOMAIN, types, {"requestId": rid, "status": 200, "bodyHash": body_hash})
    account = Account.create()
    expected = Account.sign_message(encoded, account.key).message_hash
    assert bytes(expected) == c.response_digest(rid, 200, body_hash)


def test_every_signed_field_changes_the_digest():
    a, b = Signer(os.urandom(32)), Signer(os.urandom(32))
    env = _envelope(a, b)
    variants = [
        c.SignedRequest(2, *[getattr(env, f) for f in env.__slots__[1:]]),
        c.SignedRequest(1, "upper", *[getattr(env, f) for f in env.__slots__[2:]]),
    ]
    fields = {"caller": b.address_bytes, "target": a.address_bytes, "nonce": 1,
              "timestamp_ms": 1, "timeout_ms": 1, "body_hash": bytes(32)}
    for name, value in fields.items():
        values = {f: getattr(env, f) for f in env.__slots__}
        values[name] = value
        variants.append(c.SignedRequest(**values))
    digests = {v.digest() for v in variants}
    assert len(digests) == len(variants) and env.digest() not in digests


def test_high_s_and_malformed_signatures_are_refused():
    signer, digest = Signer(os.urandom(32)), os.urandom(32)
    sig = signer.sign(digest)
    assert recover_address(digest, sig) == signer.address_bytes
    s = int.from_bytes(sig[32:64], "big")
    malleated = sig[:32] + (_N - s).to_bytes(32, "big") + bytes((55 - sig[64],))
    for bad in (malleated, b"", sig[:64], sig[:64] + b"\x05", bytes(65)):
        with pytest.raises(SignatureInvalid):
            recover_address(digest, bad)


def test_pure_python_fallback_agrees_with_coincurve(monkeypatch):
    key, digest = os.urandom(32), os.urandom(32)
    fast = Signer(key)
    fast_sig = fast.sign(digest)
    monkeypatch.setattr(crypto, "_coincurve", None)
    slow = Signer(key)
    assert slow.address == fast.address
    assert recover_address(digest, fast_sig) == fast.address_bytes
    assert recover_address(digest, slow.sign(digest)) == fast.address_bytes


def test_signer_repr_hides_the_key():
    key = os.urandom(32)
    assert key.hex() not in repr(Signer(key))
