"""What the validator reads about its subnet each round, behind an injectable source.

A `MetagraphSource` returns a `Metagraph` snapshot: the neurons (UID, hotkey, axon URL,
incentive, stake, permit), the subnet's weight rules and the EIP-712 domain weights are signed
for. `StaticMetagraph` serves tests and devnets (and lets a test re-register a UID);
`ChainMetagraph` reads the MetagraphViews contract of a deployment.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

from evmtensor.chain.client import ChainClient
from evmtensor.chain.metagraph import metagraph_page
from validator.weights import WeightRules

__all__ = ["ChainMetagraph", "Metagraph", "MetagraphSource", "Neuron", "StaticMetagraph",
           "axon_url"]


@dataclass(frozen=True)
class Neuron:
    uid: int
    hotkey: str
    url: str | None = None  # None: not serving
    incentive: float = 0.0  # share in [0, 1]
    stake: int = 0
    validator_permit: bool = False


@dataclass(frozen=True)
class Metagraph:
    netuid: int
    block: int
    neurons: tuple[Neuron, ...]
    rules: WeightRules = WeightRules()
    chain_id: int = 31337
    verifying_contract: str = "0x0000000000000000000000000000000000000000"

    def serving(self, exclude: str | None = None) -> list[Neuron]:
        """Neurons with an axon, other than hotkey `exclude` (the validator itself)."""
        return [n for n in self.neurons if n.url and n.hotkey != exclude]

    def hotkeys(self) -> dict[int, str]:
        return {n.uid: n.hotkey for n in self.neurons}


@runtime_checkable
class MetagraphSource(Protocol):
    """Loads the current metagraph (blocking; the validator calls it in a worker thread)."""

    def load(self) -> Metagraph: ...


class StaticMetagraph:
    """A fixed metagraph whose neurons a test may replace; the block advances on each load."""

    def __init__(self, netuid: int, neurons: Iterable[Neuron], *, rules: WeightRules = WeightRules(),
                 chain_id: int = 31337,
                 verifying_contract: str = "0x0000000000000000000000000000000000000000") -> None:
        self._lock = threading.Lock()
        self._neurons = {n.uid: n for n in neurons}
        self._block = 0
        self._template = Metagraph(netuid, 0, (), rules, chain_id, verifying_contract)

    def set(self, neuron: Neuron) -> None:
        """Register (or re-register) `neuron` at its UID."""
        with self._lock:
            self._neurons[neuron.uid] = neuron

    def load(self) -> Metagraph:
        with self._lock:
            self._block += 1
            neurons = tuple(self._neurons[uid] for uid in sorted(self._neurons))
            return replace(self._template, block=self._block, neurons=neurons)


def axon_url(ip: int, port: int, ip_type: int) -> str | None:
    """``http://host:port`` from an on-chain AxonInfo, or None when nothing is served."""
    if port == 0 or ip == 0:
        return None
    address = ipaddress.IPv4Address(ip) if ip_type == 4 else ipaddress.IPv6Address(ip)
    host = str(address) if ip_type == 4 else f"[{address}]"
    return f"http://{host}:{port}"


class ChainMetagraph:
    """The subnet as MetagraphViews shows it at the latest block (one block per snapshot)."""

    PAGE = 256

    def __init__(self, client: ChainClient, netuid: int, *, max_weight_limit: float = 1.0,
                 verifying_contract: str | None = None) -> None:
        """`verifying_contract`: the EIP-712 domain weights are signed for (default: the
        deployment's Weights contract, which verifies them)."""
        self.client = client
        self.netuid = netuid
        self.max_weight_limit = max_weight_limit
        self.verifying_contract = verifying_contract or client.deployment.address("Weights")

    def load(self) -> Metagraph:
        block = self.client.block_number()
        hyper = self.client.view("MetagraphViews", "subnet", self.netuid, block=block).hyperparameters
        rules = WeightRules(min_allowed_weights=int(hyper.minAllowedWeights),
                            max_weight_limit=self.max_weight_limit,
                            version_key=int(hyper.weightsVersionKey),
                            rate_limit_blocks=int(hyper.weightsRateLimit))
        neurons: list[Neuron] = []
        start, total = 0, None
        while total is None or start < total:
            page = metagraph_page(self.client, self.netuid, start, self.PAGE, block)
            total = int(page.n)
            for i, hotkey in enumerate(page.hotkeys):
                axon = page.axons[i]
                neurons.append(Neuron(start + i, hotkey, axon_url(axon.ip, axon.port, axon.ipType),
                                      page.incentive[i] / 65535, int(page.alphaStake[i]),
                                      bool(page.validatorPermit[i])))
            if not page.hotkeys:
                break
            start += len(page.hotkeys)
        return Metagraph(self.netuid, block, tuple(neurons), rules, self.client.deployment.chain_id,
                         self.verifying_contract)
