"""Fixtures for the Yuma engine tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from yuma_helpers import vectors_dir


@pytest.fixture(scope="session")
def vectors() -> Path:
    path = vectors_dir()
    if not path.is_dir():
        pytest.fail(f"Yuma vectors not found at {path} (tests/data/yuma_vectors, or $EVMTENSOR_SHARED)")
    return path
