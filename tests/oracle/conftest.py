"""Fixtures for the Yuma engine tests."""
from __future__ import annotations

from pathlib import Path

import pytest
from yuma_helpers import vectors_dir


@pytest.fixture(scope="session")
def vectors() -> Path:
    path = vectors_dir()
    if not path.is_dir():
        pytest.fail(f"shared Yuma vectors not found at {path} (set EVMTENSOR_SHARED)")
    return path
