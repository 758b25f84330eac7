"""Helpers for protocol tests: keys, an axon with recording handlers, signed request builders."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evmtensor.protocol import (
    TEXT_TASK,
    Axon,
    AxonSettings,
    CallContext,
    NeuronInfo,
    ServerThread,
    Signer,
    StaticRegistry,
    Task,
    TextRequest,
    TextResponse,
)
from evmtensor.protocol import canonical as c
from evmtensor.protocol.crypto import keccak

UPPER_TASK = Task("upper", TextRequest, TextResponse)


@dataclass
class Keys:
    miner: Signer = field(default_factory=lambda: Signer(os.urandom(32)))
    validator: Signer = field(default_factory=lambda: Signer(os.urandom(32)))
    other_validator: Signer = field(default_factory=lambda: Signer(os.urandom(32)))
    stranger: Signer = field(default_factory=lambda: Signer(os.urandom(32)))
    banned: Signer = field(default_factory=lambda: Signer(os.urandom(32)))


@dataclass
class Running:
    """A served axon plus a log of every handler call it made."""

    server: ServerThread
    axon: Axon
    calls: list[str]
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, route: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(f"{self.url}/{route}", content=body, headers=headers)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sign_request(
    caller: Signer,
    target: Signer | bytes,
    route: str = "text",
    body: bytes = b'{"text":"hello"}',
    *,
    nonce: int | None = None,
    timestamp_ms: int | None = None,
    timeout_ms: int = 5_000,
    version: int = c.PROTOCOL_VERSION,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a correctly signed request (tests then tamper with them)."""
    envelope = c.SignedRequest(
        version=version,
        route=route,
        caller=caller.address_bytes,
        target=target if isinstance(target, bytes) else target.address_bytes,
        nonce=int.from_bytes(os.urandom(8), "big") if nonce is None else nonce,
        timestamp_ms=now_ms() if timestamp_ms is None else timestamp_ms,
        timeout_ms=timeout_ms,
        body_hash=keccak(body),
    )
    headers = envelope.headers(caller.sign(envelope.digest()))
    headers["content-type"] = "application/json"
    return headers, body


def make_registry(keys: Keys) -> StaticRegistry:
    return StaticRegistry(
        [
            NeuronInfo(keys.validator.address, 0, stake=5_000, validator_permit=True),
            NeuronInfo(keys.other_validator.address, 1, stake=10, validator_permit=True),
            NeuronInfo(keys.banned.address, 2, stake=1, validator_permit=False),
        ]
    )


def make_axon(keys: Keys, data_dir: Path | None, calls: list[str], **settings: Any) -> Axon:
    axon = Axon(keys.miner, make_registry(keys), data_dir=data_dir, settings=AxonSettings(**settings))

    def echo(request: TextRequest, ctx: CallContext) -> TextResponse:
        calls.append(request.text)
        if request.text.startswith("sleep:"):
            time.sleep(float(request.text.split(":")[1]))
            calls.append("finished " + request.text)
        return TextResponse(text=request.text)

    async def upper(request: TextRequest, ctx: CallContext) -> TextResponse:
        calls.append("upper " + request.text)
        return TextResponse(text=request.text.upper())

    def blacklist(neuron: NeuronInfo, route: str) -> str | None:
        return "banned for the test" if neuron.hotkey == keys.banned.address else None

    axon.attach(TEXT_TASK, echo, blacklist=blacklist)
    axon.attach(UPPER_TASK, upper)
    return axon
