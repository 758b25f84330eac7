"""The relay's read API (GET, JSON): subnets, metagraphs, epochs with their results and payouts,
Yuma explanations and pool prices, all read from the chain (``oracle.relay.reads``), never from
the relay's own store, so that what the explorer shows is what the chain says.

Errors: an unknown subnet, epoch or UID is a 404 with ``{"detail": {"error", "message"}}`` (the
relay's refusal shape); a malformed path or query is FastAPI's 422; an unreachable chain, or logs
that no longer rebuild an epoch's inputs, is 503.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from requests.exceptions import RequestException

from evmtensor.chain.client import ChainClient
from evmtensor.errors import ChainError
from oracle.relay import reads

__all__ = ["read_router"]

read_router = APIRouter(prefix="/v1", tags=["read"])

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


@read_router.get("/subnets/{netuid}/epochs/{epoch}")
def get_epoch(netuid: Netuid, epoch: Epoch, request: Request) -> dict:
    """One epoch: snapshot, result (inputs hash, incentive, dividends, permits) from the settling
    transaction, its signers, and each UID's payout."""
    return _serve(reads.epoch_detail, _client(request), netuid, epoch)


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
