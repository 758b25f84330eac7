"""Subnets and their neurons read from the chain for people: subnet headers, the metagraph table
btcli users know, and the hyperparameter bounds an owner's change must respect.

Everything is read by ABI name (``MetagraphViews.subnet/subnets/metagraph``,
``SubnetRegistry.params/hyperparameters``), so a struct that gains a field shows it and one
that lacks a column (trust and consensus are not stored on chain today) shows nothing.

The bounds mirror ``contracts/libraries/HyperparameterBounds.sol`` plus the registry's own
rule that ``maxUids`` may not drop below the subnet's UID count; the contract stays the judge
(a change is also simulated before it is sent), the mirror only says the allowed range in words.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from evmtensor.chain.client import ChainClient
from evmtensor.chain.views import Record
from evmtensor.errors import ChainError
from evmtensor.units import U16_MAX

__all__ = [
    "MAX_UIDS",
    "MAX_VALIDATORS",
    "Bound",
    "OutOfBounds",
    "axon_endpoint",
    "check_hyperparameters",
    "field_name",
    "hyperparameter_bounds",
    "metagraph_rows",
    "parse_hyperparameter",
    "subnet_view",
    "subnets",
]

_U64_MAX = 2**64 - 1
MAX_UIDS = 512  # HyperparameterBounds: openEpoch and settle each fit one transaction
MAX_VALIDATORS = 64
MAX_PERIOD = 216_000
MAX_BONDS_MOVING_AVERAGE = 975_000
MIN_ALPHA_HIGH = 52_428
MAX_COMMIT_REVEAL_PERIOD = 100
MIN_BURN_CEILING = 10**9
MAX_BURN_FLOOR = 10**8


@dataclass(frozen=True)
class Bound:
    """The inclusive range ``[low, high]`` of one hyperparameter."""

    low: int
    high: int


class OutOfBounds(ChainError):
    """A hyperparameter outside its range (named as the contract would revert)."""

    def __init__(self, name: str, value: int, bound: Bound):
        self.name, self.value, self.bound = name, value, bound
        super().__init__(f"SubnetHyperparameterOutOfBounds({name!r}, {value}): {name} must be between "
                         f"{bound.low} and {bound.high}")


def subnet_view(client: ChainClient, netuid: int, block="latest") -> Record:
    """``MetagraphViews.subnet(netuid)``; ChainError naming the netuid if there is no such subnet."""
    if not 0 <= netuid <= U16_MAX:
        raise ChainError(f"netuid {netuid} is not a u16")
    view = client.view("MetagraphViews", "subnet", netuid, block=block)
    if not view["exists"]:
        raise ChainError(f"there is no subnet {netuid} on this chain (see `evmtensor subnet list`)")
    return view


def subnets(client: ChainClient) -> list[Record]:
    """Every registered subnet's header."""
    return list(client.view("MetagraphViews", "subnets"))


def hyperparameter_bounds(params: Record, hp: Record, n_uids: int = 0) -> dict[str, Bound]:
    """Each hyperparameter's range given the registry ``params`` and the proposed ``hp`` (some
    ranges depend on other fields: maxValidators <= maxUids, alphaLow <= alphaHigh, ...)."""
    burn_ceiling = hp["maxBurn"] if hp["maxBurn"] < MIN_BURN_CEILING else MIN_BURN_CEILING - 1
    bounds = {
        "tempo": Bound(params["minTempo"], params["maxTempo"]),
        "maxUids": Bound(max(params["minAllowedUids"], n_uids), MAX_UIDS),
        "maxValidators": Bound(1, min(hp["maxUids"], MAX_VALIDATORS)),
        "immunityPeriod": Bound(0, MAX_PERIOD),
        "minAllowedWeights": Bound(0, hp["maxUids"]),
        "weightsRateLimit": Bound(0, MAX_PERIOD),
        "activityCutoff": Bound(1, MAX_PERIOD),
        "kappa": Bound(1, U16_MAX),
        "bondsMovingAverage": Bound(0, MAX_BONDS_MOVING_AVERAGE),
        "bondsPenalty": Bound(0, U16_MAX),
        "yuma3": Bound(0, 1),
        "liquidAlphaEnabled": Bound(0, 1),
        "alphaHigh": Bound(MIN_ALPHA_HIGH, U16_MAX),
        "alphaLow": Bound(1, hp["alphaHigh"]),
        "commitRevealEnabled": Bound(0, 1),
        "commitRevealPeriod": Bound(1, MAX_COMMIT_REVEAL_PERIOD),
        "maxBurn": Bound(MAX_BURN_FLOOR + 1, _U64_MAX),
        "minBurn": Bound(1, burn_ceiling),
        "weightsVersionKey": Bound(0, _U64_MAX),
        "servingRateLimit": Bound(0, MAX_PERIOD),
    }
    ordered = {name: bound for name, bound in bounds.items() if name in hp}  # the contract's order
    return {**ordered, **{name: Bound(0, _U64_MAX) for name in hp if name not in bounds}}


