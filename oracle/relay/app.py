"""The relay's HTTP API (FastAPI): accept signed messages durably, serve their receipts.

Order for every POST: the body is parsed and typed (422), the signature is recovered locally
(401), a message already stored returns its receipt (200, ``duplicate``), then the contract's own
check runs against the chain (registration, permit, nonce, limits: 4xx named after the error),
and only then is the message committed to SQLite and acknowledged (202 with the receipt).
An attestation is checked the same way against EpochSettlement's rules instead: subnet (404),
the open unsettled epoch (409), the signer being that UID's hotkey and a validator at the
epoch's snapshot (403); the worker settles once a quorum of snapshot stake signed one result.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from eth_abi import encode as abi_encode
from eth_keys.exceptions import BadSignature
from eth_utils import ValidationError as EthValidationError
from eth_utils import keccak, to_checksum_address
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from requests.exceptions import RequestException

from evmtensor.chain import weights as W
from evmtensor.errors import ChainError, ContractRevert
from oracle.relay.chain import RelayChain
from oracle.relay.limits import BodySizeLimit, ReadSlots
from oracle.relay.metrics import RelayMetrics
from oracle.epoch.result import recover_attestation
from oracle.epoch.snapshot import EpochSnapshot, find_opened
from oracle.relay.models import AttestationIn, CommitIn, RevealIn, SubmissionOut, WeightsIn
from oracle.relay.read_api import read_router
from oracle.relay.settings import RelaySettings
from oracle.relay.store import Kind, NonceConflict, Store
from oracle.relay.worker import Worker

__all__ = ["Relay", "RelayRefused", "create_app"]

log = logging.getLogger(__name__)

#: HTTP status of each contract error the relay refuses a message with (others: 422).
_STATUS = {
    "WeightsInvalidSignature": 401,
    "WeightsNotRegistered": 403,
    "WeightsNoValidatorPermit": 403,
    "WeightsSubnetNotFound": 404,
    "WeightsNonceUsed": 409,
    "WeightsDeadlinePassed": 409,
    "WeightsCommitExpired": 409,
    "WeightsNoPendingCommit": 409,
    "WeightsRevealTooEarly": 425,
    "WeightsRateLimited": 429,
}


#: Distinct results one validator may have stored for one epoch (more: 429).
MAX_RESULTS_PER_EPOCH = 4


class RelayRefused(Exception):
    """A message refused with an HTTP status and a reason (mapped by one handler)."""

    def __init__(self, status: int, error: str, message: str, args: tuple = ()):
        self.status, self.error, self.message, self.args_ = status, error, message, args
        super().__init__(message)


@dataclass
class Relay:
    settings: RelaySettings
    store: Store
    chain: RelayChain
    metrics: RelayMetrics
    worker: Worker
    read_slots: ReadSlots
    snapshots: dict = field(default_factory=dict)  # (netuid, epoch) -> EpochSnapshot (immutable once opened)

    def snapshot(self, netuid: int, epoch: int) -> EpochSnapshot:
        snap = self.snapshots.get((netuid, epoch))
        if snap is None:
            snap = self.snapshots[(netuid, epoch)] = find_opened(self.chain.client, netuid, epoch)
        return snap


def _relay(request: Request) -> Relay:
    return request.app.state.relay


def _jsonable(value):
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _refuse_revert(revert: ContractRevert) -> RelayRefused:
    return RelayRefused(_STATUS.get(revert.name, 422), revert.name, str(revert), tuple(_jsonable(a) for a in revert.args_decoded))


def _accept(relay: Relay, kind: Kind, body, message, digest: bytes, nonce_of=None) -> JSONResponse:
    """Dedupe, check on chain, store, acknowledge."""
    existing = relay.store.get("0x" + digest.hex())
    if existing is not None:
        relay.metrics.requests.labels(kind.value, "200").inc()
        return JSONResponse(SubmissionOut.of(existing, duplicate=True).model_dump(), status_code=200)
    try:
        revert = relay.chain.check(kind, message)
        nonce = nonce_of() if nonce_of else body.nonce
    except ContractRevert as exc:
        raise _refuse_revert(exc) from exc
    except (ChainError, RequestException) as exc:
        raise RelayRefused(503, "ChainUnavailable", f"cannot reach the chain: {exc}") from exc
    if revert is not None:
        raise _refuse_revert(revert)
    payload = {k: _jsonable(v) for k, v in body.model_dump().items()}
    try:
        sub, created = relay.store.add("0x" + digest.hex(), kind, body.netuid, body.hotkey, nonce, payload)
    except NonceConflict as exc:
        raise RelayRefused(409, "RelayNonceConflict", str(exc), (exc.existing.nonce,)) from exc
    code = 202 if created else 200
    relay.metrics.requests.labels(kind.value, str(code)).inc()
    log.info("accepted %s from %s on %d nonce %d as %s", kind.value, body.hotkey, body.netuid, nonce, sub.digest)
    return JSONResponse(SubmissionOut.of(sub, duplicate=not created).model_dump(), status_code=code)


def _check_signer(recovered: str, hotkey: str) -> None:
    if recovered != hotkey:
        raise RelayRefused(401, "WeightsInvalidSignature", f"signed by {recovered}, not {hotkey}", (hotkey, recovered))


def _recover(fn, *args, error: str = "WeightsInvalidSignature") -> str:
    try:
        return fn(*args)
    except (ValueError, TypeError, EthValidationError, BadSignature) as exc:  # eth_keys refuses malformed signatures
        raise RelayRefused(401, error, f"malformed signature: {exc}") from exc


router = APIRouter(prefix="/v1")


@router.post("/weights", status_code=202, response_model=SubmissionOut, responses={200: {"model": SubmissionOut}})
def post_weights(body: WeightsIn, relay: Relay = Depends(_relay)):
    """A validator's signed weights row."""
    signed, c = body.signed(), relay.chain
    _check_signer(_recover(W.recover_weights_signer, c.weights.address, c.chain_id, signed.row, signed.signature),
                  body.hotkey)
    return _accept(relay, Kind.WEIGHTS, body, signed, W.weights_digest(c.weights.address, c.chain_id, signed.row))


