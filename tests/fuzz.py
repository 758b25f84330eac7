"""Hypothesis profiles: a fixed seed by default, so a failure reproduces on every machine; CI
(``CI`` set) runs the same derandomised search with more examples per property.

Use ``settings(max_examples=examples(n))``: ``n`` locally, ``EXAMPLE_SCALE * n`` in CI.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

__all__ = ["EXAMPLE_SCALE", "examples"]

# A loaded machine (CI's 2 cores) makes generation look slow: that is not a failure.
_PATIENT = [HealthCheck.too_slow]
settings.register_profile("dev", derandomize=True, deadline=None, suppress_health_check=_PATIENT)
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=_PATIENT)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

EXAMPLE_SCALE = 2 if os.environ.get("CI") else 1


def examples(n: int) -> int:
    """How many examples a property that runs ``n`` locally runs here."""
    return n * EXAMPLE_SCALE
