"""Deploy the protocol to any JSON-RPC endpoint (a development tool: it compiles the sources).

The contracts reference each other as immutables, so their addresses are predicted from the
deployer's nonce (CREATE) and passed to every constructor in one fixed order. Parameters come
from a profile (``contracts/profiles/<profile>/<Contract>.json``: the fields of the contract's
params struct by name), optionally overridden per field. The deployment file (chain id, addresses,
ABIs, deploy block, profile) is what every other component reads (:mod:`evmtensor.chain.deployment`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import rlp
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from evmtensor.chain.client import ChainClient
from evmtensor.chain.deployment import Deployment, load_deployment
from evmtensor.devtools.compiler import compile_contracts, source_key
from evmtensor.errors import ConfigError, DeploymentError
from evmtensor.paths import CONTRACTS_DIR

__all__ = ["DEPLOY_ORDER", "create_address", "deploy_protocol", "ensure_deployed", "load_profile"]

log = logging.getLogger(__name__)

DEPLOY_ORDER = ("TaoToken", "SubnetRegistry", "NeuronRegistry", "StakingPools", "Emission", "MetagraphViews", "Weights",
                "EpochSettlement")
_ROLE_OF = {"TaoToken": "tao", "SubnetRegistry": "subnets", "NeuronRegistry": "neurons",
            "StakingPools": "pools", "Emission": "emission"}


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from ``sender`` at ``nonce`` lands on."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def load_profile(profile: str, contract: str) -> dict:
    """The params object of ``contract`` in ``profile`` (empty if it takes none)."""
    path = CONTRACTS_DIR / "profiles" / profile / f"{contract}.json"
    if not (CONTRACTS_DIR / "profiles" / profile).is_dir():
        raise ConfigError(f"unknown profile {profile!r}: no folder {path.parent}")
    return json.loads(path.read_text()) if path.exists() else {}


def _struct_args(contract: str, ctor_inputs: list, params: dict) -> list:
    """Order ``params`` by the params struct's fields; unknown or missing fields are errors."""
    if len(ctor_inputs) < 2:
        if params:
            raise ConfigError(f"{contract} takes no parameters, got {sorted(params)}")
        return []
    return [_as_tuple(contract, ctor_inputs[1], params)]


def _as_tuple(where: str, abi_input: dict, value: dict) -> tuple:
    """A JSON object as the ABI tuple ``abi_input`` describes (nested structs included)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected an object for struct {abi_input['name']!r}")
    fields = [c["name"] for c in abi_input["components"]]
    unknown = sorted(set(value) - set(fields))
    missing = [f for f in fields if f not in value]
    if unknown or missing:
        raise ConfigError(f"{where} params: unknown {unknown}, missing {missing}")
    return tuple(
        _as_tuple(f"{where}.{c['name']}", c, value[c["name"]]) if c["type"] == "tuple" else value[c["name"]]
        for c in abi_input["components"]
    )


def _merged(base: dict, override: dict) -> dict:
    """``override`` over ``base``, nested objects (structs inside params) merged field by field."""
    out = dict(base)
    for key, value in override.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _constructor_args(name, abi, protocol, profile, overrides, genesis, addresses) -> list:
    ctor = next((i for i in abi if i["type"] == "constructor"), {"inputs": []})
    if name == "TaoToken":
        accounts = [to_checksum_address(a) for a, _ in genesis]
        return [protocol, accounts, [int(v) for _, v in genesis]]
    params = _merged(load_profile(profile, name), overrides.get(name) or {})
    if name == "EpochSettlement":  # (protocol, weights, params): it reads the Weights rows
        return [protocol, addresses["Weights"], *_struct_args(name, [ctor["inputs"][0], ctor["inputs"][2]], params)]
    return [protocol, *_struct_args(name, ctor["inputs"], params)]


def deploy_protocol(
    w3: Web3,
    deployer: LocalAccount,
    profile: str = "devnet",
    overrides: dict[str, dict] | None = None,
    genesis: list[tuple[str, int]] | None = None,
    settlement: str | None = None,
) -> Deployment:
    """Deploy every protocol contract from ``deployer``; returns the :class:`Deployment`.

    Args:
        profile: parameter profile folder under ``contracts/profiles``.
        overrides: ``{contract: {field: value}}`` merged over the profile.
        genesis: ``[(address, rao)]`` TAO allocated at construction.
        settlement: the address allowed to drain pending emission and credit stake; by default
            the EpochSettlement contract deployed here (tests may name another, to impersonate it).
    """
    artifacts = compile_contracts()
    missing = [n for n in DEPLOY_ORDER if n not in artifacts]
    if missing:
        raise DeploymentError(f"contracts not found in contracts/: {missing}")
    overrides = overrides or {}
    nonce = w3.eth.get_transaction_count(deployer.address, "pending")
    addresses = {n: create_address(deployer.address, nonce + i) for i, n in enumerate(DEPLOY_ORDER)}
    settlement = addresses["EpochSettlement"] if settlement is None else to_checksum_address(settlement)
    protocol = tuple(addresses[n] for n in _ROLE_OF) + (settlement,)
    dep = Deployment(w3.eth.chain_id, addresses, {n: artifacts[n]["abi"] for n in DEPLOY_ORDER},
                     w3.eth.block_number + 1, profile, source_key(), settlement)
    client = ChainClient(w3, dep)  # decodes constructor reverts by the contracts' own errors
    for i, name in enumerate(DEPLOY_ORDER):
        art = artifacts[name]
        args = _constructor_args(name, art["abi"], protocol, profile, overrides, genesis or [], addresses)
        factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx = factory.constructor(*args).build_transaction(
            {"from": deployer.address, "nonce": nonce + i, "chainId": dep.chain_id}
        )
        receipt = client.send_raw(tx, deployer)
        if receipt["contractAddress"] != addresses[name]:
            raise DeploymentError(f"{name} landed at {receipt['contractAddress']}, expected {addresses[name]}")
    log.info("deployed protocol (%s) at block %d", profile, dep.deploy_block)
    return dep


def ensure_deployed(
    w3: Web3,
    deployer: LocalAccount,
    out: Path,
    *,
    profile: str = "devnet",
    genesis: list[tuple[str, int]] | None = None,
    overrides: dict[str, dict] | None = None,
) -> tuple[Deployment, bool]:
    """Reuse the deployment in ``out`` when it is live on this chain and built from the
    current sources and profile; otherwise deploy afresh and write ``out``.

    Returns:
        ``(deployment, reused)``.
    """
    if Path(out).exists():
        try:
            existing = load_deployment(out)
            ChainClient(w3, existing).check_deployment()
        except DeploymentError as exc:
            log.info("not reusing %s: %s", out, exc)
        else:
            if existing.source_key == source_key() and existing.profile == profile:
                return existing, True
            log.info("contracts or profile changed since %s; deploying afresh", out)
    dep = deploy_protocol(w3, deployer, profile=profile, overrides=overrides, genesis=genesis)
    dep.save(Path(out))
    return dep, False