@router.post("/commits", status_code=202, response_model=SubmissionOut, responses={200: {"model": SubmissionOut}})
def post_commit(body: CommitIn, relay: Relay = Depends(_relay)):
    """A validator's signed commit of a weights hash (commit-reveal subnets)."""
    signed, c = body.signed(), relay.chain
    _check_signer(_recover(W.recover_commit_signer, c.weights.address, c.chain_id, signed.commit, signed.signature),
                  body.hotkey)
    return _accept(relay, Kind.COMMIT, body, signed, W.commit_digest(c.weights.address, c.chain_id, signed.commit))


@router.post("/reveals", status_code=202, response_model=SubmissionOut, responses={200: {"model": SubmissionOut}})
def post_reveal(body: RevealIn, relay: Relay = Depends(_relay)):
    """The preimage of a pending commit (no signature: the commit binds the hotkey)."""
    reveal = body.reveal()
    return _accept(relay, Kind.REVEAL, body, reveal, reveal.commit_hash,
                   nonce_of=lambda: relay.chain.state(body.netuid, body.hotkey)["nonce"])


def attestation_digest(result, uid: int) -> bytes:
    """An attestation's id: one per (epoch, UID, result), whatever the signature's bytes."""
    return keccak(abi_encode(["uint64", "uint16", "bytes32"], [result.epoch, uid, keccak(abi_encode(
        ["(uint16,uint64,uint64,bytes32,bytes,bytes,bytes,bytes32)"], [result.as_tuple()]))]))


def _check_attestation(relay: Relay, body: AttestationIn) -> None:
    """The epoch is the open, unsettled one and ``body.uid`` is a validator with that hotkey at its
    snapshot (the contract's own rules; it checks them all again at settlement)."""
    c = relay.chain.client
    if not c.view("SubnetRegistry", "subnetExists", body.netuid):
        raise RelayRefused(404, "SettlementSubnetNotFound", f"no subnet {body.netuid}", (body.netuid,))
    state = c.view("EpochSettlement", "epochState", body.netuid)
    if state["snapshotBlock"] == 0 or (state["epoch"], state["snapshotBlock"]) != (body.epoch, body.snapshot_block):
        raise RelayRefused(409, "SettlementEpochMismatch",
                           f"epoch {body.epoch} at block {body.snapshot_block} is not subnet {body.netuid}'s open epoch"
                           f" ({state['epoch']} at block {state['snapshotBlock']})",
                           (body.netuid, body.epoch, body.snapshot_block, state["epoch"], state["snapshotBlock"]))
    if state["settled"]:
        raise RelayRefused(409, "SettlementAlreadySettled", f"epoch {body.epoch} of subnet {body.netuid} is settled",
                           (body.netuid, body.epoch))
    snap = relay.snapshot(body.netuid, body.epoch)
    if body.uid >= snap.n or snap.neurons[body.uid].hotkey != body.hotkey:
        raise RelayRefused(403, "SettlementBadSigner", f"{body.hotkey} is not uid {body.uid}'s hotkey at the snapshot",
                           (body.uid, snap.n))
    stake = snap.neurons[body.uid].stake
    if stake < snap.validator_threshold:
        raise RelayRefused(403, "SettlementNotValidator", f"uid {body.uid} holds {stake} < the validator threshold",
                           (body.uid, stake, snap.validator_threshold))
    if not snap.neurons[body.uid].voter:
        raise RelayRefused(403, "SettlementNotVoter",
                           f"uid {body.uid} did not vote in epoch {body.epoch}: no weights within the activity cutoff",
                           (body.uid,))