def check_hyperparameters(params: Record, hp: Record, n_uids: int = 0) -> None:
    """Raise :class:`OutOfBounds` for the first field outside its range (the contract's order)."""
    for name, bound in hyperparameter_bounds(params, hp, n_uids).items():
        if not bound.low <= int(hp[name]) <= bound.high:
            raise OutOfBounds(name, int(hp[name]), bound)


def field_name(name: str, fields) -> str:
    """The ABI field for ``name`` given as camelCase or snake_case (``max_uids`` -> ``maxUids``)."""
    camel = re.sub(r"[_-]([a-z0-9])", lambda m: m.group(1).upper(), name.strip())
    for candidate in (name, camel):
        if candidate in fields:
            return candidate
    lowered = {f.lower(): f for f in fields}
    if camel.lower() in lowered:
        return lowered[camel.lower()]
    raise ChainError(f"unknown hyperparameter {name!r}; known: {', '.join(fields)}")


def parse_hyperparameter(current, text: str) -> int | bool:
    """``text`` as the type of ``current`` (booleans accept true/false/1/0/yes/no)."""
    if isinstance(current, bool):
        lowered = text.strip().lower()
        if lowered not in {"true", "false", "1", "0", "yes", "no", "on", "off"}:
            raise ChainError(f"expected true or false, got {text!r}")
        return lowered in {"true", "1", "yes", "on"}
    try:
        value = int(text.replace("_", ""), 0)
    except ValueError:
        raise ChainError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise ChainError(f"expected a non-negative number, got {value}")
    return value


def axon_endpoint(axon: Record) -> str | None:
    """``ip:port`` of a served axon, None if never served."""
    if not axon["blockNumber"]:
        return None
    ip = ipaddress.ip_address(axon["ip"]) if axon["ipType"] == 4 else ipaddress.IPv6Address(axon["ip"])
    return f"[{ip}]:{axon['port']}" if ip.version == 6 else f"{ip}:{axon['port']}"


_COLUMNS = {  # output key -> ABI array of MetagraphPage (None when the chain does not keep it)
    "hotkey": "hotkeys", "coldkey": "coldkeys", "stake": "alphaStake", "trust": "trust",
    "consensus": "consensus", "incentive": "incentive", "dividends": "dividends",
    "emission": "emission", "validator_permit": "validatorPermit", "last_update": "lastUpdate",
    "registered_at": "registeredAt",
}


def metagraph_rows(client: ChainClient, netuid: int, *, page_size: int = 256, block="latest") -> list[dict]:
    """One dict per UID of ``netuid`` at one block. u16 fractions (incentive, dividends, trust,
    consensus) are floats in [0, 1]; stake and emission in alpha base units; ``axon`` is
    ``ip:port`` or None; a column the chain does not keep is None."""
    subnet_view(client, netuid, block)
    block = client.block_number() if block == "latest" else block
    rows: list[dict] = []
    start, total = 0, None
    while total is None or start < total:
        page = client.view("MetagraphViews", "metagraph", netuid, start, page_size, block=block)
        total = int(page["n"])
        for i in range(len(page["hotkeys"])):
            row: dict = {"uid": start + i}
            for key, field in _COLUMNS.items():
                value = page[field][i] if field in page else None
                if key in {"incentive", "dividends", "trust", "consensus"} and value is not None:
                    value = value / U16_MAX
                row[key] = value
            row["axon"] = axon_endpoint(page["axons"][i])
            rows.append(row)
        if not page["hotkeys"]:
            break
        start += len(page["hotkeys"])
    return rows
