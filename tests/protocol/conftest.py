"""Fixtures for protocol tests: keys and a real uvicorn axon on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from evmtensor.protocol import serve_in_thread
from protocol_helpers import Keys, Running, make_axon, sign_request


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def running(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    calls: list[str] = []
    axon = make_axon(keys, tmp_path_factory.mktemp("axon"), calls)
    with serve_in_thread(axon.app()) as server, httpx.Client(trust_env=False) as http:
        yield Running(server, axon, calls, http)


@pytest.fixture
def fresh(running: Running) -> Running:
    """The module's axon with its call log emptied."""
    running.calls.clear()
    return running


@pytest.fixture
def signed(keys: Keys) -> Callable[..., tuple[dict[str, str], bytes]]:
    def build(**kwargs: Any) -> tuple[dict[str, str], bytes]:
        return sign_request(keys.validator, keys.miner, **kwargs)

    return build
