"""The relay's read API (GET, JSON): subnets, metagraphs, epochs with their results and payouts,
Yuma explanations and pool prices, all read from the chain (``oracle.relay.reads``), so that what
the explorer shows is what the chain says. The one exception is labelled: an epoch's ``relay``
section lists the attestations this relay holds for it, from its own store (see
``reads.held_attestations``). The epoch detail has response models (its OpenAPI schema); the
other endpoints answer plain JSON objects described by their docstrings.

Errors: an unknown subnet, epoch or UID is a 404 with ``{"detail": {"error", "message"}}`` (the
relay's refusal shape); a malformed path or query is FastAPI's 422; an unreachable chain, or logs
that no longer rebuild an epoch's inputs, is 503; a read beyond the relay's concurrent-read caps
(``RELAY_READ_CONCURRENCY`` in all, ``RELAY_READ_CONCURRENCY_PER_CLIENT`` per address) is 429
``RelayBusy`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from requests.exceptions import RequestException

from evmtensor.chain.client import ChainClient
from evmtensor.errors import ChainError
from oracle.relay import reads
from oracle.relay.limits import ReadSlotsFull

__all__ = ["read_router"]

def _read_slot(request: Request):
    """One of the relay's read slots for the whole call (oracle.relay.limits.ReadSlots), or 429."""
    client = request.client.host if request.client else "?"
    try:
        with request.app.state.relay.read_slots.slot(client):
            yield
    except ReadSlotsFull as exc:
        raise HTTPException(429, {"error": "RelayBusy", "message": str(exc), "args": [exc.scope, exc.limit]},
                            headers={"Retry-After": "1"}) from exc


# scope="function": the slot is freed when the read's function returns, before the response goes
# out; with the default the client could get its answer while the slot is still held, and its next
# read would meet a 429 it had not earned.
read_router = APIRouter(prefix="/v1", tags=["read"], dependencies=[Depends(_read_slot, scope="function")])

Netuid = Annotated[int, PathParam(ge=0, le=65535, description="the subnet's id (u16)")]
Epoch = Annotated[int, PathParam(ge=0, lt=2**64, description="the epoch index (u64)")]


def _client(request: Request) -> ChainClient:
    return request.app.state.relay.chain.client


def _serve(fn, *args) -> Any:
    try:
        return fn(*args)
    except reads.NotFound as exc:
        raise HTTPException(404, {"error": exc.error, "message": str(exc), "args": []}) from exc
    except LookupError as exc:
        # The chain's logs do not rebuild the epoch (a node that pruned them): not the caller's fault.
        raise HTTPException(503, {"error": "EpochInputsUnavailable", "message": str(exc), "args": []}) from exc
    except (ChainError, RequestException, ConnectionError) as exc:
        raise HTTPException(503, {"error": "ChainUnavailable", "message": f"cannot read the chain: {exc}",
                                  "args": []}) from exc


class EpochNeuronOut(BaseModel):
    """One UID at the epoch's snapshot; the result and payout fields only once it settled."""

    uid: int
    hotkey: str
    coldkey: str
    stake: int
    registered_at: int
    last_update: int
    permit: bool
    incentive: int | None = Field(None, description="u16, from the settled result")
    dividends: int | None = Field(None, description="u16, from the settled result")
    new_permit: bool | None = None
    stake_credited: int | None = Field(None, description="alpha staked to it by the settlement (owner cut, incentive)")
    emission_credited: int | None = Field(None, description="alpha credited as validator dividends")
    take: int | None = None


class EpochResultOut(BaseModel):
    inputs_hash: str
    bonds_hash: str
    incentive: list[int]
    dividends: list[int]
    permits: list[bool]


class HeldAttestationOut(BaseModel):
    """One attestation as this relay stored it."""

    id: str = Field(description="the relay's submission id (GET /v1/submissions/{id})")
    uid: int
    hotkey: str
    result_digest: str = Field(description="the EIP-712 digest of the signed result (EpochSettled's resultHash)")
    snapshot_block: int
    counts: bool = Field(description="the UID held this hotkey at this epoch's snapshot and voted (in the validator set and active)")
    status: str = Field(description="queued | sent | landed | rejected | failed (the relay's store)")
    received_at: float
    updated_at: float
    tx_hash: str | None
    block: int | None
    reason: str | None


