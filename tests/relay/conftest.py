"""Relay fixtures: the relay as a real ``python -m oracle.relay`` process (uvicorn) on the
session's Anvil chain, with its SQLite queue in the test's temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from contracts.test_weights import Net

ROOT = Path(__file__).resolve().parents[2]
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


class RelayProcess:
    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.url = proc, f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.log: list[str] = []
        # Drain stderr (one log line per request) so the pipe never fills and stalls the relay.
        threading.Thread(target=lambda: self.log.extend(iter(proc.stderr.readline, "")), daemon=True).start()

    def kill9(self) -> None:
        self.proc.kill()  # SIGKILL: no shutdown handler runs
        self.proc.wait(timeout=10)
        self.http.close()

    def wait_status(self, digest: str, statuses=("landed", "rejected", "failed"), timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.http.get(f"/v1/submissions/{digest}").json()
            if body["status"] in statuses:
                return body
            time.sleep(0.05)
        raise AssertionError(f"{digest} still {body['status']} after {timeout} s")


@pytest.fixture
def start_relay(relay_env, wait_for_port):
    """``start_relay(**env_overrides) -> RelayProcess``; every process is killed at teardown."""
    procs: list[subprocess.Popen] = []

    def _start(**overrides) -> RelayProcess:
        env = {**os.environ, **relay_env, **{k: str(v) for k, v in overrides.items()}}
        proc = subprocess.Popen([sys.executable, "-m", "oracle.relay"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        return RelayProcess(proc, wait_for_port(proc))

    yield _start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        proc.stderr.close()
