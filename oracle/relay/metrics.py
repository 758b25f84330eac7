"""Prometheus metrics of one relay (its own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

__all__ = ["RelayMetrics"]


class RelayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("relay_messages_received_total", "Messages received, by kind and HTTP outcome",
                                ["kind", "code"], registry=self.registry)
        self.batches = Counter("relay_batches_sent_total", "Batch transactions broadcast, by kind", ["kind"],
                               registry=self.registry)
        self.outcomes = Counter("relay_messages_settled_total", "Messages settled on chain, by kind and status",
                                ["kind", "status"], registry=self.registry)
        self.gas = Counter("relay_gas_used_total", "Gas used by mined batch transactions", registry=self.registry)
        self.queue_depth = Gauge("relay_queue_depth", "Messages acknowledged and not yet sent", registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
