"""Deploy the protocol to any JSON-RPC endpoint and read it back.

The contracts reference each other as immutables, so their addresses are predicted from the
deployer's nonce (CREATE) and passed to every constructor in one fixed order. Parameters come
from a profile (``contracts/profiles/<profile>/<Contract>.json``: the fields of the contract's
params struct by name), optionally overridden per field. The deployment file (chain id, addresses,
ABIs, deploy block, profile) is what every other component reads.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import rlp
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from evmtensor.chain.compiler import compile_contracts
from evmtensor.chain.tx import register_abis, send_raw
from evmtensor.errors import ConfigError, DeploymentError
from evmtensor.paths import CONTRACTS_DIR

__all__ = ["DEPLOY_ORDER", "Deployment", "deploy_protocol", "ensure_deployed", "load_deployment", "load_profile"]

log = logging.getLogger(__name__)

DEPLOY_ORDER = ("TaoToken", "SubnetRegistry", "NeuronRegistry", "StakingPools", "Emission", "MetagraphViews")
_ROLE_OF = {"TaoToken": "tao", "SubnetRegistry": "subnets", "NeuronRegistry": "neurons",
            "StakingPools": "pools", "Emission": "emission"}
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass
class Deployment:
    """Where the protocol lives on one chain, with the ABIs to talk to it."""

    w3: Web3 | None
    chain_id: int
    addresses: dict[str, str]
    abis: dict[str, list]
    deploy_block: int
    profile: str
    source_key: str = ""
    settlement: str = ZERO_ADDRESS
    extra: dict = field(default_factory=dict)

    def contract(self, name: str):
        """A web3 contract object for ``name`` (e.g. ``"StakingPools"``)."""
        if name not in self.addresses:
            raise DeploymentError(f"no contract named {name!r} in this deployment")
        return self.w3.eth.contract(address=self.addresses[name], abi=self.abis[name])

    def to_json(self) -> dict:
        return {
            "chainId": self.chain_id, "deployBlock": self.deploy_block, "profile": self.profile,
            "sourceKey": self.source_key, "settlement": self.settlement,
            "addresses": self.addresses, "abis": self.abis, **self.extra,
        }

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        os.replace(tmp, path)


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


def _constructor_args(name, abi, protocol, profile, overrides, genesis) -> list:
    ctor = next((i for i in abi if i["type"] == "constructor"), {"inputs": []})
    if name == "TaoToken":
        accounts = [to_checksum_address(a) for a, _ in genesis]
        return [protocol, accounts, [int(v) for _, v in genesis]]
    params = _merged(load_profile(profile, name), overrides.get(name) or {})
    return [protocol, *_struct_args(name, ctor["inputs"], params)]


def deploy_protocol(
    w3: Web3,
    deployer: LocalAccount,
    profile: str = "devnet",
    overrides: dict[str, dict] | None = None,
    genesis: list[tuple[str, int]] | None = None,
    settlement: str = ZERO_ADDRESS,
) -> Deployment:
    """Deploy every protocol contract from ``deployer``; returns the :class:`Deployment`.

    Args:
        profile: parameter profile folder under ``contracts/profiles``.
        overrides: ``{contract: {field: value}}`` merged over the profile.
        genesis: ``[(address, rao)]`` TAO allocated at construction.
        settlement: the address allowed to drain pending emission and credit stake.
    """
    artifacts = compile_contracts()
    missing = [n for n in DEPLOY_ORDER if n not in artifacts]
    if missing:
        raise DeploymentError(f"contracts not found in contracts/: {missing}")
    overrides = overrides or {}
    nonce = w3.eth.get_transaction_count(deployer.address, "pending")
    addresses = {n: create_address(deployer.address, nonce + i) for i, n in enumerate(DEPLOY_ORDER)}
    protocol = tuple(addresses[n] for n in _ROLE_OF) + (to_checksum_address(settlement),)
    chain_id = w3.eth.chain_id
    deploy_block = w3.eth.block_number + 1
    for i, name in enumerate(DEPLOY_ORDER):
        art = artifacts[name]
        args = _constructor_args(name, art["abi"], protocol, profile, overrides, genesis or [])
        factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        tx = factory.constructor(*args).build_transaction(
            {"from": deployer.address, "nonce": nonce + i, "chainId": chain_id}
        )
        receipt = send_raw(w3, tx, deployer)
        if receipt["contractAddress"] != addresses[name]:
            raise DeploymentError(f"{name} landed at {receipt['contractAddress']}, expected {addresses[name]}")
    abis = {n: artifacts[n]["abi"] for n in DEPLOY_ORDER}
    register_abis(list(abis.values()))
    log.info("deployed protocol (%s) at block %d", profile, deploy_block)
    return Deployment(w3, chain_id, addresses, abis, deploy_block, profile, _source_key(), settlement)


def _source_key() -> str:
    from evmtensor.chain.compiler import _cache_key, _sources  # one definition of the key

    return _cache_key(_sources(CONTRACTS_DIR))


def load_deployment(path: Path, w3: Web3 | None = None, *, check_code: bool = True) -> Deployment:
    """Read a deployment file; with ``w3``, check the chain id and that code is there."""
    if not Path(path).exists():
        raise DeploymentError(f"no deployment file at {path}; run scripts/deploy.py first")
    try:
        raw = json.loads(Path(path).read_text())
        dep = Deployment(
            w3, raw["chainId"], raw["addresses"], raw["abis"], raw["deployBlock"], raw["profile"],
            raw.get("sourceKey", ""), raw.get("settlement", ZERO_ADDRESS),
        )
    except (ValueError, KeyError) as exc:
        raise DeploymentError(f"deployment file {path} is corrupt: {exc}") from exc
    register_abis(list(dep.abis.values()))
    if w3 is not None and check_code:
        if w3.eth.chain_id != dep.chain_id:
            raise DeploymentError(f"{path} is for chain {dep.chain_id}, the endpoint is chain {w3.eth.chain_id}")
        empty = [n for n, a in dep.addresses.items() if not w3.eth.get_code(a)]
        if empty:
            raise DeploymentError(f"no code at the addresses of {empty} from {path}")
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
            existing = load_deployment(out, w3)
        except DeploymentError as exc:
            log.info("not reusing %s: %s", out, exc)
        else:
            if existing.source_key == _source_key() and existing.profile == profile:
                return existing, True
            log.info("contracts or profile changed since %s; deploying afresh", out)
    dep = deploy_protocol(w3, deployer, profile=profile, overrides=overrides, genesis=genesis)
    dep.save(Path(out))
    return dep, False
