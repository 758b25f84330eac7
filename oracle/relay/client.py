"""The relay's HTTP client, for validators: post signed weights, commits, reveals and epoch
attestations, read receipts back.

Every call returns the parsed JSON receipt (``SubmissionOut``: ``id``, ``kind``, ``status``, ...)
and raises :class:`RelayError` when the relay refuses (a 4xx/5xx with its ``error`` name) or
cannot be reached. Only connection failures are retried (httpx's transport retries, which cover
connecting and nothing else): a request that reached the relay is never sent twice by us, though
a repeat would be harmless (the relay dedupes by digest and answers ``duplicate``).

The relay is untrusted (DESIGN.md): an answer is read undecoded (no gzip), at most
``MAX_RESPONSE_BYTES`` of it and within the call's ``timeout`` in all (a relay trickling bytes
cannot hold a validator's job), and whatever shape its JSON has, a bad answer is a RelayError.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from evmtensor.chain.weights import Reveal, SignedCommit, SignedWeights
from evmtensor.errors import EvmTensorError

__all__ = ["RelayClient", "RelayError", "RelayWeightsSink", "attestation_json", "commit_json", "reveal_json",
           "weights_json"]


#: A relay's answers are receipts and refusals of a few hundred bytes; more is refused unread.
MAX_RESPONSE_BYTES = 1 << 20


class RelayError(EvmTensorError):
    """A refusal by the relay (``status`` the HTTP status, ``error`` its name), or ``status`` 0
    when the relay could not be reached."""

    def __init__(self, status: int, error: str, message: str):
        self.status, self.error, self.message = status, error, message
        super().__init__(f"relay refused ({status} {error}): {message}")


def _hex(b: bytes) -> str:
    return "0x" + bytes(b).hex()


def weights_json(signed: SignedWeights) -> dict:
    r = signed.row
    return {"hotkey": signed.hotkey, "netuid": r.netuid, "uids": list(r.uids), "values": list(r.values),
            "version_key": r.version_key, "nonce": r.nonce, "deadline_block": r.deadline_block,
            "signature": _hex(signed.signature)}


def commit_json(signed: SignedCommit) -> dict:
    c = signed.commit
    return {"hotkey": signed.hotkey, "netuid": c.netuid, "commit_hash": _hex(c.commit_hash), "nonce": c.nonce,
            "deadline_block": c.deadline_block, "signature": _hex(signed.signature)}


def reveal_json(reveal: Reveal) -> dict:
    return {"hotkey": reveal.hotkey, "netuid": reveal.netuid, "uids": list(reveal.uids),
            "values": list(reveal.values), "version_key": reveal.version_key, "salt": _hex(reveal.salt)}


def attestation_json(result, attestation) -> dict:
    """The body of ``POST /v1/attestations``: an ``oracle.epoch.SettlementResult`` and its
    ``Attestation``."""
    return {"netuid": result.netuid, "epoch": result.epoch, "snapshot_block": result.snapshot_block,
            "inputs_hash": _hex(result.inputs_hash), "incentive": list(result.incentive),
            "dividends": list(result.dividends), "permits": [bool(p) for p in result.permits],
            "bonds": _hex(result.bonds), "uid": attestation.uid, "hotkey": attestation.hotkey,
            "signature": _hex(attestation.signature)}


_NOT_JSON = object()


def _refusal(status: int, data: Any, raw: bytes) -> RelayError:
    """The RelayError of a 4xx/5xx: the relay's ``detail`` (its error name and message, or
    FastAPI's list of field errors), cut short, whatever its type."""
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, dict):
        return RelayError(status, str(detail.get("error", f"HTTP{status}"))[:100],
                          str(detail.get("message", raw[:500].decode("utf-8", "replace")))[:500])
    if detail is not None:  # FastAPI's 422: a list of field errors
        return RelayError(status, "RelayBadRequest", str(detail)[:500])
    return RelayError(status, f"HTTP{status}", raw[:500].decode("utf-8", "replace"))


class RelayClient:
    """A relay at ``base_url`` (``http://host:port``)."""

    def __init__(self, base_url: str, timeout: float = 10.0, *, connect_retries: int = 3):
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers={"accept-encoding": "identity"},
                                  transport=httpx.HTTPTransport(retries=connect_retries))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RelayClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        deadline = time.monotonic() + self.timeout
        try:
            with self._http.stream(method, path, json=body) as resp:
                status, raw = resp.status_code, self._read(resp, deadline)
        except httpx.HTTPError as exc:
            raise RelayError(0, "RelayUnreachable", f"{method} {self.base_url}{path}: {exc}") from exc
        try:
            data = json.loads(raw)
        except ValueError:  # also bad UTF-8
            data = _NOT_JSON
        if status >= 400:
            raise _refusal(status, data, raw)
        if data is _NOT_JSON:
            raise RelayError(status, "RelayBadResponse", raw[:200].decode("utf-8", "replace"))
        return data

    def _read(self, resp: httpx.Response, deadline: float) -> bytes:
        """The answer's bytes as sent (never decompressed), within the size cap and the deadline."""
        chunks, size = [], 0
        for chunk in resp.iter_raw():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise RelayError(resp.status_code, "RelayResponseTooLarge", f"an answer over {MAX_RESPONSE_BYTES} bytes")
            if time.monotonic() > deadline:
                raise RelayError(resp.status_code, "RelayTooSlow", f"the answer took over {self.timeout} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def post_weights(self, signed: SignedWeights) -> dict:
        return self._call("POST", "/v1/weights", weights_json(signed))

    def post_commit(self, signed: SignedCommit) -> dict:
        return self._call("POST", "/v1/commits", commit_json(signed))

    def post_reveal(self, reveal: Reveal) -> dict:
        return self._call("POST", "/v1/reveals", reveal_json(reveal))

    def post_attestation(self, result, attestation) -> dict:
        """Post one validator's attestation of an epoch's result."""
        return self._call("POST", "/v1/attestations", attestation_json(result, attestation))

    def submission(self, id: str) -> dict:
        return self._call("GET", f"/v1/submissions/{id}")

    def health(self) -> dict:
        return self._call("GET", "/health")


class RelayWeightsSink:
    """The validator's ``WeightsSink`` that posts each signed row to a relay; the receipts of the
    rows it posted are kept (newest last) for whoever wants to follow them."""

    def __init__(self, client: RelayClient):
        self.client = client
        self.receipts: list[dict] = []

    def submit(self, signed: SignedWeights) -> None:
        self.receipts.append(self.client.post_weights(signed))
