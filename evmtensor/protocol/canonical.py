"""The one definition of what is signed, and how it travels in HTTP headers.

Both messages are EIP-712 typed data under the domain ``EIP712Domain(string name,string
version)`` with name ``"EVMTensor Protocol"`` and version ``"1"`` (no chain id: the protocol is
off-chain and the target hotkey already pins the recipient)::

    Request(uint16 version,string route,address caller,address target,uint64 nonce,
            uint64 timestampMs,uint32 timeoutMs,bytes32 bodyHash)
    Response(bytes32 requestId,uint16 status,bytes32 bodyHash)

- ``bodyHash`` is keccak256 of the exact raw HTTP body bytes (request or response).
- ``requestId`` is the request's EIP-712 digest, so a response is bound to one request, hence to
  both hotkeys, the route and the nonce. ``status`` is the HTTP status, so a refusal cannot be
  passed off as a success or vice versa.
- The route is the URL path without its leading ``/``; it is not repeated in a header.

Request headers (all required): ``x-evmt-version``, ``x-evmt-caller``, ``x-evmt-target``
(0x addresses), ``x-evmt-nonce`` (random uint64), ``x-evmt-timestamp`` (unix ms),
``x-evmt-timeout`` (ms), ``x-evmt-body-hash`` (0x + keccak256 of the body) and
``x-evmt-signature`` (0x + 65 bytes r||s||v). The body hash travels in a header so that an axon
can check everything the signature covers, and who signed it, before it reads a byte of body:
a stranger cannot make it buffer one, and every refusal after the headers is bound to the
request id. The axon then checks the body it reads against the signed hash.
Response headers: ``x-evmt-request-id``, ``x-evmt-signature``, ``x-evmt-server-time`` (unix ms)
and ``x-evmt-process-ms``. Any Ethereum library's ``sign_typed_data`` produces the same digests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from evmtensor.protocol.crypto import address_bytes, keccak
from evmtensor.protocol.errors import Refusal, RefusalCode

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_SEPARATOR",
    "DOMAIN_VERSION",
    "H_BODY_HASH",
    "H_CALLER",
    "H_NONCE",
    "H_PROCESS_MS",
    "H_REQUEST_ID",
    "H_SERVER_TIME",
    "H_SIGNATURE",
    "H_SUPPORTED",
    "H_TARGET",
    "H_TIMEOUT",
    "H_TIMESTAMP",
    "H_VERSION",
    "PROTOCOL_VERSION",
    "REQUEST_TYPE",
    "RESPONSE_TYPE",
    "SUPPORTED_VERSIONS",
    "SignedRequest",
    "parse_request_headers",
    "parse_version",
    "response_digest",
]

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = frozenset({PROTOCOL_VERSION})
DOMAIN_NAME = "EVMTensor Protocol"
DOMAIN_VERSION = "1"
REQUEST_TYPE = (
    "Request(uint16 version,string route,address caller,address target,uint64 nonce,"
    "uint64 timestampMs,uint32 timeoutMs,bytes32 bodyHash)"
)
RESPONSE_TYPE = "Response(bytes32 requestId,uint16 status,bytes32 bodyHash)"

H_VERSION = "x-evmt-version"
H_CALLER = "x-evmt-caller"
H_TARGET = "x-evmt-target"
H_NONCE = "x-evmt-nonce"
H_TIMESTAMP = "x-evmt-timestamp"
H_TIMEOUT = "x-evmt-timeout"
H_SIGNATURE = "x-evmt-signature"
H_BODY_HASH = "x-evmt-body-hash"
H_REQUEST_ID = "x-evmt-request-id"
H_SERVER_TIME = "x-evmt-server-time"
H_PROCESS_MS = "x-evmt-process-ms"
H_SUPPORTED = "x-evmt-supported-versions"

DOMAIN_SEPARATOR = keccak(
    keccak(b"EIP712Domain(string name,string version)")
    + keccak(DOMAIN_NAME.encode())
    + keccak(DOMAIN_VERSION.encode())
)
_REQUEST_TYPEHASH = keccak(REQUEST_TYPE.encode())
_RESPONSE_TYPEHASH = keccak(RESPONSE_TYPE.encode())
_PAD12 = bytes(12)
_MAX = {"version": 2**16, "nonce": 2**64, "timestamp": 2**64, "timeout": 2**32}
_MAX_DIGITS = 20  # 2**64 has 20 digits; longer values are refused before int() sees them


@lru_cache(maxsize=1024)
def _route_hash(route: str) -> bytes:
    return keccak(route.encode("utf-8"))


def _eip712(struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + DOMAIN_SEPARATOR + struct_hash)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """Every field the caller's signature covers."""

    version: int
    route: str
    caller: bytes  # 20-byte address
    target: bytes  # 20-byte address
    nonce: int
    timestamp_ms: int
    timeout_ms: int
    body_hash: bytes  # keccak256(raw body)

    def digest(self) -> bytes:
        """The EIP-712 digest the caller signs; also the request id."""
        struct = b"".join(
            (
                _REQUEST_TYPEHASH,
                self.version.to_bytes(32, "big"),
                _route_hash(self.route),
                _PAD12 + self.caller,
                _PAD12 + self.target,
                self.nonce.to_bytes(32, "big"),
                self.timestamp_ms.to_bytes(32, "big"),
                self.timeout_ms.to_bytes(32, "big"),
                self.body_hash,
            )
        )
        return _eip712(keccak(struct))

    def headers(self, signature: bytes) -> dict[str, str]:
        """The request headers carrying this envelope and its signature."""
        return {
            H_VERSION: str(self.version),
            H_CALLER: "0x" + self.caller.hex(),
            H_TARGET: "0x" + self.target.hex(),
            H_NONCE: str(self.nonce),
            H_TIMESTAMP: str(self.timestamp_ms),
            H_TIMEOUT: str(self.timeout_ms),
            H_BODY_HASH: "0x" + self.body_hash.hex(),
            H_SIGNATURE: "0x" + signature.hex(),
        }


