"""Fixtures for miner tests: a tiny GPT-2 built once per module, loaded once per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from miner.backend import TransformersBackend
from miner.tiny import build_tiny_gpt2
from neuron_helpers import one_torch_thread


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="module")
def tiny_backend(tiny_folder: Path) -> TransformersBackend:
    backend = TransformersBackend(tiny_folder, device="cpu")
    backend.load()
    return backend
