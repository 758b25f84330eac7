"""Relay fixtures: the relay as a real ``python -m oracle.relay`` process (uvicorn) on the
session's Anvil chain, with its SQLite queue in the test's temporary folder."""

from __future__ import annotations

import subprocess

import pytest

from contracts.test_weights import Net
from relay_process import RelayProcess, spawn_relay

RELAY_ACCOUNT = 6  # pays the relay's gas


@pytest.fixture
def net(w3, client, accounts):
    return Net(w3, client, accounts)


@pytest.fixture
def relay_payer(accounts):
    """The account the relay pays gas from."""
    return accounts[RELAY_ACCOUNT]


@pytest.fixture
def relay_env(tmp_path, anvil, deployment, accounts) -> dict:
    path = tmp_path / "deployment.json"
    deployment.save(path)
    return {
        "RELAY_RPC_URL": anvil.url,
        "RELAY_DEPLOYMENT": str(path),
        "RELAY_DB": str(tmp_path / "relay.db"),
        "RELAY_SUBMITTER_KEY": accounts[RELAY_ACCOUNT].key.hex(),
        "RELAY_PORT": "0",
        "RELAY_BATCH_DELAY_S": "0.3",
        "RELAY_POLL_INTERVAL_S": "0.05",
    }


@pytest.fixture
def start_relay(relay_env, wait_for_port):
    """``start_relay(**env_overrides) -> RelayProcess``; every process is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def _start(**overrides) -> RelayProcess:
        proc = spawn_relay({**relay_env, **{k: str(v) for k, v in overrides.items()}})
        procs.append(proc)
        return RelayProcess(proc, wait_for_port(proc))

    yield _start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stderr.close()