def response_digest(request_id: bytes, status: int, body_hash: bytes) -> bytes:
    """The EIP-712 digest a miner signs over its response."""
    struct = _RESPONSE_TYPEHASH + request_id + status.to_bytes(32, "big") + body_hash
    return _eip712(keccak(struct))


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise Refusal(401, RefusalCode.MISSING_HEADER, f"header {name} is missing or empty")
    return value


def _uint(headers: Mapping[str, str], name: str, kind: str) -> int:
    raw = _header(headers, name)
    if not (len(raw) <= _MAX_DIGITS and raw.isascii() and raw.isdigit()) or int(raw) >= _MAX[kind]:
        raise Refusal(401, RefusalCode.BAD_HEADER, f"header {name}={raw[:40]!r} is not a uint")
    return int(raw)


def _hex(headers: Mapping[str, str], name: str, size: int) -> bytes:
    raw = _header(headers, name)
    if len(raw) > 2 + 2 * size:
        raise Refusal(401, RefusalCode.BAD_HEADER, f"header {name} is not {size} hex bytes")
    try:
        value = address_bytes(raw) if size == 20 else bytes.fromhex(raw.removeprefix("0x"))
    except ValueError:
        value = b""
    if len(value) != size:
        raise Refusal(401, RefusalCode.BAD_HEADER, f"header {name} is not {size} hex bytes")
    return value


def parse_version(headers: Mapping[str, str]) -> int:
    """The protocol version; 401 when absent, 426 when this axon does not speak it."""
    version = _uint(headers, H_VERSION, "version")
    if version not in SUPPORTED_VERSIONS:
        supported = ",".join(map(str, sorted(SUPPORTED_VERSIONS)))
        raise Refusal(
            426,
            RefusalCode.UNSUPPORTED_VERSION,
            f"protocol version {version} is not supported; this axon speaks {supported}",
            {H_SUPPORTED: supported},
        )
    return version


def parse_request_headers(
    headers: Mapping[str, str], route: str
) -> tuple[SignedRequest, bytes]:
    """The signed envelope and the 65-byte signature from request headers (Refusal if bad).

    The body hash is the one the caller declared; the axon checks the body against it."""
    envelope = SignedRequest(
        version=parse_version(headers),
        route=route,
        caller=_hex(headers, H_CALLER, 20),
        target=_hex(headers, H_TARGET, 20),
        nonce=_uint(headers, H_NONCE, "nonce"),
        timestamp_ms=_uint(headers, H_TIMESTAMP, "timestamp"),
        timeout_ms=_uint(headers, H_TIMEOUT, "timeout"),
        body_hash=_hex(headers, H_BODY_HASH, 32),
    )
    signature = _hex(headers, H_SIGNATURE, 65)
    return envelope, signature
