"""Where the protocol lives on one chain: the deployment file every component reads.

A :class:`Deployment` is plain data (chain id, addresses, ABIs, deploy block, profile): reading
one needs no compiler, no Anvil and no connection. A :class:`~evmtensor.chain.client.ChainClient`
pairs it with a web3 connection.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from evmtensor.errors import DeploymentError
from evmtensor.units import ZERO_ADDRESS

__all__ = ["Deployment", "load_deployment"]


@dataclass(frozen=True)
class Deployment:
    """The protocol's addresses and ABIs on one chain."""

    chain_id: int
    addresses: dict[str, str]
    abis: dict[str, list]
    deploy_block: int
    profile: str
    source_key: str = ""
    settlement: str = ZERO_ADDRESS
    extra: dict = field(default_factory=dict)

    def address(self, name: str) -> str:
        """The address of contract ``name`` (e.g. ``"StakingPools"``)."""
        try:
            return self.addresses[name]
        except KeyError:
            raise DeploymentError(f"no contract named {name!r} in this deployment") from None

    def abi(self, name: str) -> list:
        """The ABI of contract ``name``."""
        try:
            return self.abis[name]
        except KeyError:
            raise DeploymentError(f"no ABI for {name!r} in this deployment") from None

    def to_json(self) -> dict:
        return {
            "chainId": self.chain_id, "deployBlock": self.deploy_block, "profile": self.profile,
            "sourceKey": self.source_key, "settlement": self.settlement,
            "addresses": self.addresses, "abis": self.abis, **self.extra,
        }

    @classmethod
    def from_json(cls, raw: dict) -> Deployment:
        known = {"chainId", "deployBlock", "profile", "sourceKey", "settlement", "addresses", "abis"}
        return cls(
            raw["chainId"], raw["addresses"], raw["abis"], raw["deployBlock"], raw["profile"],
            raw.get("sourceKey", ""), raw.get("settlement", ZERO_ADDRESS),
            {k: v for k, v in raw.items() if k not in known},
        )

    def save(self, path: Path) -> None:
        """Write atomically: a reader never sees half a file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        os.replace(tmp, path)


def load_deployment(path: Path | str) -> Deployment:
    """Read a deployment file.

    Raises:
        DeploymentError: the file is missing or corrupt.
    """
    path = Path(path)
    if not path.is_file():
        raise DeploymentError(f"no deployment file at {path}; run `evmtensor deploy` first")
    try:
        return Deployment.from_json(json.loads(path.read_text()))
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise DeploymentError(f"deployment file {path} is corrupt: {exc}") from exc