class HeldResultOut(BaseModel):
    """One distinct result among the held attestations, and the stake that signed it."""

    result_digest: str
    inputs_hash: str
    uids: list[int] = Field(description="the UIDs whose signatures count")
    signed_stake: int
    required_stake: int
    quorum_reached: bool
    settled: bool = Field(description="the chain settled the epoch with this result")


class HeldOut(BaseModel):
    """What this relay holds for the epoch: its own store's word, not the chain's."""

    quorum: int = Field(description="EpochSettlement's quorum, u16 share of the validator stake")
    validator_stake: int
    required_stake: int
    attestations: list[HeldAttestationOut]
    results: list[HeldResultOut]


class EpochDetailOut(BaseModel):
    netuid: int
    epoch: int
    snapshot_block: int
    snapshot_hash: str
    pending_alpha: int
    validator_stake: int
    validator_threshold: int
    hyperparameters: dict[str, bool | int]
    settled: bool
    settled_block: int | None
    result: EpochResultOut | None
    signers: list[int] | None
    neurons: list[EpochNeuronOut]
    relay: HeldOut
    result_hash: str | None = None
    signed_stake: int | None = None
    owner_cut: int | None = None
    miner_alpha: int | None = None
    validator_alpha: int | None = None
    burned: int | None = None
    carried: int | None = None


@read_router.get("/subnets")
def get_subnets(request: Request) -> dict:
    """Every subnet: spot and moving price (TAO per alpha), emission share, pool reserves
    (``tao_in``/``alpha_in``, base units), total alpha stake and neuron count."""
    return _serve(reads.subnet_list, _client(request))


@read_router.get("/subnets/{netuid}/metagraph")
def get_metagraph(netuid: Netuid, request: Request) -> dict:
    """Per UID: hotkey, coldkey, stake, trust, consensus, incentive, dividends, emission, permit,
    axon, last update (one block; trust and consensus from the latest settled epoch)."""
    return _serve(reads.metagraph, _client(request), netuid)


@read_router.get("/subnets/{netuid}/epochs")
def get_epochs(netuid: Netuid, request: Request) -> dict:
    """Every opened epoch, oldest first: snapshot block, settled or not, and what settlement paid."""
    return _serve(reads.epochs, _client(request), netuid)


# Unset fields (a payout before settlement) are left out rather than sent as null, as before.
@read_router.get("/subnets/{netuid}/epochs/{epoch}", response_model=EpochDetailOut, response_model_exclude_unset=True)
def get_epoch(netuid: Netuid, epoch: Epoch, request: Request) -> dict:
    """One epoch: snapshot, result (inputs hash, incentive, dividends, permits) from the settling
    transaction, its signers, and each UID's payout; and, under ``relay``, the attestations this
    relay holds for it (settled or not) with the stake each result gathered."""
    return _serve(reads.epoch_detail, _client(request), netuid, epoch, request.app.state.relay.store)


@read_router.get("/subnets/{netuid}/epochs/{epoch}/explain")
def get_explanation(netuid: Netuid, epoch: Epoch, request: Request,
                    uid: Annotated[int, Query(ge=0, le=65535, description="the UID to explain")]) -> dict:
    """Why ``uid`` got what it got: Yuma (exact mode) rerun on the epoch's inputs from the chain."""
    return _serve(reads.epoch_explanation, _client(request), netuid, epoch, uid)


@read_router.get("/subnets/{netuid}/prices")
def get_prices(netuid: Netuid, request: Request,
               limit: Annotated[int, Query(ge=1, le=2000, description="latest points kept")] = 500) -> dict:
    """The pool's spot and moving price at each block its state changed, and at the head."""
    return _serve(reads.prices, _client(request), netuid, limit)