@router.post("/attestations", status_code=202, response_model=SubmissionOut, responses={200: {"model": SubmissionOut}})
def post_attestation(body: AttestationIn, relay: Relay = Depends(_relay)):
    """A validator's signature of an epoch's result; settled on chain once a quorum signed it."""
    result = body.result()
    recovered = _recover(recover_attestation, relay.chain.client, result, body.signature,
                         error="SettlementInvalidSignature")
    if recovered != body.hotkey:
        raise RelayRefused(401, "SettlementInvalidSignature", f"signed by {recovered}, not {body.hotkey}",
                           (body.uid, body.hotkey, recovered))
    digest = "0x" + attestation_digest(result, body.uid).hex()
    existing = relay.store.get(digest)
    if existing is not None:
        relay.metrics.requests.labels(Kind.ATTESTATION.value, "200").inc()
        return JSONResponse(SubmissionOut.of(existing, duplicate=True).model_dump(), status_code=200)
    try:
        _check_attestation(relay, body)
    except LookupError as exc:
        raise RelayRefused(409, "SettlementNoOpenEpoch", str(exc)) from exc
    except (ChainError, RequestException) as exc:
        raise RelayRefused(503, "ChainUnavailable", f"cannot reach the chain: {exc}") from exc
    # A validator may sign another result of an epoch (it re-read the chain), but a hostile one
    # must not fill the store with endless variants: a few per validator and epoch suffice.
    if relay.store.count(Kind.ATTESTATION, body.netuid, body.hotkey, body.epoch) >= MAX_RESULTS_PER_EPOCH:
        raise RelayRefused(429, "RelayTooManyResults",
                           f"{body.hotkey} already signed {MAX_RESULTS_PER_EPOCH} results of epoch {body.epoch}",
                           (body.uid, body.epoch))
    payload = {k: _jsonable(v) for k, v in body.model_dump().items()}
    sub, created = relay.store.add(digest, Kind.ATTESTATION, body.netuid, body.hotkey, body.epoch, payload)
    code = 202 if created else 200
    relay.metrics.requests.labels(Kind.ATTESTATION.value, str(code)).inc()
    log.info("accepted the attestation of uid %d on %d epoch %d as %s", body.uid, body.netuid, body.epoch, digest)
    return JSONResponse(SubmissionOut.of(sub, duplicate=not created).model_dump(), status_code=code)


@router.get("/weights/{netuid}/{hotkey}", response_model=list[SubmissionOut])
def get_submissions(netuid: Annotated[int, PathParam(ge=0, le=65535)], hotkey: str, relay: Relay = Depends(_relay)):
    """A validator's messages on ``netuid``, newest first."""
    try:
        hotkey = to_checksum_address(hotkey)
    except ValueError as exc:
        raise RelayRefused(422, "RelayBadAddress", f"not an address: {hotkey!r}") from exc
    return [SubmissionOut.of(s) for s in relay.store.for_hotkey(netuid, hotkey)]


@router.get("/submissions/{digest}", response_model=SubmissionOut)
def get_submission(digest: str, relay: Relay = Depends(_relay)):
    """One message's receipt and outcome."""
    sub = relay.store.get(digest.lower())
    if sub is None:
        raise RelayRefused(404, "RelayUnknownSubmission", f"no submission {digest}")
    return SubmissionOut.of(sub)


def create_app(settings: RelaySettings) -> FastAPI:
    """The relay app; the store, chain client and worker start in its lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(settings.db)
        chain = RelayChain(settings.rpc_url, settings.deployment, settings.submitter_key.get_secret_value())
        metrics = RelayMetrics()
        worker = Worker(settings, store, chain, metrics)
        slots = ReadSlots(settings.read_concurrency, settings.read_concurrency_per_client)
        app.state.relay = Relay(settings, store, chain, metrics, worker, slots)
        worker.start()
        try:
            yield
        finally:
            worker.stop()
            store.close()

    app = FastAPI(title="EVMTensor relay", version="1", lifespan=lifespan)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(router)
    app.include_router(read_router)
    app.mount("/explorer", StaticFiles(directory=Path(__file__).with_name("explorer"), html=True), name="explorer")

    @app.exception_handler(RelayRefused)
    async def refused(_: Request, exc: RelayRefused):
        return JSONResponse({"detail": {"error": exc.error, "message": exc.message, "args": list(exc.args_)}},
                            status_code=exc.status)

    @app.get("/health")
    def health(relay: Relay = Depends(_relay)):
        try:
            block = relay.chain.block_number()
        except (ChainError, RequestException) as exc:
            raise RelayRefused(503, "ChainUnavailable", f"cannot reach the chain: {exc}") from exc
        return {"status": "ok", "block": block, "journal_mode": relay.store.journal_mode(),
                "messages": relay.store.counts()}

    @app.get("/metrics")
    def metrics(relay: Relay = Depends(_relay)):
        return Response(relay.metrics.render(), media_type="text/plain; version=0.0.4")

    return app
