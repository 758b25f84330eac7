"""The miner's Prometheus metrics, in a registry of its own (several miners may share a process).

Exposed at ``GET /metrics`` in the Prometheus text format: requests by route and outcome, batch
sizes, generated tokens, the last batch's tokens per second and the queue depth.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = ["CONTENT_TYPE_LATEST", "MinerMetrics"]

_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)


class MinerMetrics:
    """One miner's counters and gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("miner_requests", "Requests served, by route and outcome",
                                ["route", "outcome"], registry=r)
        self.batch_size = Histogram("miner_batch_size", "Requests per generate call",
                                    buckets=_BATCH_BUCKETS, registry=r)
        self.tokens = Counter("miner_generated_tokens", "Completion tokens generated", registry=r)
        self.tokens_per_second = Gauge("miner_tokens_per_second",
                                       "Completion tokens per second of the last batch", registry=r)
        self.queue_depth = Gauge("miner_queue_depth", "Requests waiting for a batch", registry=r)
        self.model_ready = Gauge("miner_model_ready", "1 once the model is loaded", registry=r)

    def batch(self, size: int, tokens: int, seconds: float) -> None:
        """Record one generate call."""
        self.batch_size.observe(size)
        self.tokens.inc(tokens)
        if seconds > 0:
            self.tokens_per_second.set(tokens / seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
