"""Exceptions and refusal codes of the miner-validator protocol.

    EvmTensorError                (evmtensor.errors) root of every EVMTensor error
    └── ProtocolError             root of this package
        ├── SignatureInvalid      a signature is malformed or recovers no key
        ├── Refusal               raised inside the axon; becomes one signed JSON reply
        └── CallFailed            one dendrite call did not yield a verified answer
            ├── AxonRefused       the axon answered with an error status (code, reason)
            ├── ResponseUnverified  unsigned, mis-signed or signed by another key
            ├── ResponseInvalid   broken HTTP, over a size cap, encoded, or not the task's model
            ├── CallTimeout       no answer within the caller's timeout (or a 504)
            └── AxonUnreachable   connection refused, reset or otherwise broken

Every refusal the axon sends has a stable machine-readable `RefusalCode`, its HTTP status and a
human reason; clock problems also carry the server's time so callers can correct their clocks.
Refusals the axon sends once it has parsed the headers are signed over the request's id; only
those in `PRE_DIGEST_CODES` (sent before it can compute one) are signed over the zero id.
"""

from __future__ import annotations

from enum import StrEnum

from evmtensor.errors import EvmTensorError

__all__ = [
    "AxonRefused",
    "AxonUnreachable",
    "CallFailed",
    "CallTimeout",
    "PRE_DIGEST_CODES",
    "ProtocolError",
    "Refusal",
    "RefusalCode",
    "ResponseInvalid",
    "ResponseUnverified",
    "SignatureInvalid",
]


class RefusalCode(StrEnum):
    """Why an axon refused a request; the value is sent as ``error`` in the JSON reply."""

    MISSING_HEADER = "MISSING_HEADER"  # 401
    BAD_HEADER = "BAD_HEADER"  # 401
    BAD_SIGNATURE = "BAD_SIGNATURE"  # 401
    WRONG_TARGET = "WRONG_TARGET"  # 401
    NONCE_REPLAY = "NONCE_REPLAY"  # 401
    NONCE_STALE = "NONCE_STALE"  # 401
    CLOCK_SKEW = "CLOCK_SKEW"  # 401
    UNKNOWN_CALLER = "UNKNOWN_CALLER"  # 403
    BLACKLISTED = "BLACKLISTED"  # 403
    UNKNOWN_ROUTE = "UNKNOWN_ROUTE"  # 404
    BODY_MISMATCH = "BODY_MISMATCH"  # 401: the body is not the one the caller signed
    BODY_TIMEOUT = "BODY_TIMEOUT"  # 408: the body did not arrive in time
    BODY_TOO_LARGE = "BODY_TOO_LARGE"  # 413
    INVALID_BODY = "INVALID_BODY"  # 422
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"  # 426
    OVERLOADED = "OVERLOADED"  # 429
    HANDLER_ERROR = "HANDLER_ERROR"  # 500
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"  # 503: the replay log cannot be written
    TIMEOUT = "TIMEOUT"  # 504


# Refused before the request id is known, so signed over the zero id (replayable, and harmless:
# they say only that this axon cannot read such a request at all).
PRE_DIGEST_CODES = frozenset(
    {
        RefusalCode.UNKNOWN_ROUTE,
        RefusalCode.MISSING_HEADER,
        RefusalCode.BAD_HEADER,
        RefusalCode.UNSUPPORTED_VERSION,
    }
)


class ProtocolError(EvmTensorError):
    """Root of every protocol failure."""


class SignatureInvalid(ProtocolError, ValueError):
    """A signature is malformed, high-s, or does not recover a public key."""


class Refusal(ProtocolError):
    """An axon refusing a request; the axon's one exception handler turns it into a reply."""

    def __init__(
        self, status: int, code: RefusalCode, reason: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = headers or {}
        self.request_id = b""  # set by the axon once the request's digest is known


class CallFailed(ProtocolError):
    """One dendrite call failed; `status` is the HTTP status if an answer arrived, else 0."""

    def __init__(self, message: str, *, status: int = 0, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class AxonRefused(CallFailed):
    """The axon answered with a 4xx/5xx status and a (verified or not) reason."""


class ResponseUnverified(CallFailed):
    """The response signature is missing, malformed, or not the target hotkey's."""


class ResponseInvalid(CallFailed):
    """The reply broke HTTP, exceeded a size cap, was content-encoded, or did not parse."""


class CallTimeout(CallFailed, TimeoutError):
    """No verified answer arrived within the timeout."""


class AxonUnreachable(CallFailed, ConnectionError):
    """The axon could not be reached (refused, reset, DNS, protocol error)."""
