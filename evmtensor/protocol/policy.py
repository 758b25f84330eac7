"""What an axon owner configures: limits (`AxonSettings`), who may call (`Blacklist`, e.g.
`require_permit`) and who goes first under load (`Priority`, by default `by_stake`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evmtensor.protocol._guard import ConnectionLimits
from evmtensor.protocol.registry import NeuronInfo
from evmtensor.protocol.tasks import CallContext

__all__ = ["AxonSettings", "Blacklist", "Handler", "Priority", "by_stake", "require_permit"]

Handler = Callable[[Any, CallContext], Any]
Blacklist = Callable[[NeuronInfo, str], str | None]  # returns a reason to refuse, or None
Priority = Callable[[NeuronInfo], float]


def by_stake(neuron: NeuronInfo) -> float:
    """The default priority: the caller's stake."""
    return float(neuron.stake)


def require_permit(min_stake: int = 0) -> Blacklist:
    """A blacklist refusing callers without a validator permit or below `min_stake` rao."""

    def blacklist(neuron: NeuronInfo, route: str) -> str | None:
        if not neuron.validator_permit:
            return f"caller uid {neuron.uid} has no validator permit"
        if neuron.stake < min_stake:
            return f"caller uid {neuron.uid} stakes {neuron.stake} rao < {min_stake}"
        return None

    return blacklist


@dataclass(frozen=True)
class AxonSettings:
    """Limits of one axon; the defaults suit a miner on the open internet."""

    max_age_s: float = 10.0  # oldest request timestamp accepted
    max_skew_s: float = 2.0  # how far in the future a timestamp may be
    max_timeout_s: float = 300.0  # caller timeouts are clamped to this
    max_body_bytes: int = 16 * 1024 * 1024  # a ceiling over every task's max_request_bytes
    body_timeout_s: float = 10.0  # the whole body must arrive this soon after the head
    slots: int = 16  # handlers running at once (at most worker_threads)
    max_waiting: int = 1024  # requests queued behind the slots; then the lowest stake is evicted
    worker_threads: int = 16  # threads for synchronous handlers
    nonces_per_caller: int = 4096
    fsync_nonces: bool = False
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)

    def __post_init__(self) -> None:
        if not 1 <= self.slots <= self.worker_threads:
            raise ValueError(
                f"slots={self.slots} must be between 1 and worker_threads={self.worker_threads}: "
                "a slot whose handler has no thread to run on would only queue in the executor"
            )
